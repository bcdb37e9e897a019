/**
 * A check a Then step makes of the driver itself (how many preallocated
 * buffers it holds, whether they are contiguous, whether its open and close
 * succeeded): when it does not hold, the step fails with a finding that
 * names the rule the check judges, as data, like the oracles' findings, so
 * the verdict and the mutation check credit that rule and no other the
 * scenario happens to be tagged with.
 */
import type { RuleRef } from '../rules/rule-ref';
import type { OracleName } from './oracle-finding';
import { RuleFindingsError } from './rule-findings-error';

/**
 * Fail with one finding of `oracle` naming `rule` unless `holds`; `found`
 * says what the driver did instead, `expected` what the check expected.
 */
export function requireOfDriver(holds: boolean, rule: RuleRef, oracle: OracleName, expected: string, found: () => string): void {
  if (holds) return;
  throw new RuleFindingsError(expected, [{ oracle, rule, message: found() }]);
}

/**
 * The rule an application's handle answers to: opening the device, closing
 * the handle (the driver's cleanup must complete or cancel what the handle
 * has outstanding) and IRP_MJ_CLOSE once all of it has finished.
 */
export const HANDLE_RULE: RuleRef = 'PAGE-5';
