/**
 * Faulty variant of reference driver 4 (storage-forward-progress), breaking
 * PAGE-1: cleanup completes, as cancelled, every request of the closing
 * handle that is neither waiting for the reserve, nor mapped, nor on the
 * device ("it is nowhere, so nothing is running"). Those are the requests
 * whose list the HAL has not delivered yet: the execution routine still
 * comes, later, from a DPC, and the device is started on the buffer of a
 * request already completed, whose pages the I/O manager unlocked. A HAL
 * that runs execution routines inside the mapping call never leaves such a
 * request for cleanup to find.
 */
import { STATUS } from '../../../personalities/wdm/contract';
import type { IRP, NtStatus } from '../../../personalities/wdm/contract';
import { completeRequest } from '../../../personalities/wdm/driver-kit';
import { StorageDevice, StorageRequest, storageForwardProgressDriver } from '../reference';

class CleanupEndsRequestAwaitingList extends StorageDevice {
  /** Requests given to the mapping and not finished. */
  private readonly started = new Set<StorageRequest>();
  /** Requests cleanup completed: completed once, never again. */
  private readonly endedAtCleanup = new WeakSet<StorageRequest>();

  protected override mapNextTransfer(request: StorageRequest): void {
    this.started.add(request);
    super.mapNextTransfer(request);
  }

  protected override cleanup(irp: IRP): NtStatus {
    const fileObject = this.k.IoGetCurrentIrpStackLocation(irp).FileObject;
    for (const request of this.started) {
      if (request.irp.Tail.Overlay.OriginalFileObject !== fileObject || request.waiting) continue;
      if (this.active?.request === request || this.mapped.some((t) => t.request === request)) continue;
      this.started.delete(request); // the routine that maps it is still to come
      this.endedAtCleanup.add(request);
      completeRequest(this.k, request.irp, STATUS.CANCELLED);
    }
    return super.cleanup(irp);
  }

  protected override finish(request: StorageRequest, status: NtStatus, information = 0): void {
    this.started.delete(request);
    if (this.endedAtCleanup.has(request)) return; // completed at cleanup already
    super.finish(request, status, information);
  }
}

export default storageForwardProgressDriver({
  name: 'storage-cleanup-ends-request-awaiting-list',
  breaksRule: 'PAGE-1',
  description: 'At cleanup, completes the requests whose scatter/gather list the HAL has not delivered yet; the deferred execution routine then starts the device on their unlocked buffers.',
}, CleanupEndsRequestAwaitingList);
