/**
 * The verdict of a failed scenario on the driver, from the data the failure
 * carried, so a strict check can tell a verdict from a broken run:
 *
 * - findings (the JSON the report's hook attaches to a failed scenario,
 *   steps/support/hooks.ts): the first one is the diagnosis's verdict, and
 *   the verifier catalog entries behind them name what a driver that
 *   declares an entry broke;
 * - a crash (the JSON of the driver's crash, src/diagnosis/driver-crash.ts):
 *   a verdict on the driver, in the routine that threw, of no rule;
 * - anything else (a program error of the suite or the simulator, an
 *   assertion that carried no findings, a precondition about the machine
 *   that failed, a driver routine that did not return) is broken: no verdict on a rule. A scenario's tags never stand
 *   in for a finding: a check that judges the driver names its rule as data.
 *
 * Nothing here reads a rule out of a message.
 */
import { DriverCrash, describeCrash } from './driver-crash';
import { MachinePreconditionFailed } from './machine-precondition';
import { entriesOf } from '../oracles/oracle-finding';
import type { OracleFinding } from '../oracles/oracle-finding';
import { RuleRef, VerifierEntryId, isRuleRef, ruleOfRef } from '../rules/rule-ref';

export interface FailedScenario {
  /** The findings the failure carried, or null when it carried none. */
  readonly findings: readonly OracleFinding[] | null;
  /** The driver's crash the failure carried, or null (absent: none). */
  readonly crash?: DriverCrash | null;
  /** The failing error's type, as cucumber reports it ("AssertionError", "TypeError", ...). */
  readonly errorType: string | null;
}

export type FailureVerdict =
  | { readonly kind: 'names'; readonly rule: RuleRef; readonly how: string; readonly entries: readonly VerifierEntryId[] }
  /** The driver crashed: a verdict on it, but of no rule. */
  | { readonly kind: 'crashed'; readonly crash: DriverCrash }
  | { readonly kind: 'broken'; readonly why: string };

export function failureVerdict(failed: FailedScenario): FailureVerdict {
  // A routine that did not return (the wall-clock watchdog stopped it) is a verdict on the driver, but judges no rule.
  if (failed.errorType === 'DriverSpinning') return { kind: 'broken', why: 'the driver did not return: no rule was judged' };
  if (failed.errorType === MachinePreconditionFailed.name) return { kind: 'broken', why: 'a precondition about the machine failed: no verdict on the driver' };
  if (failed.crash) return { kind: 'crashed', crash: failed.crash };
  const first = failed.findings?.[0];
  if (first) {
    const entry = first.entry !== undefined ? `, ${first.entry}` : '';
    return { kind: 'names', rule: first.rule, how: `the first finding (${first.oracle}${entry})`, entries: entriesOf(failed.findings!) };
  }
  // chai's expect.fail and expect(...) throw AssertionError: a check the suite worded, with no rule as data.
  return { kind: 'broken', why: failed.errorType === 'AssertionError' ? 'an assertion that carried no findings names no rule' : `${failed.errorType ?? 'an error'} is no verdict on the driver` };
}

/** True when the verdict rejects a driver that breaks `rule`: a finding of the failure names it (a crash names none). */
export function verdictNames(verdict: FailureVerdict, rule: RuleRef): boolean {
  if (verdict.kind !== 'names') return false;
  if (verdict.rule === rule) return true;
  // A driver that breaks a verifier entry is named by a finding of that entry.
  if ((verdict.entries as readonly string[]).includes(rule)) return true;
  // A verifier entry named as the rule stands for the rule it belongs to.
  return isRuleRef(verdict.rule) && ruleOfRef(verdict.rule) === rule && verdict.rule !== ruleOfRef(verdict.rule);
}

/** The verdict in words, for a line of the mutation check. */
export function describeVerdict(verdict: FailureVerdict): string {
  switch (verdict.kind) {
    case 'names': return `names ${verdict.rule} (${verdict.how})`;
    case 'crashed': return `crashed, naming no rule (${describeCrash(verdict.crash)})`;
    case 'broken': return `is broken (${verdict.why})`;
  }
}
