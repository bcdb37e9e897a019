/**
 * Faulty variant of reference driver 6 (mapped-file), breaking PAGE-1:
 * cleanup ends the handle's request whose scatter/gather list the HAL has
 * not delivered yet ("it never reached the device"): it unlocks the view and
 * completes the request as cancelled. The execution routine still comes,
 * later, from a DPC, and starts the device on the view's pages, which
 * nothing keeps locked any more. A HAL that runs execution routines inside
 * the mapping call never leaves such a request for cleanup to find.
 */
import { STATUS } from '../../../personalities/wdm/contract';
import type { IRP, NtStatus } from '../../../personalities/wdm/contract';
import { completeRequest } from '../../../personalities/wdm/driver-kit';
import { MappedFileDevice, MappedFileRequest, mappedFileDriver } from '../reference';

class CleanupEndsViewAwaitingList extends MappedFileDevice {
  /** Requests cleanup completed before their list came: completed once, never again. */
  private readonly endedAtCleanup = new WeakSet<MappedFileRequest>();

  protected override cleanup(irp: IRP): NtStatus {
    const request = this.current;
    const fileObject = this.k.IoGetCurrentIrpStackLocation(irp).FileObject;
    if (request && request.mapping === null && request.irp.Tail.Overlay.OriginalFileObject === fileObject && !this.endedAtCleanup.has(request)) {
      this.endedAtCleanup.add(request); // the routine that maps it is still to come
      this.unlockView(request);
      completeRequest(this.k, request.irp, STATUS.CANCELLED);
    }
    return super.cleanup(irp);
  }

  protected override finish(request: MappedFileRequest, status: NtStatus): void {
    if (this.endedAtCleanup.has(request)) return; // completed at cleanup already
    super.finish(request, status);
  }
}

export default mappedFileDriver({
  name: 'mapped-file-cleanup-ends-view-awaiting-list',
  breaksRule: 'PAGE-1',
  description: 'At cleanup, unlocks the view and completes the request whose scatter/gather list the HAL has not delivered yet; the deferred execution routine then starts the device on the unlocked view.',
}, CleanupEndsViewAwaitingList);
