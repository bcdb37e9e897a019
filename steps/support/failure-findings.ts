/**
 * The findings behind a failed scenario, as data: those the failing check
 * carried (RuleFindingsError), or, for a stop a step ran into, the stop as a
 * finding of the rule its code stands for (the stop oracle's diagnosis when
 * a workload ran). Any other failure (a plain assertion, an error of the
 * suite or the simulator) has none: its rule is the scenario's tag, or it is
 * no verdict at all.
 */
import { BugCheck, isBugCheck } from '../../src/machine/bug-check';
import type { OracleFinding } from '../../src/oracles/oracle-finding';
import { findingsOf } from '../../src/oracles/rule-findings-error';
import { stopFinding, stopOracle } from '../../src/oracles/stop-oracle';
import { hasWorkload, workloadOf } from './driver-under-test';
import { failureOf } from './failure-record';
import { MachineStopped, OutcomeNotExamined } from './outcome';
import type { ConformanceWorld } from './world';

/** The name of the JSON attachment the findings of a failed scenario are in; scripts/mutation-check.cjs reads it. */
export const FINDINGS_ATTACHMENT = 'rule findings';

/** `error` is what cucumber gave the After hook; the first failure noted on the world wins over it. */
export function failureFindings(world: ConformanceWorld, hookError: unknown, stop: BugCheck | null): readonly OracleFinding[] | null {
  const error = failureOf(world) ?? hookError;
  const carried = findingsOf(error);
  if (carried) return carried;
  if (!(isBugCheck(error) || error instanceof MachineStopped || error instanceof OutcomeNotExamined) || !stop) return null;
  if (hasWorkload(world)) {
    const diagnosed = stopOracle(workloadOf(world));
    if (diagnosed.length > 0) return diagnosed;
  }
  return [stopFinding(stop, `the machine stopped with ${stop.message}`)];
}
