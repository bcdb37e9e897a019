/**
 * Faulty variant of the shared-buffer driver (PAGE-5): when the shared
 * queue is locked but MmGetSystemAddressForMdlSafe finds no system address
 * for it, the registration fails as it should, but the error path only
 * frees the MDL and never unlocks it. The application's queue pages stay
 * locked for good, and its exit stops the machine (0x76/0xCB). Only the
 * low-resources path leaks: a queue that maps is released properly.
 */
import type { MDL } from '../../../personalities/wdm/contract';
import { SharedBufferDevice, sharedBufferDriver } from '../reference';

class UnmappedQueueStaysLockedDevice extends SharedBufferDevice {
  protected override unlockUnmappedQueue(mdl: MDL): void {
    this.k.IoFreeMdl(mdl); // MmUnlockPages forgotten: the lock outlives the MDL
  }
}

export default sharedBufferDriver({
  name: 'shared-buffer-unmapped-queue-stays-locked',
  breaksRule: 'PAGE-5',
  description: 'When the locked queue cannot be mapped into system space, frees its MDL without unlocking it.',
}, UnmappedQueueStaysLockedDevice);
