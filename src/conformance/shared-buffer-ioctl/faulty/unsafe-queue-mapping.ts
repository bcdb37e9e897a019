/**
 * Faulty variant of the shared-buffer driver (MDL-3): it maps the shared
 * queue into system space with MmMapLockedPagesSpecifyCache(KernelMode) and
 * BugCheckOnFailure set, instead of the safe form. When no system address
 * can be had, the machine stops instead of the request failing.
 */
import type { MDL } from '../../../personalities/wdm/contract';
import { SharedBufferDevice, sharedBufferDriver } from '../reference';

class UnsafeQueueMappingDevice extends SharedBufferDevice {
  protected override mapQueue(mdl: MDL): number | null {
    return this.k.MmMapLockedPagesSpecifyCache(mdl, 'KernelMode', 'MmCached', null, true, 'NormalPagePriority');
  }
}

export default sharedBufferDriver({
  name: 'shared-buffer-unsafe-queue-mapping',
  breaksRule: 'MDL-3',
  description: 'Maps the queue with BugCheckOnFailure instead of MmGetSystemAddressForMdlSafe, so running out of system PTEs stops the machine.',
}, UnsafeQueueMappingDevice);
