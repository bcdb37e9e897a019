/**
 * Faulty variant of the mapped-buffer driver (PAGE-1): cleanup cancels the
 * handle's queued transfers and unmaps and frees the buffer, but leaves the
 * transfer already on the device to finish by itself. The device goes on
 * writing into pool pages the driver has just freed, which may by then
 * belong to anybody. Only a close (or process exit) with a transfer in
 * progress takes this path.
 */
import { STATUS } from '../../../personalities/wdm/contract';
import type { IRP, NtStatus } from '../../../personalities/wdm/contract';
import { completeRequest } from '../../../personalities/wdm/driver-kit';
import { MappedBufferDevice, MappedOpen, mappedBufferDriver } from '../reference';

class FreesUnderTransferDevice extends MappedBufferDevice {
  protected override cleanup(irp: IRP, open: MappedOpen): NtStatus {
    for (let q = this.k.IoCsqRemoveNextIrp(this.queue, open.file); q; q = this.k.IoCsqRemoveNextIrp(this.queue, open.file)) completeRequest(this.k, q, STATUS.CANCELLED);
    if (open.buffer) this.releaseBuffer(open.buffer); // the device is not stopped first
    open.buffer = null;
    return completeRequest(this.k, irp, STATUS.SUCCESS);
  }
}

export default mappedBufferDriver({
  name: 'mapped-buffer-frees-under-transfer',
  breaksRule: 'PAGE-1',
  description: 'At cleanup, frees the mapped buffer without stopping the transfer the device is running into it.',
}, FreesUnderTransferDevice);
