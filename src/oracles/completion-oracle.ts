/**
 * Every request completed with the right status and length: the ones
 * nothing disturbed succeeded with their full length; the ones overtaken by
 * a handle close, a process exit, failing allocations or a device fault
 * succeeded or ended in that event's documented status; hostile input got
 * an error status. A request that never finished is reported too. The
 * diagnosis names the rule: the call that failed, or the device's error.
 */
import { describeDiagnosis } from '../diagnosis/diagnosis';
import { Evidence, evidenceOf } from '../diagnosis/evidence';
import { diagnoseRequestOutcome } from '../diagnosis/request-outcome-rules';
import { TrackedRequest, unmetExpectation } from '../workload/request-ledger';
import type { Workload } from '../workload/workload';
import { OracleFinding, diagnosedFinding } from './oracle-finding';

/** The finding for one tracked request, or null when it met its expectation. */
export function completionFinding(t: TrackedRequest, evidence: () => Evidence): OracleFinding | null {
  const unmet = unmetExpectation(t);
  if (!unmet) return null;
  const d = diagnoseRequestOutcome(
    { done: t.request.done, status: t.request.status, issuedAtNs: t.request.issuedAtNs, completedAtNs: t.request.completedAtNs, rule: t.rule, deviceFaultInjected: t.disturbances.has('device-fault') },
    evidence(),
  );
  return diagnosedFinding('completion', d, `${unmet}${describeDiagnosis(d)}`);
}

/** Evidence gathered once, on first need. */
export function lazyEvidence(workload: Workload): () => Evidence {
  let e: Evidence | undefined;
  return () => (e ??= evidenceOf(workload));
}

export function completionOracle(workload: Workload): OracleFinding[] {
  const evidence = lazyEvidence(workload);
  return workload.ledger.requests.map((t) => completionFinding(t, evidence)).filter((f): f is OracleFinding => f !== null);
}
