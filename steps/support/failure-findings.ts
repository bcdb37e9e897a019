/**
 * The findings behind a failed scenario, as data: those the failing check
 * carried (RuleFindingsError), or, for a stop a step ran into, the stop as a
 * finding of the rule its code stands for (the stop oracle's diagnosis when
 * a workload ran). A crash of the driver is a verdict of its own, with no
 * findings. Any other failure (a plain assertion, an error of the suite or
 * the simulator) has none: it is no verdict on a rule.
 */
import { DriverCrash, driverCrashOf } from '../../src/diagnosis/driver-crash';
import { BugCheck, isBugCheck } from '../../src/machine/bug-check';
import { crashOf } from '../../src/oracles/driver-crashed';
import type { OracleFinding } from '../../src/oracles/oracle-finding';
import { findingsOf } from '../../src/oracles/rule-findings-error';
import { stopFinding, stopOracle } from '../../src/oracles/stop-oracle';
import { hasWorkload, workloadOf } from './driver-under-test';
import { failureOf } from './failure-record';
import { MachineStopped, OutcomeNotExamined } from './outcome';
import type { ConformanceWorld } from './world';

export { CRASH_ATTACHMENT, FINDINGS_ATTACHMENT } from '../../src/oracles/failure-attachments';

/** Whether the failure is the machine's stop itself (thrown by a step, or reported by the outcome checks). */
function failedOnStop(error: unknown): boolean {
  return isBugCheck(error) || error instanceof MachineStopped || error instanceof OutcomeNotExamined;
}

/** The driver's crash the scenario failed on (src/diagnosis/driver-crash.ts), or null; its findings are then none. */
export function failureCrash(world: ConformanceWorld, hookError: unknown, stop: BugCheck | null): DriverCrash | null {
  const error = failureOf(world) ?? hookError;
  const carried = crashOf(error);
  if (carried) return carried;
  return failedOnStop(error) && stop ? driverCrashOf(stop) : null;
}

/** `error` is what cucumber gave the After hook; the first failure noted on the world wins over it. */
export function failureFindings(world: ConformanceWorld, hookError: unknown, stop: BugCheck | null): readonly OracleFinding[] | null {
  const error = failureOf(world) ?? hookError;
  const carried = findingsOf(error);
  if (carried) return carried;
  if (!failedOnStop(error) || !stop || failureCrash(world, hookError, stop)) return null;
  if (hasWorkload(world)) {
    const diagnosed = stopOracle(workloadOf(world));
    if (diagnosed.length > 0) return diagnosed;
  }
  return [stopFinding(stop, `the machine stopped with ${stop.message}`)];
}
