/**
 * No bug check and no hang: the workload ran to its end on a running
 * machine. A stop is reported against the rule its code stands for.
 */
import { hex } from '../machine/bug-check';
import type { Workload } from '../workload/workload';
import { describeStop } from '../workload/workload-stop';
import { ruleOfBugCheck } from './bug-check-rules';
import type { OracleFinding } from './oracle-finding';

export function stopOracle(workload: Workload): OracleFinding[] {
  const stop = workload.stop;
  const stopped = workload.machine.kernel.stopped;
  if (!stop && !stopped) return [];
  if (stop?.kind === 'hang') return [{ oracle: 'stop', rule: 'PAGE-5', message: describeStop(stop) }];
  if (stop?.kind === 'start failed') return [{ oracle: 'stop', rule: 'SG-1', message: describeStop(stop) }];
  const bugCheck = stop?.kind === 'bug check' ? stop.bugCheck : stopped!;
  const during = stop ? describeStop(stop) : `the machine stopped with ${bugCheck.message}`;
  const skipped = workload.skipped.length > 0 ? ` (then ${workload.skipped.length} operation(s) did not run: ${workload.skipped.slice(0, 3).join('; ')}${workload.skipped.length > 3 ? '; ...' : ''})` : '';
  return [{ oracle: 'stop', rule: ruleOfBugCheck(bugCheck), message: `${during}${skipped}` }];
}

/** The bug check code in the report's words, for tests and messages. */
export function stopCode(workload: Workload): string | null {
  const stop = workload.stop;
  if (stop?.kind === 'bug check') return hex(stop.bugCheck.code);
  return workload.machine.kernel.stopped ? hex(workload.machine.kernel.stopped.code) : null;
}
