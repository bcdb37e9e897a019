/**
 * A request that ended in the wrong status or length: which call failed and
 * why, found the way a reviewer finds it, in the DMA calls that failed and
 * the errors the device reported while the request was outstanding.
 *
 * - BuildScatterGatherList refused the buffer (STATUS_BUFFER_TOO_SMALL): the
 *   list did not fit the reserve it was built into (SG-4);
 * - a mapping call needed more map registers than the adapter granted (SG-1);
 * - AllocateCommonBuffer failed while more memory than it asked for was free,
 *   or the memory manager's contiguous allocation failed for fragmentation:
 *   contiguous memory asked for after start, on fragmented memory (CONT-2);
 *   a pool limit or no system PTEs (CONT-4, CONT-5);
 * - the device reported an error: the device's error decides
 *   (device-error-rules.ts).
 * Without such a cause the request broke the rule its expectation guards.
 */
import type { FailedDmaCall } from '../kernel/hal/failed-dma-calls';
import type { FailedAllocation } from '../kernel/mm/failed-allocations';
import { STATUS, statusName } from '../machine/ntstatus';
import { PAGE_SIZE, formatBytes } from '../contracts/units';
import { diagnoseDeviceError } from './device-error-rules';
import { Diagnosis, ambiguous, certain } from './diagnosis';
import type { Evidence } from './evidence';
import type { RuleRef } from '../rules/rule-ref';
import { detectionEnabled } from '../kernel/detections/detection-switch';

export interface RequestObservation {
  readonly done: boolean;
  readonly status: number;
  readonly issuedAtNs: number;
  /** When it completed; null while outstanding. */
  readonly completedAtNs: number | null;
  /** The rule the request's expectation guards. */
  readonly rule: RuleRef;
  /** The device was made to fail on purpose while the request was outstanding: its errors are the test's, not the driver's. */
  readonly deviceFaultInjected: boolean;
  /** The bytes the application asked to move, when known. */
  readonly length?: number;
  /** The pages its buffer spans, when known (the request's MDL); at least length / PAGE_SIZE. */
  readonly pages?: number;
}

/**
 * A request refused for lack of resources while nothing failed for it, by a driver whose adapter the HAL granted fewer
 * map registers than the request's pages: the driver sized its adapter for less than it maps (or maps without
 * splitting), and refused the request rather than map it in pieces.
 */
function refusedBeyondGrant(request: RequestObservation, evidence: Evidence): Diagnosis | null {
  // Reached only for a request nothing excused: allocations failing while it was outstanding would have allowed the status.
  if (request.status !== STATUS.INSUFFICIENT_RESOURCES || request.length === undefined) return null;
  const pages = request.pages ?? Math.ceil(request.length / PAGE_SIZE);
  const short = evidence.adapters.find((a) => a.mapRegistersGranted < pages);
  if (!short || !detectionEnabled('BEYOND-GRANT-DIAGNOSIS')) return null;
  return certain('SG-1', `the request of ${formatBytes(request.length)} spans ${request.pages === undefined ? 'at least ' : ''}${pages} page(s), ${short.label} was granted ${short.mapRegistersGranted} map register(s), and nothing failed: the driver refused what its adapter was not sized to map; size the adapter for the longest transfer (DEVICE_DESCRIPTION.MaximumLength) or map in pieces`);
}

function cause(call: FailedDmaCall, evidence: Evidence): Diagnosis | null {
  const needed = call.mapRegistersNeeded;
  if (needed !== null && needed > call.mapRegistersGranted && detectionEnabled('BEYOND-GRANT-DIAGNOSIS')) {
    return certain('SG-1', `${call.routine} needed ${needed} map register(s) for ${formatBytes(call.length)}, and the adapter granted ${call.mapRegistersGranted}: a transfer must be split to fit the adapter`);
  }
  if (call.routine === 'BuildScatterGatherList' && call.status === STATUS.BUFFER_TOO_SMALL) {
    return certain('SG-4', `BuildScatterGatherList of ${formatBytes(call.length)} failed with STATUS_BUFFER_TOO_SMALL: the list did not fit the buffer it was built into; size it with CalculateScatterGatherList for the worst start offset`);
  }
  if (call.routine === 'AllocateCommonBuffer' && evidence.freeBytes >= call.length) {
    return certain('CONT-2', `AllocateCommonBuffer of ${formatBytes(call.length)} failed after the driver started while ${formatBytes(evidence.freeBytes)} was free: memory had fragmented; contiguous buffers come from boot-time preallocation or from start`);
  }
  return null;
}

/** The rule a failed allocation of the memory manager shows broken; null when it was made to fail or says nothing about the driver. */
function allocationCause(a: FailedAllocation): Diagnosis | null {
  if (a.driver === null) return null;
  switch (a.reason) {
    case 'fragmented':
      return certain('CONT-2', `${a.routine} of ${formatBytes(a.bytes)} by ${a.driver} failed after memory had fragmented, with enough memory free in all: contiguous memory comes from boot-time preallocation or from start`);
    case 'no-system-ptes':
      return certain('CONT-5', `${a.routine} of ${formatBytes(a.bytes)} by ${a.driver} found no run of system PTEs long enough to map it`);
    case 'pool-exhausted':
      return certain('CONT-4', `${a.routine} of ${formatBytes(a.bytes)} by ${a.driver} failed: the pool's limit was reached`);
    case 'injected':
    case 'no-memory':
      return null;
  }
}

export function diagnoseRequestOutcome(request: RequestObservation, evidence: Evidence): Diagnosis {
  if (!request.done) return certain('PAGE-5', 'the request never completed, so whatever it locked stays locked');
  if (request.status === STATUS.SUCCESS) return certain(request.rule);
  const until = request.completedAtNs ?? Number.POSITIVE_INFINITY;
  const within = (atNs: number) => atNs >= request.issuedAtNs && atNs <= until;
  const causes: Diagnosis[] = [];
  for (const a of evidence.adapters) for (const call of a.failedCalls.filter((c) => within(c.atNs))) {
    const d = cause(call, evidence);
    if (d) causes.push(d);
  }
  for (const a of evidence.failedAllocations.filter((x) => within(x.atNs))) {
    const d = allocationCause(a);
    if (d) causes.push(d);
  }
  if (!request.deviceFaultInjected) for (const e of evidence.device.errors.filter((x) => within(x.atNs))) causes.push(diagnoseDeviceError(e, evidence));
  if (causes.length === 0 && request.status === STATUS.BUFFER_TOO_SMALL) {
    return ambiguous(['SG-4', request.rule], `${statusName(request.status)} is what building a list into a buffer too small for it returns`);
  }
  if (causes.length === 0) return refusedBeyondGrant(request, evidence) ?? certain(request.rule);
  const rules = causes.flatMap((c) => c.candidates);
  const first = causes[0]!;
  return new Set(rules).size === 1 ? first : ambiguous(rules, causes.map((c) => c.because).join('; '));
}
