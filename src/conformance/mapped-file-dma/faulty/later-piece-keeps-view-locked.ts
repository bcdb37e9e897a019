/**
 * Faulty variant of reference driver 6 (mapped-file), breaking PAGE-5: when
 * the scatter/gather list of a later piece cannot be had (part of the view
 * already moved, so only a view longer than the adapter's map registers
 * reaches it), the driver fails the request but keeps the view locked "to
 * resume it", and nothing ever resumes it: the MDL stays locked and is never
 * freed. A failure of a request's first piece unlocks the view as the
 * reference does.
 */
import { STATUS } from '../../../personalities/wdm/contract';
import { completeRequest } from '../../../personalities/wdm/driver-kit';
import type { NtStatus } from '../../../personalities/wdm/contract';
import { MappedFileDevice, MappedFileRequest, mappedFileDriver } from '../reference';

class LaterPieceKeepsViewLocked extends MappedFileDevice {
  protected override finish(request: MappedFileRequest, status: NtStatus): void {
    if (status === STATUS.INSUFFICIENT_RESOURCES && request.done > 0 && request.mdl) {
      // Kept for the resume: the view's MDL stays locked.
      request.irp.Tail.Overlay.DriverContext[0] = null;
      request.mdl = null;
      completeRequest(this.k, request.irp, status, 0);
      return;
    }
    super.finish(request, status);
  }
}

export default mappedFileDriver({
  name: 'mapped-file-later-piece-keeps-view-locked',
  breaksRule: 'PAGE-5',
  description: 'When a later piece\'s scatter/gather list cannot be had, fails the request but keeps the view locked, and never unlocks it.',
}, LaterPieceKeepsViewLocked);
