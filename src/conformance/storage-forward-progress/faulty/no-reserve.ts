/**
 * Faulty variant of reference driver 4 (storage-forward-progress), breaking
 * SG-5: when GetScatterGatherList cannot allocate, it fails the request with
 * STATUS_INSUFFICIENT_RESOURCES instead of falling back to its reserve, as a
 * driver does that assumes pool is always there (seed 001).
 */
import type { NtStatus } from '../../../personalities/wdm/contract';
import { StorageDevice, StorageTransfer, storageForwardProgressDriver } from '../reference';

class NoForwardProgress extends StorageDevice {
  protected override mappingFailed(transfer: StorageTransfer, status: NtStatus): void {
    this.finish(transfer.request, status);
  }
}

export default storageForwardProgressDriver({
  name: 'storage-no-reserve',
  breaksRule: 'SG-5',
  description: 'Fails a request with STATUS_INSUFFICIENT_RESOURCES when pool allocation fails, instead of using a forward-progress reserve.',
}, NoForwardProgress);
