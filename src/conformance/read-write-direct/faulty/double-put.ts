/**
 * Faulty variant of the direct-I/O driver (SG-3): when the device is done
 * with a transfer it puts the scatter/gather list back twice.
 */
import { DirectIoDevice, DirectIoTransfer, directIoDriver, scatterGatherMapping } from '../reference';

class DoublePutDevice extends DirectIoDevice {
  protected override releaseTransfer(transfer: DirectIoTransfer): void {
    const list = transfer.mapping;
    super.releaseTransfer(transfer);
    transfer.mapping = list; // "to be safe", once more
    scatterGatherMapping.release(this, transfer);
  }
}

export default directIoDriver({
  name: 'direct-io-double-put',
  breaksRule: 'SG-3',
  description: 'Puts every scatter/gather list back twice.',
}, DoublePutDevice);
