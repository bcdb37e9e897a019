/**
 * What the I/O manager observed a driver doing wrong without stopping the
 * machine. The suite checks these after a workload: a conforming driver
 * leaves none.
 */
import type { DriverPlace } from '../../machine/driver-place';

export type IoFindingKind =
  /** Cleanup returned while requests of the closing handle were neither completed nor cancelled (PAGE-5). */
  | 'cleanup-left-requests-pending'
  /** A dispatch routine returned STATUS_PENDING without IoMarkIrpPending. */
  | 'pending-not-marked'
  /** A dispatch routine returned a status other than STATUS_PENDING without completing the IRP. */
  | 'returned-without-completing'
  /** A dispatch routine completed the IRP and returned a different status than the one it completed with. */
  | 'status-mismatch'
  /** IoCompleteRequest with the cancel routine still set. */
  | 'completed-with-cancel-routine'
  /** IoCompleteRequest with IoStatus.Status still STATUS_PENDING. */
  | 'completed-with-status-pending'
  /** A buffered request reported more bytes than the caller's buffer holds. */
  | 'information-exceeds-buffer'
  /** A cancel routine returned without releasing the cancel spin lock. */
  | 'cancel-spin-lock-not-released'
  /** AddDevice left DO_DEVICE_INITIALIZING set on its device. */
  | 'device-initializing-not-cleared'
  /** The device object was still there after the driver's RemoveDevice. */
  | 'device-not-deleted'
  /** An interrupt was still connected after the driver's RemoveDevice. */
  | 'interrupt-still-connected';

export interface IoFinding {
  readonly kind: IoFindingKind;
  readonly driver: string;
  readonly detail: string;
  readonly atNs: number;
  readonly irpIds: readonly number[];
  /** For requests left pending: where the driver took the first of them on (IoMarkIrpPending, a queue insertion). */
  readonly place?: DriverPlace;
}
