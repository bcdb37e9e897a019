/**
 * The verdict for a driver: per conformance class it claims, how many of the
 * class's scenarios it passed, and for the rest which rules it broke (the
 * rule each failure's findings named, as data, with the verifier entries
 * behind it) and in how many scenarios. Only scenarios of a claimed class
 * count: the kernel self-check scenarios test the simulated machine, not the
 * driver. Pure: the outcomes come from the run's results (allure-outcomes.ts).
 * Failures a team's expectations file lists are counted as known, apart.
 */
import { KnownFailure, knownFailureOf } from './expectations';
export interface ScenarioOutcome {
  readonly name: string;
  /** The conformance classes the scenario is tagged with (@class:...). */
  readonly classes: readonly string[];
  readonly status: 'passed' | 'failed' | 'broken' | 'skipped' | 'unknown';
  /** The rule the failure's findings named (the report's story label), when it failed with findings. */
  readonly brokenRule: string | null;
  /** The verifier catalog entries among the findings. */
  readonly entries: readonly string[];
  /** Where in the driver the findings that named the rule happened ("in the driver at F (file:line)", "acquired with R by F (file:line)"). */
  readonly places?: readonly string[];
}

export interface BrokenRule {
  readonly rule: string;
  readonly entries: readonly string[];
  readonly scenarios: number;
  /** The driver places the rule's findings named, most scenarios first. */
  readonly places: readonly string[];
}

export interface ClassVerdict {
  readonly conformanceClass: string;
  readonly passed: number;
  readonly total: number;
  /** Failed scenarios by the rule their findings named, most scenarios first. */
  readonly broken: readonly BrokenRule[];
  /** Scenarios that failed without naming a rule, or could not run (broken, skipped): no verdict on a rule. */
  readonly withoutRule: number;
  /** Failures the team's expectations file lists (expectations.ts), by rule: known, never passed. */
  readonly known: readonly { readonly rule: string; readonly scenarios: number }[];
}

export function classVerdicts(outcomes: readonly ScenarioOutcome[], claimed: readonly string[], expectations: readonly KnownFailure[] = []): ClassVerdict[] {
  return claimed.map((conformanceClass) => {
    const own = outcomes.filter((o) => o.classes.includes(conformanceClass));
    const byRule = new Map<string, { entries: Set<string>; scenarios: number; places: Map<string, number> }>();
    const known = new Map<string, number>();
    let withoutRule = 0;
    for (const o of own) {
      if (o.status === 'passed') continue;
      const expected = knownFailureOf(o, expectations.filter((k) => k.conformanceClass === conformanceClass));
      if (expected) {
        known.set(expected.rule, (known.get(expected.rule) ?? 0) + 1);
        continue;
      }
      if (o.status !== 'failed' || o.brokenRule === null) {
        withoutRule++;
        continue;
      }
      const rule = byRule.get(o.brokenRule) ?? { entries: new Set<string>(), scenarios: 0, places: new Map<string, number>() };
      rule.scenarios++;
      for (const e of o.entries) rule.entries.add(e);
      for (const p of o.places ?? []) rule.places.set(p, (rule.places.get(p) ?? 0) + 1);
      byRule.set(o.brokenRule, rule);
    }
    const broken = [...byRule].map(([rule, r]) => ({ rule, entries: [...r.entries].sort(), scenarios: r.scenarios, places: [...r.places].sort((a, b) => b[1] - a[1]).map(([p]) => p) })).sort((a, b) => b.scenarios - a.scenarios || a.rule.localeCompare(b.rule));
    const knownByRule = [...known].map(([rule, scenarios]) => ({ rule, scenarios })).sort((a, b) => b.scenarios - a.scenarios || a.rule.localeCompare(b.rule));
    return { conformanceClass, passed: own.filter((o) => o.status === 'passed').length, total: own.length, broken, withoutRule, known: knownByRule };
  });
}

/** Places shown per broken rule under the verdict line; verdict.json has them all. */
const PLACES_SHOWN = 3;

/** Under a class's verdict line: per broken rule, where in the driver its findings were ("SG-3: acquired with GetScatterGatherList by StartTransfer (driver.c:88)"). */
export function verdictPlaceLines(v: ClassVerdict): string[] {
  return v.broken.flatMap((b) => {
    if (b.places.length === 0) return [];
    const more = b.places.length > PLACES_SHOWN ? ` and ${b.places.length - PLACES_SHOWN} more place(s)` : '';
    return [`${b.rule}: ${b.places.slice(0, PLACES_SHOWN).join('; ')}${more}`];
  });
}

/** Whether the driver passed every scenario of the class (and the class had any). */
export function classPassed(v: ClassVerdict): boolean {
  return v.total > 0 && v.passed === v.total;
}

/** Whether every scenario of the class passed or failed as the expectations file lists (a known failure is still no pass). */
export function classAsExpected(v: ClassVerdict): boolean {
  return v.total > 0 && v.broken.length === 0 && v.withoutRule === 0;
}

const scenarios = (n: number): string => `${n} scenario${n === 1 ? '' : 's'}`;

/**
 * "read-write-direct: 31/31 passed", "read-write-direct: 0/31: broke SG-3 (VER-SG-DOUBLE-PUT) in 21 scenarios, PAGE-1 in 3",
 * or with an expectations file "read-write-direct: 30/31, known to break SG-3 in 1 scenario".
 */
export function verdictLine(v: ClassVerdict): string {
  if (v.total === 0) return `${v.conformanceClass}: no scenario of the class ran`;
  if (classPassed(v)) return `${v.conformanceClass}: ${v.passed}/${v.total} passed`;
  const parts = v.broken.map((b, i) => `${i === 0 ? 'broke ' : ''}${b.rule}${b.entries.length > 0 ? ` (${b.entries.join(', ')})` : ''} in ${scenarios(b.scenarios)}`);
  if (v.withoutRule > 0) parts.push(`${v.withoutRule} failed or broken without naming a rule`);
  if (v.known.length > 0) parts.push(`known to break ${v.known.map((k) => `${k.rule} in ${scenarios(k.scenarios)}`).join(', ')}`);
  return `${v.conformanceClass}: ${v.passed}/${v.total}${parts.length > 0 && v.broken.length === 0 && v.withoutRule === 0 ? ',' : ':'} ${parts.join(', ')}`;
}

/** The report's headline for a driver: "example-direct: read-write-direct: 6/6 passed", one verdict line per class. */
export function verdictHeadline(driverName: string, lines: readonly string[]): string {
  return `${driverName}: ${lines.join('; ')}`;
}
