/**
 * Every request completed with the right status and length: the ones
 * nothing disturbed succeeded with their full length; the ones overtaken by
 * a handle close, a process exit, failing allocations or a device fault
 * succeeded or ended in that event's documented status; hostile input got
 * an error status. A request that never finished is reported too.
 *
 * The device's record of its transfers (the DMA trace's device log) says
 * which device error a request met: a request that failed because of one is
 * reported with that error and the rule the device's complaint points at,
 * and a request that succeeded after one, for bytes the device never moved,
 * is a finding of its own.
 */
import { DmaError } from '../pci/dma-device';
import { DeviceTransferLog, describeDeviceError } from '../pci/dma-transfer-log';
import { STATUS, statusName } from '../machine/ntstatus';
import { TrackedRequest, unmetExpectation } from '../workload/request-ledger';
import type { Workload } from '../workload/workload';
import type { OracleFinding } from './oracle-finding';

/**
 * Success after a device error breaks DEV-3: completion is what the device
 * signals (by interrupt or polling), and it signalled an error, so the
 * driver did not complete the request the way the device finished it. DEV-2
 * is about cutting transactions into transfers, not about their outcome.
 */
export const SUCCESS_AFTER_DEVICE_ERROR_RULE = 'DEV-3';

/**
 * The rule a device error points at when a request failed with it and
 * nothing excused the failure: the device refused what it was programmed
 * with. Hangs, aborts and removals say nothing about how it was programmed.
 */
const RULE_OF_DEVICE_ERROR: Partial<Record<number, string>> = {
  [DmaError.BadLength]: 'DEV-2', // a descriptor of length 0 or above the device's maximum transfer
  [DmaError.MasterAbort]: 'DEV-1', // bus mastering off, or an address nothing decodes
  [DmaError.DescriptorFault]: 'DEV-1', // the ring is not where the device was told, or not reachable
  [DmaError.IommuFault]: 'DEV-1', // a bus address the device was never given
};

export function completionOracle(workload: Workload): OracleFinding[] {
  return completionFindings(workload, false);
}

/** The completion oracle's findings; with `finishedOnly`, requests still in flight are not judged yet (during a workload). */
export function completionFindings(workload: Workload, finishedOnly: boolean): OracleFinding[] {
  const findings: OracleFinding[] = [];
  const log = workload.session?.trace.deviceLog ?? null;
  for (const t of workload.ledger.requests) {
    if (finishedOnly && !t.request.done) continue;
    const errors = log && t.stream ? log.errorsWithin(t.stream) : [];
    const unmet = unmetExpectation(t);
    if (unmet) {
      const error = errors[0];
      // A fault injected into the device is no mistake of how the driver programmed it.
      const programmed = error && !t.disturbances.has('device-fault') ? RULE_OF_DEVICE_ERROR[error.errorCode] : undefined;
      const rule = !t.request.done ? 'PAGE-5' : programmed ?? t.rule;
      findings.push({ oracle: 'completion', rule, message: error ? `${unmet}; the device stopped with ${describeDeviceError(error)}` : unmet });
      continue;
    }
    const overclaimed = log ? successAfterDeviceError(t, log) : null;
    if (overclaimed) findings.push({ oracle: 'completion', rule: SUCCESS_AFTER_DEVICE_ERROR_RULE, message: overclaimed });
  }
  return findings;
}

/** Why a request that succeeded claims bytes the device never moved after it reported an error for them, or null. */
export function successAfterDeviceError(t: TrackedRequest, log: DeviceTransferLog): string | null {
  const r = t.request;
  if (!r.done || r.status !== STATUS.SUCCESS || !t.stream) return null;
  const shortfall = log.shortfallAfterError(t.stream, r.information);
  if (!shortfall) return null;
  return `${t.label} completed with ${statusName(r.status)} and ${r.information} byte(s) after ${describeDeviceError(shortfall.error)}; the device moved only ${shortfall.moved} of those bytes`;
}
