/**
 * Faulty variant of reference driver 5 (common-buffer-ring), breaking
 * VER-COMMON-BUFFER-DOUBLE-FREE: it assumes every ring matches the boot
 * preallocation and gives every ring buffer back to it. A ring that does
 * not match (another size, or more buffers than were set aside) has
 * run-time common buffers, and giving one back to the preallocation frees a
 * buffer the preallocation never handed out, while the common buffer stays
 * allocated.
 */
import { RingBuffer, RingDevice, commonBufferRingDriver } from '../reference';

class ReleasesAllToPreallocation extends RingDevice {
  protected override releaseRingBuffer(buffer: RingBuffer): void {
    this.k.returnPreallocatedBuffer(this.adapter!, buffer.va);
  }
}

export default commonBufferRingDriver({
  name: 'ring-releases-all-to-preallocation',
  breaksRule: 'VER-COMMON-BUFFER-DOUBLE-FREE',
  description: 'Gives every ring buffer back to the boot preallocation, run-time common buffers of a ring that does not match it too.',
}, ReleasesAllToPreallocation);
