/**
 * Faulty variant of the mapped-buffer driver (CONT-6): when the handle is
 * closed (or its process exits) while the device is moving data into the
 * buffer, cleanup lets the transfer run and releases the buffer when it
 * ends, so the memory is not freed under the device. Deferring the free is
 * right; deferring the unmap is not: the transfer ends in the DPC, in no
 * process's context, and a user mapping can only be undone in the process
 * it was made in.
 */
import { STATUS } from '../../../personalities/wdm/contract';
import type { IRP, NtStatus } from '../../../personalities/wdm/contract';
import { completeRequest } from '../../../personalities/wdm/driver-kit';
import { MappedBufferDevice, MappedOpen, mappedBufferDriver } from '../reference';

class UnmapsWhenTransferEndsDevice extends MappedBufferDevice {
  /** The handle whose buffer goes once the transfer on the device ends. */
  private releaseAfterTransfer: MappedOpen | null = null;

  protected override cleanup(irp: IRP, open: MappedOpen): NtStatus {
    if (this.active?.open !== open) return super.cleanup(irp, open);
    for (let q = this.k.IoCsqRemoveNextIrp(this.queue, open.file); q; q = this.k.IoCsqRemoveNextIrp(this.queue, open.file)) completeRequest(this.k, q, STATUS.CANCELLED);
    this.releaseAfterTransfer = open; // the DPC releases it, unmap included
    return completeRequest(this.k, irp, STATUS.SUCCESS);
  }

  override transferInterrupt(pending: number): void {
    super.transferInterrupt(pending);
    const open = this.releaseAfterTransfer;
    if (!open || this.active?.open === open) return;
    this.releaseAfterTransfer = null;
    if (open.buffer) {
      this.k.MmUnmapLockedPages(open.buffer.userVa, open.buffer.mdl); // here, in the DPC: no process's context
      this.freeBuffer(open.buffer);
    }
    open.buffer = null;
  }
}

export default mappedBufferDriver({
  name: 'mapped-buffer-unmaps-when-transfer-ends',
  breaksRule: 'CONT-6',
  description: 'At a cleanup with a transfer on the device, unmaps and frees the buffer in the DPC when the transfer ends, outside the process that owns the mapping.',
}, UnmapsWhenTransferEndsDevice);
