/**
 * Faulty variant of the mapped-buffer driver (MDL-2): at cleanup it frees
 * the MDL of the whole buffer before the partial MDL it built over it for
 * the transfers.
 */
import { MappedBuffer, MappedBufferDevice, mappedBufferDriver } from '../reference';

class ParentFreedFirstDevice extends MappedBufferDevice {
  protected override releaseBuffer(buffer: MappedBuffer): void {
    const k = this.k;
    k.MmUnmapLockedPages(buffer.userVa, buffer.mdl);
    k.IoFreeMdl(buffer.mdl); // the partial MDL still lives over it
    k.IoFreeMdl(buffer.partial);
    k.ExFreePoolWithTag(buffer.systemVa, 'MapB');
  }
}

export default mappedBufferDriver({
  name: 'mapped-buffer-parent-freed-first',
  breaksRule: 'MDL-2',
  description: 'Frees the buffer\'s MDL before the partial MDL built over it.',
}, ParentFreedFirstDevice);
