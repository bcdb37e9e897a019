/**
 * Faulty variant of the shared-buffer driver (PAGE-1): when the application
 * cancels a held buffer's request, the cancel routine completes it at once
 * but leaves the buffer in the driver's fill queue with its scatter/gather
 * list. Completing the request unlocks the buffer (MDL-4); the next fill
 * still hands the device the list, and the device writes pages nothing
 * keeps locked any more. Only a cancel takes this path: cleanup gives the
 * buffers back properly.
 */
import type { IRP } from '../../../personalities/wdm/contract';
import { STATUS } from '../../../personalities/wdm/contract';
import { completeRequest } from '../../../personalities/wdm/driver-kit';
import { SharedBuffer, SharedBufferDevice, sharedBufferDriver } from '../reference';

class CancelKeepsFillingDevice extends SharedBufferDevice {
  protected override bufferCancelled(irp: IRP): void {
    this.k.IoReleaseCancelSpinLock(irp.CancelIrql);
    const buffer = irp.Tail.Overlay.DriverContext[0] as SharedBuffer;
    buffer.completed = true; // the request goes; the buffer stays queued for fills, its list with it
    completeRequest(this.k, buffer.irp, STATUS.CANCELLED, 0);
  }
}

export default sharedBufferDriver({
  name: 'shared-buffer-cancel-keeps-filling',
  breaksRule: 'PAGE-1',
  description: 'Completes a cancelled hand-down at once but keeps the buffer and its list queued for fills, so the device writes unlocked pages.',
}, CancelKeepsFillingDevice);
