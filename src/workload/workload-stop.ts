/**
 * What ended a workload early: the machine stopped with a bug check, the
 * driver hung (never completed something the machine waited for), or the
 * driver could not be started. Each is a conformance failure of its own; the
 * stop oracle names the rule it breaks.
 */
import { BugCheck } from '../machine/bug-check';
import { SimulationStalled } from '../machine/clock';
import { DriverHang } from '../kernel/io/driver-hang';
import { DriverStartFailed } from '../kernel/io/driver-start-failed';
import { MachineStopped } from '../kernel/io/io-manager';
import { simulatorDefectOf } from '../diagnosis/simulator-defect';

export type WorkloadStop =
  | { readonly kind: 'bug check'; readonly during: string; readonly bugCheck: BugCheck }
  | { readonly kind: 'hang'; readonly during: string; readonly hang: SimulationStalled }
  | { readonly kind: 'start failed'; readonly during: string; readonly failure: DriverStartFailed };

/** The stop an error stands for, or null when the error is not one (a defect of the suite, which must surface as it is); throws a SimulatorDefect for a stop the simulator caused. */
export function stopFrom(error: unknown, during: string, stopped: BugCheck | null): WorkloadStop | null {
  // A stop the simulator's own program error caused is no verdict on the driver: it surfaces as the defect.
  const defect = simulatorDefectOf(error instanceof MachineStopped ? error.bugCheck : error);
  if (defect) throw defect;
  if (error instanceof BugCheck) return { kind: 'bug check', during, bugCheck: error };
  if (error instanceof MachineStopped) return { kind: 'bug check', during, bugCheck: error.bugCheck };
  if (error instanceof DriverHang || error instanceof SimulationStalled) {
    // A hang found while the machine was already stopping is the stop's consequence, not a second failure.
    return stopped ? { kind: 'bug check', during, bugCheck: stopped } : { kind: 'hang', during, hang: error };
  }
  if (error instanceof DriverStartFailed) return { kind: 'start failed', during, failure: error };
  return null;
}

export function describeStop(stop: WorkloadStop): string {
  switch (stop.kind) {
    case 'bug check':
      return `the machine stopped while ${stop.during}: ${stop.bugCheck.message}`;
    case 'hang':
      return `the driver hung while ${stop.during}: ${stop.hang.message}`;
    case 'start failed':
      return `${stop.failure.message}`;
  }
}
