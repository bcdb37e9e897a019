/**
 * Faulty variant of reference driver 4 (storage-forward-progress), breaking
 * SG-5: it keeps its reserve for a request's first piece. When
 * GetScatterGatherList fails for a later piece (only a request longer than
 * the adapter's map registers has one), the driver fails the request with
 * STATUS_INSUFFICIENT_RESOURCES, which a driver on this path must never do.
 */
import { STATUS } from '../../../personalities/wdm/contract';
import type { NtStatus } from '../../../personalities/wdm/contract';
import { StorageDevice, StorageTransfer, storageForwardProgressDriver } from '../reference';

class ReserveForFirstPieceOnly extends StorageDevice {
  protected override mappingFailed(transfer: StorageTransfer, status: NtStatus): void {
    if (transfer.offset > 0) return this.finish(transfer.request, STATUS.INSUFFICIENT_RESOURCES); // "the reserve is for starting requests"
    super.mappingFailed(transfer, status);
  }
}

export default storageForwardProgressDriver({
  name: 'storage-reserve-for-first-piece-only',
  breaksRule: 'SG-5',
  description: 'Uses its reserve only for a request\'s first piece, and fails the request for lack of resources when a later piece cannot get a list.',
}, ReserveForFirstPieceOnly);
