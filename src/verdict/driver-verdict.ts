/**
 * The verdict for a driver: per conformance class it claims, how many of the
 * class's scenarios it passed, and for the rest which rules it broke (the
 * rule each failure's findings named, as data, with the verifier entries
 * behind it) and in how many scenarios. Only scenarios of a claimed class
 * count: the kernel self-check scenarios test the simulated machine, not the
 * driver. Pure: the outcomes come from the run's results (allure-outcomes.ts).
 */
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
}

export function classVerdicts(outcomes: readonly ScenarioOutcome[], claimed: readonly string[]): ClassVerdict[] {
  return claimed.map((conformanceClass) => {
    const own = outcomes.filter((o) => o.classes.includes(conformanceClass));
    const byRule = new Map<string, { entries: Set<string>; scenarios: number; places: Map<string, number> }>();
    let withoutRule = 0;
    for (const o of own) {
      if (o.status === 'passed') continue;
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
    return { conformanceClass, passed: own.filter((o) => o.status === 'passed').length, total: own.length, broken, withoutRule };
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

/** "read-write-direct: 31/31 passed", or "read-write-direct: 0/31: broke SG-3 (VER-SG-DOUBLE-PUT) in 21 scenarios, PAGE-1 in 3". */
export function verdictLine(v: ClassVerdict): string {
  if (v.total === 0) return `${v.conformanceClass}: no scenario of the class ran`;
  if (classPassed(v)) return `${v.conformanceClass}: ${v.passed}/${v.total} passed`;
  const parts = v.broken.map((b, i) => `${i === 0 ? 'broke ' : ''}${b.rule}${b.entries.length > 0 ? ` (${b.entries.join(', ')})` : ''} in ${b.scenarios} scenario${b.scenarios === 1 ? '' : 's'}`);
  if (v.withoutRule > 0) parts.push(`${v.withoutRule} failed or broken without naming a rule`);
  return `${v.conformanceClass}: ${v.passed}/${v.total}: ${parts.join(', ')}`;
}
