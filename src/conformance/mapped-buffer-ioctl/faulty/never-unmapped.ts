/**
 * Faulty variant of the mapped-buffer driver (CONT-6): at cleanup it frees
 * the buffer but never undoes the mapping it made into the process, which
 * keeps an address in the application that leads to memory the driver no
 * longer owns.
 */
import { MappedBuffer, MappedBufferDevice, mappedBufferDriver } from '../reference';

class NeverUnmappedDevice extends MappedBufferDevice {
  protected override releaseBuffer(buffer: MappedBuffer): void {
    this.k.IoFreeMdl(buffer.partial);
    this.k.IoFreeMdl(buffer.mdl);
    this.k.ExFreePoolWithTag(buffer.systemVa, 'MapB');
  }
}

export default mappedBufferDriver({
  name: 'mapped-buffer-never-unmapped',
  breaksRule: 'CONT-6',
  description: 'Frees the buffer at cleanup without unmapping it from the application.',
}, NeverUnmappedDevice);
