/**
 * Every request a workload issues, with what the class's rules say its
 * outcome must be. The completion oracle reads the ledger after the workload.
 *
 * What a request may end in depends on what happened while it was
 * outstanding: a request nothing disturbed must succeed with its full
 * length; one overtaken by a handle close or a process exit may instead be
 * cancelled; one issued while allocations fail may instead fail for lack of
 * resources; one the device failed may end in a device error. Hostile input
 * must fail, whatever happens.
 */
import type { IoRequest } from '../kernel/io/io-request';
import { NT_SUCCESS, NtStatus, STATUS, statusName } from '../machine/ntstatus';
import type { StreamRange } from '../pci/dma-transfer-log';
import type { RuleRef } from '../rules/rule-ref';

/** Something that happened to a request while it was outstanding, which widens what it may end in. */
export type Disturbance =
  /** Its handle was closed (cleanup): it may be cancelled. */
  | 'handle-closed'
  /** Its process exited: it may be cancelled. */
  | 'process-exited'
  /** The application cancelled it (CancelIo). */
  | 'cancelled'
  /** Allocations were failing: it may fail for lack of resources. */
  | 'resources-failing'
  /** The device faulted (master abort, hang, removal): it may end in a device error. */
  | 'device-fault'
  /** Its buffer was freed while it was in progress: its data is no longer the application's to check. */
  | 'buffer-freed';

/** What the request must end in. */
export type Expectation =
  /** The class's normal outcome: success with the full length (widened by disturbances). */
  | { readonly kind: 'success'; readonly length: number }
  /** Hostile input: an error status, never success. */
  | { readonly kind: 'error'; readonly why: string }
  /** Success with this many bytes, or cancellation; a request held until cleanup (the length is what it reports). */
  | { readonly kind: 'success-or-cancelled'; readonly length: number };

export interface TrackedRequest {
  readonly request: IoRequest;
  /** Who issued it and what it was, in the scenario's words. */
  readonly label: string;
  readonly expectation: Expectation;
  /** The rule the expectation guards. */
  readonly rule: RuleRef;
  readonly disturbances: Set<Disturbance>;
  /** The stretch of the device's stream the request moves, when it moves one: how its device errors are found. */
  readonly stream: StreamRange | null;
}

/** The statuses a disturbance allows besides the expectation's own. */
const ALLOWED_BY: Record<Disturbance, readonly NtStatus[]> = {
  'handle-closed': [STATUS.CANCELLED],
  'process-exited': [STATUS.CANCELLED],
  cancelled: [STATUS.CANCELLED],
  'resources-failing': [STATUS.INSUFFICIENT_RESOURCES, STATUS.NO_MEMORY],
  'device-fault': [STATUS.IO_DEVICE_ERROR, STATUS.DEVICE_NOT_CONNECTED, STATUS.TIMEOUT],
  'buffer-freed': [STATUS.ACCESS_VIOLATION, STATUS.CANCELLED],
};

export class RequestLedger {
  readonly requests: TrackedRequest[] = [];

  track(request: IoRequest, label: string, expectation: Expectation, rule: RuleRef, stream: StreamRange | null = null): TrackedRequest {
    const tracked: TrackedRequest = { request, label, expectation, rule, disturbances: new Set(), stream };
    this.requests.push(tracked);
    return tracked;
  }

  /** Requests not finished yet. */
  outstanding(): TrackedRequest[] {
    return this.requests.filter((t) => !t.request.done);
  }

  /** Something happened: every request still outstanding (of one process, when given) is disturbed by it. */
  disturb(disturbance: Disturbance, only?: (t: TrackedRequest) => boolean): void {
    for (const t of this.outstanding()) if (!only || only(t)) t.disturbances.add(disturbance);
  }
}

/** Why a finished request's outcome breaks its expectation, or null when it meets it. */
export function unmetExpectation(t: TrackedRequest): string | null {
  const r = t.request;
  const got = `${statusName(r.status)} with ${r.information} byte(s)`;
  if (!r.done) return `${t.label} never finished`;
  const e = t.expectation;
  if (e.kind === 'error') {
    return NT_SUCCESS(r.status) ? `${t.label} succeeded (${got}), but ${e.why} must get an error status` : null;
  }
  if (r.status === STATUS.SUCCESS) {
    return r.information === e.length ? null : `${t.label} succeeded with ${r.information} byte(s) instead of ${e.length}`;
  }
  const allowed = new Set<NtStatus>(e.kind === 'success-or-cancelled' ? [STATUS.CANCELLED] : []);
  for (const d of t.disturbances) for (const s of ALLOWED_BY[d]) allowed.add(s);
  if (allowed.has(r.status)) return null;
  const because = t.disturbances.size > 0 ? ` (while ${[...t.disturbances].join(', ')})` : '';
  const expected = ['STATUS_SUCCESS', ...[...allowed].map(statusName)].join(' or ');
  return `${t.label} ended in ${got}${because}; expected ${expected}`;
}
