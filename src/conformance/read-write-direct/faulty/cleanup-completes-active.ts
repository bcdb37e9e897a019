/**
 * Faulty variant of the direct-I/O driver (PAGE-1): cleanup completes every
 * request of the closing handle, the one on the device included, as
 * cancelled, without stopping the device first. Completing a direct-I/O
 * request unlocks its buffer (MDL-4), so the device goes on moving data
 * through pages nothing keeps resident. Only a close or a process exit while
 * a transfer runs takes this path.
 */
import { STATUS } from '../../../personalities/wdm/contract';
import type { IRP, NtStatus } from '../../../personalities/wdm/contract';
import { completeRequest } from '../../../personalities/wdm/driver-kit';
import { DirectIoDevice, directIoDriver } from '../reference';

class CleanupCompletesActive extends DirectIoDevice {
  protected override cleanup(irp: IRP): NtStatus {
    const fileObject = this.k.IoGetCurrentIrpStackLocation(irp).FileObject;
    const request = this.active?.request;
    if (request && !request.completed && request.irp.Tail.Overlay.OriginalFileObject === fileObject) {
      request.completed = true; // "the handle is gone, so is its I/O": the device is not told
      completeRequest(this.k, request.irp, STATUS.CANCELLED);
    }
    return super.cleanup(irp);
  }
}

export default directIoDriver({
  name: 'direct-io-cleanup-completes-active',
  breaksRule: 'PAGE-1',
  description: 'At cleanup, completes the request the device is working on without stopping the device.',
}, CleanupCompletesActive);
