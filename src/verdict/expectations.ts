/**
 * Known failures a team expects while it adopts the suite: an expectations
 * file lists scenarios its driver still fails, each with the rule it breaks
 * and why. A failure it lists is reported as known, never as passed; a listed
 * scenario that now passes, or fails for another rule, or is not in the run,
 * is reported too, so the file shrinks as the driver is fixed and never hides
 * a new failure.
 *
 *   { "known": [ { "class": "read-write-direct", "scenario": "<name as the report shows it>",
 *                  "rule": "SG-3", "why": "list put back in the completion and in cleanup (bug 1234)" } ] }
 */
import * as fs from 'node:fs';
import type { ScenarioOutcome } from './driver-verdict';

export interface KnownFailure {
  readonly conformanceClass: string;
  readonly scenario: string;
  /** The rule the failure must name; a failure naming another rule is not the known one. */
  readonly rule: string;
  readonly why: string;
}

export class InvalidExpectations extends Error {
  constructor(file: string, problems: readonly string[]) {
    super(`expectations file ${file}: ${problems.join('; ')}`);
    this.name = 'InvalidExpectations';
  }
}

/** Reads and checks an expectations file: every entry names a class, a scenario, a rule and why. */
export function readExpectations(file: string): KnownFailure[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new InvalidExpectations(file, [(e as Error).message]);
  }
  const known = (parsed as { known?: unknown } | null)?.known;
  if (!Array.isArray(known)) throw new InvalidExpectations(file, ['expected an object with a "known" list']);
  const problems: string[] = [];
  const result: KnownFailure[] = [];
  known.forEach((entry: Record<string, unknown>, i) => {
    const missing = ['class', 'scenario', 'rule', 'why'].filter((k) => typeof entry?.[k] !== 'string' || (entry[k] as string).trim() === '');
    if (missing.length > 0) problems.push(`entry ${i + 1} needs ${missing.map((k) => `"${k}"`).join(', ')} (text)`);
    else result.push({ conformanceClass: entry.class as string, scenario: entry.scenario as string, rule: entry.rule as string, why: entry.why as string });
  });
  if (problems.length > 0) throw new InvalidExpectations(file, problems);
  return result;
}

/** Why a listed failure did not happen as listed. */
export type StaleReason = 'passes now' | 'fails for another rule' | 'not in the run';

export interface StaleExpectation {
  readonly expected: KnownFailure;
  readonly reason: StaleReason;
  /** The rule the scenario failed for instead ('fails for another rule'). */
  readonly actualRule?: string | null;
}

/** The listed failure that accounts for an outcome, if any: same class, same scenario, failed naming the listed rule. */
export function knownFailureOf(outcome: ScenarioOutcome, expectations: readonly KnownFailure[]): KnownFailure | null {
  if (outcome.status !== 'failed') return null;
  return expectations.find((k) => k.scenario === outcome.name && outcome.classes.includes(k.conformanceClass) && k.rule === outcome.brokenRule) ?? null;
}

/** Listed failures the run did not show as listed. */
export function staleExpectations(outcomes: readonly ScenarioOutcome[], expectations: readonly KnownFailure[]): StaleExpectation[] {
  return expectations.flatMap((expected): StaleExpectation[] => {
    const runs = outcomes.filter((o) => o.name === expected.scenario && o.classes.includes(expected.conformanceClass) && o.status !== 'skipped');
    if (runs.length === 0) return [{ expected, reason: 'not in the run' }];
    if (runs.some((o) => knownFailureOf(o, [expected]))) return [];
    const failed = runs.find((o) => o.status !== 'passed');
    return failed ? [{ expected, reason: 'fails for another rule', actualRule: failed.brokenRule }] : [{ expected, reason: 'passes now' }];
  });
}

export function describeStale(s: StaleExpectation): string {
  const what = `${s.expected.conformanceClass}: "${s.expected.scenario}" (listed as breaking ${s.expected.rule})`;
  if (s.reason === 'fails for another rule') return `${what} fails ${s.actualRule ? `for ${s.actualRule}` : 'without naming a rule'} instead`;
  return `${what} ${s.reason === 'passes now' ? 'passes now: take it off the list' : 'did not run'}`;
}
