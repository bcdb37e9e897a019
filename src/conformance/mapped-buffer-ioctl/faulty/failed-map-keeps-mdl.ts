/**
 * Faulty variant of the mapped-buffer driver (MDL-1): when a map request
 * fails part-way, after the buffer and its MDL were had but its partial MDL
 * was not, it frees the buffer and forgets the MDL that described it. The
 * MDL is never freed.
 */
import { MappedBufferDevice, mappedBufferDriver } from '../reference';
import type { MDL } from '../../../personalities/wdm/contract';

class FailedMapKeepsMdl extends MappedBufferDevice {
  protected override freeUnfinishedBuffer(systemVa: number, _mdl: MDL | null): void {
    this.k.ExFreePoolWithTag(systemVa, 'MapB');
  }
}

export default mappedBufferDriver({
  name: 'mapped-buffer-failed-map-keeps-mdl',
  breaksRule: 'MDL-1',
  description: 'When the partial MDL of a new buffer cannot be had, frees the buffer but not the MDL already allocated for it.',
}, FailedMapKeepsMdl);
