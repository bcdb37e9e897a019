/**
 * Faulty variant of reference driver 4 (storage-forward-progress), breaking
 * SG-4: it sizes its reserve for the pages of the longest transfer as if every
 * buffer started on a page boundary. A buffer that starts inside a page spans
 * one page more, so BuildScatterGatherList refuses the reserve with
 * STATUS_BUFFER_TOO_SMALL and the request fails.
 */
import { StorageDevice, storageForwardProgressDriver } from '../reference';

class ReserveSizedByGuess extends StorageDevice {
  protected override reserveSize(): number {
    return this.adapter!.DmaOperations.CalculateScatterGatherList(this.adapter!, null, 0, this.longestMappedTransfer).scatterGatherListSize;
  }
}

export default storageForwardProgressDriver({
  name: 'storage-reserve-sized-by-guess',
  breaksRule: 'SG-4',
  description: 'Sizes its forward-progress reserve for a page-aligned buffer, too small for the list of an unaligned buffer of the longest transfer.',
}, ReserveSizedByGuess);
