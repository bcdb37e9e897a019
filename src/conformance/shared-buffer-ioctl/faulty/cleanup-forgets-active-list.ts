/**
 * Faulty variant of the shared-buffer driver (SG-3): at cleanup it aborts
 * the fill in progress on one of the handle's buffers and drops that
 * buffer's scatter/gather list, as if stopping the device gave the list
 * back. Every request is still completed and every other list goes back;
 * the one list of the buffer that was on the device at the close is never
 * put back.
 */
import type { IRP, NtStatus } from '../../../personalities/wdm/contract';
import { SharedBufferDevice, SharedOpen, sharedBufferDriver } from '../reference';

class CleanupForgetsActiveListDevice extends SharedBufferDevice {
  protected override cleanup(irp: IRP, open: SharedOpen): NtStatus {
    if (this.active?.open === open && !this.active.bounces) this.active.list = null; // "the abort released it"
    return super.cleanup(irp, open);
  }
}

export default sharedBufferDriver({
  name: 'shared-buffer-cleanup-forgets-active-list',
  breaksRule: 'SG-3',
  description: 'At cleanup, drops the scatter/gather list of the buffer the device was filling instead of putting it back.',
}, CleanupForgetsActiveListDevice);
