/**
 * Scatter/gather lists found still out where they must be back: an adapter
 * released with lists outstanding, a list built into a buffer that still
 * holds one. Whether a transfer still needed the list decides between a list
 * never put back (SG-3) and a driver that let go of its adapter or reserve
 * too early (SG-1, SG-5): a list whose MDL is already freed belongs to a
 * request that completed, and one left in a buffer while the device runs no
 * transfer serves none, so it was never put back, unless its transfer has
 * not started: the HAL deferred its execution routine and has not run it, or
 * the device has moved nothing through it and the request it maps is still
 * outstanding (the driver queued it), so the list is in use; otherwise the
 * count of lists against outstanding requests leans one way.
 */
import { Diagnosis, ambiguous, certain } from './diagnosis';
import type { Evidence } from './evidence';
import { LIST_IN_BUFFER } from '../kernel/verifier/violation-catalog';
import { detectionEnabled } from '../kernel/detections/detection-switch';
import type { RuleRef } from '../rules/rule-ref';

function outlived(evidence: Evidence): number {
  return evidence.adapters.reduce((n, a) => n + a.listsOutlivingTheirMdl, 0);
}

function listsOutstanding(evidence: Evidence): number {
  return evidence.adapters.reduce((n, a) => n + a.listsOutstanding, 0);
}

/** PutDmaAdapter with lists outstanding (the catalog files it under `rule`, SG-1). */
export function diagnoseAdapterReleasedWithLists(rule: RuleRef, evidence: Evidence): Diagnosis {
  const stale = outlived(evidence);
  if (stale > 0) return certain('SG-3', `${stale} list(s) not put back were built for MDLs already freed: their requests completed, and the lists were never put back`);
  if (evidence.requestsOutstanding === 0) {
    return ambiguous(['SG-3', rule], 'no request of the driver was outstanding, so no transfer needed the lists: they were never put back');
  }
  return ambiguous([rule, 'SG-3'], `${evidence.requestsOutstanding} request(s) of the driver were still outstanding: the adapter was released under I/O`);
}

/** The list a buffer holds, as the finding tells it: its MDL and how far its transfer got (LIST_IN_BUFFER). */
export interface ListInBuffer {
  readonly mdlId: number;
  readonly state: number;
}

/**
 * BuildScatterGatherList into a buffer that still holds a live list (the
 * catalog files it under `rule`, SG-5). The request being built has no list
 * yet, so more lists out than the other outstanding requests can hold means
 * one of them outlived its request.
 */
export function diagnoseListBufferInUse(rule: RuleRef, evidence: Evidence, inBuffer: ListInBuffer = { mdlId: 0, state: LIST_IN_BUFFER.moved }): Diagnosis {
  // The device being idle says nothing of a list whose execution routine the HAL deferred: its transfer is yet to start.
  if (inBuffer.state === LIST_IN_BUFFER.routineDeferred) return certain(rule, 'the list in the buffer still waited for the execution routine the HAL deferred: its transfer had not started, and the buffer was reused under it');
  // Nor of a list queued in the driver for a request still in progress: the device has not reached it yet.
  const notStarted = inBuffer.state === LIST_IN_BUFFER.notStarted && inBuffer.mdlId !== 0 && detectionEnabled('QUEUED-LIST-IN-BUFFER-DIAGNOSIS');
  const queuedFor = notStarted ? evidence.outstandingRequestOfMdl(inBuffer.mdlId) : null;
  if (queuedFor) return certain(rule, `the list in the buffer maps the MDL of ${queuedFor}, and the device had moved nothing through it: its transfer had not started, and the buffer was reused under it`);
  const stale = outlived(evidence);
  if (stale > 0) return certain('SG-3', `${stale} list(s) not put back were built for MDLs already freed: their requests completed, and the list in the buffer was never put back`);
  if (evidence.device.status !== 'busy') {
    return ambiguous(['SG-3', rule], 'the device was running no transfer, so none needed the list still in the buffer: it was never put back');
  }
  const lists = listsOutstanding(evidence);
  const others = Math.max(0, evidence.requestsOutstanding - 1);
  if (lists > others) {
    return ambiguous(['SG-3', rule], `${lists} list(s) are out for ${others} other outstanding request(s): the list in the buffer outlived its request and was never put back`);
  }
  return ambiguous([rule, 'SG-3'], `every list out belongs to an outstanding request: the buffer was reused while its transfer still needed it`);
}
