/**
 * Forward progress (SG-5, seed 001): a driver on a path that must not fail
 * finishes every request it was given, with success and its full length,
 * even while allocations fail or pool is exhausted. Where the completion
 * oracle lets a request fail for lack of resources while allocations were
 * failing, this one does not: only a handle close, a process exit, a cancel
 * or a device fault excuse a request from succeeding, and never with
 * STATUS_INSUFFICIENT_RESOURCES. A request that failed with
 * STATUS_BUFFER_TOO_SMALL was built into a reserve smaller than
 * CalculateScatterGatherList says it needs (SG-4).
 */
import { describeDiagnosis } from '../diagnosis/diagnosis';
import { diagnoseRequestOutcome } from '../diagnosis/request-outcome-rules';
import { STATUS, statusName } from '../machine/ntstatus';
import type { Disturbance } from '../workload/request-ledger';
import type { Workload } from '../workload/workload';
import { lazyEvidence, takenOnAt } from './completion-oracle';
import type { DriverPlace } from '../machine/driver-place';
import { OracleFinding, diagnosedFinding } from './oracle-finding';
import { detectionEnabled } from '../kernel/detections/detection-switch';

const LACK_OF_RESOURCES: readonly number[] = [STATUS.INSUFFICIENT_RESOURCES, STATUS.NO_MEMORY];
/** What may excuse a request from succeeding: none of them is a lack of resources. */
const EXCUSES: readonly Disturbance[] = ['handle-closed', 'process-exited', 'cancelled', 'device-fault', 'buffer-freed'];

export function forwardProgressOracle(workload: Workload): OracleFinding[] {
  const findings: OracleFinding[] = [];
  if (!detectionEnabled('FORWARD-PROGRESS-ORACLE')) return findings;
  const evidence = lazyEvidence(workload);
  const found = (message: string, place: { place?: DriverPlace } = {}) => findings.push({ oracle: 'completion', rule: 'SG-5', message, ...place });
  for (const t of workload.ledger.requests) {
    if (t.expectation.kind === 'error') continue; // hostile input must fail, and may
    const r = t.request;
    if (!r.done) {
      found(`${t.label} never completed`, takenOnAt(t));
      continue;
    }
    if (LACK_OF_RESOURCES.includes(r.status)) {
      found(`${t.label} failed with ${statusName(r.status)}: a driver that must make forward progress uses its reserve or queues the request instead`);
      continue;
    }
    const excused = [...t.disturbances].some((d) => EXCUSES.includes(d));
    if (excused) continue;
    if (r.status !== STATUS.SUCCESS) {
      // Which call failed decides the rule (a list that did not fit its reserve is SG-4); without one, forward progress.
      const d = diagnoseRequestOutcome({ done: true, status: r.status, issuedAtNs: r.issuedAtNs, completedAtNs: r.completedAtNs, rule: 'SG-5', deviceFaultInjected: false }, evidence());
      findings.push(diagnosedFinding('completion', d, `${t.label} ended in ${statusName(r.status)} although only allocations failed while it was outstanding${describeDiagnosis(d)}`));
    }
    else if (t.expectation.kind === 'success' && r.information !== t.expectation.length) found(`${t.label} succeeded with ${r.information} byte(s) instead of ${t.expectation.length}`);
  }
  return findings;
}
