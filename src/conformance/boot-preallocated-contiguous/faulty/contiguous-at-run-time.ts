/**
 * Faulty variant of reference driver 5 (common-buffer-ring), breaking CONT-2:
 * it allocates its ring's contiguous buffers when the application asks for
 * them, at run time, instead of taking the ones preallocated at boot. Right
 * after boot that works; once memory has fragmented the same size fails.
 */
import { DMA_OPTION } from '../../../contracts/user-dma-options';
import { RingBuffer, RingDevice, commonBufferRingDriver } from '../reference';

class ContiguousAtRunTime extends RingDevice {
  protected override takeRingBuffer(bytes: number, options: number): RingBuffer | null {
    const logical = { QuadPart: 0 };
    const va = this.adapter!.DmaOperations.AllocateCommonBuffer(this.adapter!, bytes, logical, (options & DMA_OPTION.ALLOW_CACHE) !== 0);
    return va === null ? null : { va, logical: logical.QuadPart, bytes, options, preallocated: false };
  }
}

export default commonBufferRingDriver({
  name: 'ring-contiguous-at-run-time',
  breaksRule: 'CONT-2',
  description: 'Allocates its contiguous ring buffers at run time instead of taking the ones preallocated at boot; fails once memory has fragmented.',
}, ContiguousAtRunTime);
