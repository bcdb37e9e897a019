/**
 * Every request completed with the right status and length: the ones
 * nothing disturbed succeeded with their full length; the ones overtaken by
 * a handle close, a process exit, failing allocations or a device fault
 * succeeded or ended in that event's documented status; hostile input got
 * an error status. A request that never finished is reported too. The
 * diagnosis names the rule: the call that failed, or the device's error.
 *
 * The device's record of its transfers (the DMA trace's device log) says
 * which device error a request met, and a request that claims, after one,
 * bytes the device never moved is a finding of its own, whatever its status:
 * success for them, or an error status whose byte count reaches past them.
 */
import { describeDiagnosis } from '../diagnosis/diagnosis';
import { Evidence, evidenceOf } from '../diagnosis/evidence';
import { diagnoseRequestOutcome } from '../diagnosis/request-outcome-rules';
import { statusName } from '../machine/ntstatus';
import { DeviceTransferLog, describeDeviceError } from '../pci/dma-transfer-log';
import { TrackedRequest, unmetExpectation } from '../workload/request-ledger';
import type { Workload } from '../workload/workload';
import { OracleFinding, diagnosedFinding } from './oracle-finding';
import { detectionEnabled } from '../kernel/detections/detection-switch';
import { DriverPlace, acquiredPlace } from '../machine/driver-place';

/**
 * Success after a device error, or an error completion claiming more bytes
 * than the device moved, breaks DEV-3: completion is what the device
 * signals (by interrupt or polling), and it signalled an error, so the
 * driver did not complete the request the way the device finished it. DEV-2
 * is about cutting transactions into transfers, not about their outcome.
 */
const CLAIM_AFTER_DEVICE_ERROR_RULE = 'DEV-3';

/**
 * A request a scenario expects to end in one status (hostile input that must
 * fail with STATUS_X): a finding under the request's rule when it has not
 * finished or ended otherwise, null when it ended so.
 */
export function statusFinding(t: TrackedRequest, expectedStatus: string): OracleFinding | null {
  if (!detectionEnabled('COMPLETION-ORACLE')) return null;
  if (!t.request.done) return { oracle: 'completion', rule: t.rule, message: `${t.label} has not finished; expected ${expectedStatus}`, ...takenOnAt(t) };
  const ended = statusName(t.request.status);
  return ended === expectedStatus ? null : { oracle: 'completion', rule: t.rule, message: `${t.label} ended with ${ended}, expected ${expectedStatus}: ${t.request.describe()}` };
}

/** The finding for one tracked request, or null when it met its expectation. */
export function completionFinding(t: TrackedRequest, evidence: () => Evidence, log: DeviceTransferLog | null): OracleFinding | null {
  const unmet = detectionEnabled('COMPLETION-ORACLE') ? unmetExpectation(t) : null;
  if (!unmet) {
    const overclaimed = log ? claimAfterDeviceError(t, log) : null;
    return overclaimed ? { oracle: 'completion', rule: CLAIM_AFTER_DEVICE_ERROR_RULE, message: overclaimed } : null;
  }
  const d = diagnoseRequestOutcome(
    { done: t.request.done, status: t.request.status, issuedAtNs: t.request.issuedAtNs, completedAtNs: t.request.completedAtNs, rule: t.rule, deviceFaultInjected: t.disturbances.has('device-fault'), length: t.request.requestedLength, ...spannedPages(t) },
    evidence(),
  );
  const error = log && t.stream ? log.errorsWithin(t.stream)[0] : undefined;
  return diagnosedFinding('completion', d, `${unmet}${error ? `; the device stopped with ${describeDeviceError(error)}` : ''}${describeDiagnosis(d)}`, takenOnAt(t));
}

/** The pages a direct-I/O request's buffer spans, from the MDL the I/O manager described it with. */
function spannedPages(t: TrackedRequest): { pages?: number } {
  return t.request.directPages === null ? {} : { pages: t.request.directPages };
}

/** For a request that never finished: where the driver took it on (IoMarkIrpPending, a queue insertion), as a finding's place. */
export function takenOnAt(t: TrackedRequest): { place?: DriverPlace } {
  return t.request.done ? {} : acquiredPlace(t.request.irp?.pendingAt);
}

/** Evidence gathered once, on first need. */
export function lazyEvidence(workload: Workload): () => Evidence {
  let e: Evidence | undefined;
  return () => (e ??= evidenceOf(workload));
}

/** The completion oracle's findings; with `finishedOnly`, requests still in flight are not judged yet (during a workload). */
export function completionFindings(workload: Workload, finishedOnly: boolean): OracleFinding[] {
  const evidence = lazyEvidence(workload);
  const log = workload.session?.trace.deviceLog ?? null;
  const findings: OracleFinding[] = [];
  for (const t of workload.ledger.requests) {
    if (finishedOnly && !t.request.done) continue;
    const finding = completionFinding(t, evidence, log);
    if (finding) findings.push(finding);
  }
  return findings;
}

/**
 * The finding for one request of the workload, judged as the completion
 * oracle judges every request: by the statuses the contract allows for what
 * happened while it was outstanding, never by one implementation's choice.
 */
export function completionFindingOf(workload: Workload, t: TrackedRequest): OracleFinding | null {
  return completionFinding(t, lazyEvidence(workload), workload.session?.trace.deviceLog ?? null);
}

export function completionOracle(workload: Workload): OracleFinding[] {
  return completionFindings(workload, false);
}

/**
 * Why a finished request claims bytes the device never moved after it
 * reported an error for them, or null. An error status does not excuse the
 * claim: the application is told that many bytes arrived.
 */
export function claimAfterDeviceError(t: TrackedRequest, log: DeviceTransferLog): string | null {
  const r = t.request;
  if (!r.done || r.information === 0 || !t.stream || !detectionEnabled('CLAIM-AFTER-DEVICE-ERROR')) return null;
  const shortfall = log.shortfallAfterError(t.stream, r.information);
  if (!shortfall) return null;
  return `${t.label} completed with ${statusName(r.status)} and ${r.information} byte(s) after ${describeDeviceError(shortfall.error)}; the device moved only ${shortfall.moved} of those bytes`;
}
