/**
 * No bug check and no hang: the workload ran to its end on a running
 * machine. The diagnosis names the rule a stop breaks: for a bug check, what
 * its code (and for a verifier stop, its catalog entry and the machine's
 * state) stands for; for a hang, what the driver was waiting for.
 */
import { diagnoseBugCheck, ruleOfBugCheck } from '../diagnosis/bug-check-rules';
import { certain, describeDiagnosis } from '../diagnosis/diagnosis';
import { evidenceOf } from '../diagnosis/evidence';
import { diagnoseHang } from '../diagnosis/hang-rules';
import { DriverHang } from '../kernel/io/driver-hang';
import { BugCheck, hex } from '../machine/bug-check';
import { entryOfVerifierStop } from '../kernel/verifier/violation-catalog';
import type { VerifierEntryId } from '../rules/rule-ref';
import type { Workload } from '../workload/workload';
import { describeStop } from '../workload/workload-stop';
import { OracleFinding, diagnosedFinding } from './oracle-finding';
import { detectionEnabled } from '../kernel/detections/detection-switch';

export function stopOracle(workload: Workload): OracleFinding[] {
  const stop = workload.stop;
  const stopped = workload.machine.kernel.stopped;
  if ((!stop && !stopped) || !detectionEnabled('STOP-ORACLE')) return [];
  if (stop?.kind === 'start failed') return [diagnosedFinding('stop', certain('SG-1'), describeStop(stop))];
  const evidence = evidenceOf(workload);
  if (stop?.kind === 'hang') {
    const what = stop.hang instanceof DriverHang ? stop.hang.what : stop.hang.message;
    const d = diagnoseHang({ what, message: stop.hang.message }, evidence);
    return [diagnosedFinding('stop', d, `${describeStop(stop)}${describeDiagnosis(d)}`)];
  }
  const bugCheck = stop?.kind === 'bug check' ? stop.bugCheck : stopped!;
  const during = stop ? describeStop(stop) : `the machine stopped with ${bugCheck.message}`;
  const skipped = workload.skipped.length > 0 ? ` (then ${workload.skipped.length} operation(s) did not run: ${workload.skipped.slice(0, 3).join('; ')}${workload.skipped.length > 3 ? '; ...' : ''})` : '';
  const d = diagnoseBugCheck(bugCheck, evidence);
  const entry = entryOfVerifierStop(bugCheck);
  return [diagnosedFinding('stop', d, `${during}${describeDiagnosis(d)}${skipped}`, { bugCheck: bugCheck.code, ...(entry ? { entry: entry.id as VerifierEntryId } : {}), ...(bugCheck.place ? { place: bugCheck.place } : {}) })];
}

/**
 * A stop seen outside a workload (a kernel-rule scenario's step ran into
 * it): the rule its code stands for, with the code and the verifier entry
 * behind it as data.
 */
export function stopFinding(stop: BugCheck, message: string): OracleFinding {
  const entry = entryOfVerifierStop(stop);
  return diagnosedFinding('stop', certain(ruleOfBugCheck(stop)), message, { bugCheck: stop.code, ...(entry ? { entry: entry.id as VerifierEntryId } : {}), ...(stop.place ? { place: stop.place } : {}) });
}

/** The bug check code in the report's words, for tests and messages. */
export function stopCode(workload: Workload): string | null {
  const stop = workload.stop;
  if (stop?.kind === 'bug check') return hex(stop.bugCheck.code);
  return workload.machine.kernel.stopped ? hex(workload.machine.kernel.stopped.code) : null;
}
