/**
 * Faulty variant of reference driver 5 (common-buffer-ring), breaking CONT-3:
 * when a ring's set-up fails part-way (a run-time buffer after the
 * preallocated ones cannot be had), it frees the run-time buffers it took
 * but keeps the boot-preallocated ones, which no ring owns any more: the
 * next set-up whose size and options match finds them gone.
 */
import { RingBuffer, RingDevice, commonBufferRingDriver } from '../reference';

class FailedSetupKeepsPreallocated extends RingDevice {
  protected override giveBackUnfinishedRing(ring: readonly RingBuffer[]): void {
    for (const b of ring) if (!b.preallocated) this.releaseRingBuffer(b);
  }
}

export default commonBufferRingDriver({
  name: 'ring-failed-setup-keeps-preallocated',
  breaksRule: 'CONT-3',
  description: 'Frees the run-time buffers of a set-up that failed part-way but keeps the boot-preallocated ones it had taken.',
}, FailedSetupKeepsPreallocated);
