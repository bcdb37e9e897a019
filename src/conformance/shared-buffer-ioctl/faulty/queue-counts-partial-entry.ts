/**
 * Faulty variant of the shared-buffer driver (PAGE-3): it counts the queue's
 * capacity rounding up, so a partial entry after the header or after the
 * last whole entry counts as one. A region a byte short of one entry is
 * taken instead of refused, and the driver writes its entries past the end
 * of what the application registered.
 */
import { QUEUE_ENTRY_BYTES, QUEUE_HEADER_BYTES } from '../interface';
import { SharedBufferDevice, sharedBufferDriver } from '../reference';

class QueueCountsPartialEntry extends SharedBufferDevice {
  protected override queueCapacityOf(bytes: number): number {
    return Math.max(0, Math.ceil((bytes - QUEUE_HEADER_BYTES) / QUEUE_ENTRY_BYTES));
  }
}

export default sharedBufferDriver({
  name: 'shared-buffer-queue-counts-partial-entry',
  breaksRule: 'PAGE-3',
  description: 'Rounds the queue capacity up, counting a partial entry as one: a region too short for one entry is taken, and entries are written past its end.',
}, QueueCountsPartialEntry);
