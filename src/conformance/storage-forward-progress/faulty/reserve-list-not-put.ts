/**
 * Faulty variant of reference driver 4 (storage-forward-progress), breaking
 * SG-3: it puts back the lists GetScatterGatherList allocated but not the ones
 * BuildScatterGatherList built into its own reserve, taking the reserve for
 * plain driver memory. Seed 001: a built list otherwise acts just like one
 * from GetScatterGatherList, so it must be put back too; the next build into
 * the reserve overwrites a list the HAL still tracks.
 */
import { StorageDevice, StorageTransfer, storageForwardProgressDriver } from '../reference';

class ReserveListNotPut extends StorageDevice {
  protected override putList(transfer: StorageTransfer): void {
    if (transfer.inReserve) {
      transfer.list = null;
      return;
    }
    super.putList(transfer);
  }
}

export default storageForwardProgressDriver({
  name: 'storage-reserve-list-not-put',
  breaksRule: 'SG-3',
  description: 'Never puts back a scatter/gather list it built into its own reserve with BuildScatterGatherList.',
}, ReserveListNotPut);
