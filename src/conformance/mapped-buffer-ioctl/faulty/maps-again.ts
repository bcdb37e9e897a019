/**
 * Faulty variant of the mapped-buffer driver (CONT-6): a second map request
 * on a handle that already has its buffer is served with a new buffer,
 * mapped into the process again, and the driver forgets the first. The
 * first mapping stays in the application's address space after cleanup
 * (and its memory is never freed); the application was told the second
 * request would fail, and the transfers now go to a buffer it did not ask
 * for. Only a repeated map request takes this path.
 */
import type { IRP, NtStatus } from '../../../personalities/wdm/contract';
import { MappedBufferDevice, MappedOpen, mappedBufferDriver } from '../reference';

class MapsAgainDevice extends MappedBufferDevice {
  protected override map(irp: IRP, open: MappedOpen): NtStatus {
    open.buffer = null; // "a new map request replaces the old buffer": the old mapping is lost, not undone
    return super.map(irp, open);
  }
}

export default mappedBufferDriver({
  name: 'mapped-buffer-maps-again',
  breaksRule: 'CONT-6',
  description: 'Serves a second map request on the same handle with a new mapping and loses the first, which is never unmapped.',
}, MapsAgainDevice);
