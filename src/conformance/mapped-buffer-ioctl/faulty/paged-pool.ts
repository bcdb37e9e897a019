/**
 * Faulty variant of the mapped-buffer driver (PAGE-7): it takes the buffer
 * from paged pool and still describes it with MmBuildMdlForNonPagedPool,
 * which is valid only for memory that can never be paged out.
 */
import { MappedBufferDevice, mappedBufferDriver } from '../reference';

class PagedPoolDevice extends MappedBufferDevice {
  protected override allocateBuffer(bytes: number): number | null {
    return this.k.ExAllocatePoolWithTag('PagedPool', bytes, 'MapB');
  }
}

export default mappedBufferDriver({
  name: 'mapped-buffer-paged-pool',
  breaksRule: 'PAGE-7',
  description: 'Allocates the buffer from paged pool and builds a non-paged-pool MDL over it.',
}, PagedPoolDevice);
