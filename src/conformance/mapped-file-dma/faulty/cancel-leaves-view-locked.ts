/**
 * Faulty variant of reference driver 6 (mapped-file), breaking PAGE-5: a
 * request the application cancels while it waits in the queue is completed
 * by the queue's cancel routine without unlocking its view or freeing its
 * MDL. Requests that reach the device, and those cleanup cancels, unlock
 * theirs; the cancelled ones stay locked until the process exits, which
 * stops the machine (0xCB).
 */
import { STATUS } from '../../../personalities/wdm/contract';
import { completeRequest } from '../../../personalities/wdm/driver-kit';
import { MappedFileDevice, MappedFileRequest, mappedFileDriver } from '../reference';

class CancelLeavesViewLocked extends MappedFileDevice {
  protected override cancelledWhileQueued(request: MappedFileRequest): void {
    request.irp.Tail.Overlay.DriverContext[0] = null;
    completeRequest(this.k, request.irp, STATUS.CANCELLED); // the view's lock is forgotten
  }
}

export default mappedFileDriver({
  name: 'mapped-file-cancel-leaves-view-locked',
  breaksRule: 'PAGE-5',
  description: 'Completes a request cancelled while queued without unlocking its view or freeing its MDL.',
}, CancelLeavesViewLocked);
