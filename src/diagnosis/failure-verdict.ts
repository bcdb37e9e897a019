/**
 * Reading a failed scenario's message for the rule it names, so a strict
 * check can tell a verdict on the driver from a broken run:
 *
 * - a finding of the oracles names its rule in front ("[stop, SG-6] ...");
 *   the first one is the diagnosis's verdict;
 * - a stop named by its code ("bug check 0x4E PFN_LIST_CORRUPT (0x9A, ...)")
 *   names the rule its code stands for; a verifier catalog ID names the
 *   rule of its entry;
 * - a failed assertion of a Then step states the rule of its scenario;
 * - anything else (a program error of the suite or the simulator, an
 *   undefined step, a stop the simulator caused, a driver routine that did
 *   not return) is broken: it names no rule.
 */
import { VIOLATION_CATALOG } from '../kernel/verifier/violation-catalog';
import { ruleOfBugCheck } from './bug-check-rules';
import { ruleOfEntry } from './verifier-finding-rules';

export type FailureVerdict =
  | { readonly kind: 'names'; readonly rule: string; readonly how: string; readonly entries?: readonly string[] }
  /** A failed assertion that names no rule: it states the rule of the scenario it is in. */
  | { readonly kind: 'assertion' }
  | { readonly kind: 'broken'; readonly why: string };

const FINDING = /\[(?:stop|verifier|data|completion|ownership|leftovers), ([A-Z]+-[A-Z0-9*-]+)\]/;
const STOP = /bug check 0x([0-9A-F]+) [A-Z0-9_]+ \((0x[0-9A-F]+)/;
const ASSERTION = /^AssertionError\b/;

/** The error's name at the start of a message ("TypeError: ..."), when it has one. */
function errorName(message: string): string | null {
  return /^([A-Za-z]*(?:Error|Defect|BugCheck|Stopped|Examined|Exception))\b/.exec(message.trimStart())?.[1] ?? null;
}

export function failureVerdict(message: string, errorType: string | null = null, inThenStep = true): FailureVerdict {
  // A routine that did not return (the wall-clock watchdog stopped it) is a verdict on the driver, but judges no rule.
  if (errorType === 'DriverSpinning' || /^DriverSpinning: /.test(message.trimStart())) return { kind: 'broken', why: 'the driver did not return: no rule was judged' };
  const name = errorType ?? errorName(message);
  const assertion = name === 'AssertionError' || ASSERTION.test(message.trimStart());
  // A stop that a step ran into, or that no Then step examined, is a verdict the suite words too.
  const stopNamed = name === 'BugCheck' || name === 'MachineStopped' || name === 'OutcomeNotExamined' || assertion;
  // Only a verdict the suite itself words counts: an assertion or a stop; a program error is broken whatever its text.
  if (!stopNamed) return { kind: 'broken', why: `${name ?? 'an error'} is no verdict on the driver` };
  // The verifier catalog entries the message names, for a driver that declares it breaks one.
  const entries = VIOLATION_CATALOG.filter((e) => new RegExp(`(?<![A-Za-z0-9-])${e.id}(?![A-Za-z0-9-])`).test(message));
  const ids = entries.map((e) => e.id);
  const finding = FINDING.exec(message);
  if (finding) return { kind: 'names', rule: finding[1]!, how: 'the first finding', entries: ids };
  const stop = STOP.exec(message);
  if (stop) return { kind: 'names', rule: ruleOfBugCheck({ code: parseInt(stop[1]!, 16), parameters: [parseInt(stop[2]!, 16), 0, 0, 0] }), how: `bug check 0x${stop[1]}`, entries: ids };
  const entry = entries[0];
  if (entry) return { kind: 'names', rule: ruleOfEntry(entry), how: `catalog entry ${entry.id}`, entries: ids };
  if (assertion && inThenStep) return { kind: 'assertion' };
  return { kind: 'broken', why: assertion ? 'an assertion outside a Then step names no rule' : `${name} names no rule` };
}

/** True when the verdict rejects a driver that breaks `rule`, in a scenario tagged with `scenarioRules`. */
export function verdictNames(verdict: FailureVerdict, rule: string, scenarioRules: readonly string[]): boolean {
  if (verdict.kind === 'names') {
    if (verdict.rule === rule) return true;
    // A driver that breaks a verifier entry is named by a finding of that entry.
    if (verdict.entries?.includes(rule)) return true;
    // A catalog ID names the rule of its entry.
    const entry = VIOLATION_CATALOG.find((e) => e.id === verdict.rule);
    return entry !== undefined && entry.rule === rule;
  }
  return verdict.kind === 'assertion' && scenarioRules.includes(rule);
}
