/**
 * Faulty variant of the mapped-buffer driver (CONT-6): it maps one buffer,
 * in the context of the first process that asks, and hands the same address
 * to every later process. A user-mode mapping exists only in the process it
 * was made in; elsewhere the address means nothing (or something else).
 */
import type { NtStatus } from '../../../personalities/wdm/contract';
import { MappedBuffer, MappedBufferDevice, mappedBufferDriver } from '../reference';

class OneMappingForAllDevice extends MappedBufferDevice {
  private shared: MappedBuffer | null = null;

  protected override mappedBufferFor(bytes: number): MappedBuffer | NtStatus {
    if (this.shared) return this.shared;
    const made = super.mappedBufferFor(bytes);
    if (typeof made !== 'number') this.shared = made;
    return made;
  }

  /** Believing the mapping is in every process, it unmaps it in whichever process's cleanup comes first. */
  protected override releaseBuffer(buffer: MappedBuffer): void {
    this.k.MmUnmapLockedPages(buffer.userVa, buffer.mdl);
    this.freeBuffer(buffer);
    this.shared = null;
  }
}

export default mappedBufferDriver({
  name: 'mapped-buffer-one-mapping-for-all',
  breaksRule: 'CONT-6',
  description: 'Maps one buffer in the first requesting process and gives its address to every process.',
}, OneMappingForAllDevice);
