/**
 * Faulty variant of the direct-I/O driver (PAGE-5): when GetScatterGatherList
 * fails for a later piece of a request (one past the first, so only a
 * request longer than the adapter's map registers reaches it), the driver
 * takes the failure for a list the HAL queued until map registers come back
 * and waits for an execution routine that never runs: the request never
 * completes. A failure of a request's first piece is handled as the
 * reference does.
 */
import { NT_SUCCESS, STATUS } from '../../../personalities/wdm/contract';
import { DirectIoDevice, TransferMapping, directIoDriver } from '../reference';

class LaterPieceAwaitsList extends DirectIoDevice {
  protected override transferMapping(): TransferMapping {
    const mapping = super.transferMapping();
    return {
      map: (device, transfer, mapped) => {
        const status = mapping.map(device, transfer, mapped);
        return transfer.offset > 0 && !NT_SUCCESS(status) ? STATUS.PENDING : status; // "queued": the routine will come
      },
      release: (device, transfer) => mapping.release(device, transfer),
    };
  }
}

export default directIoDriver({
  name: 'direct-io-later-piece-awaits-list',
  breaksRule: 'PAGE-5',
  description: 'Takes a failed GetScatterGatherList of a later piece for a queued one and waits for its execution routine for ever: the request never completes.',
}, LaterPieceAwaitsList);
