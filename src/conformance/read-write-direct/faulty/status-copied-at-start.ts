/**
 * Faulty variant of the direct-I/O driver (DEV-3): it decides the status a
 * request completes with when its last transfer starts, and completes with
 * that copy, not with what the DPC then reads from the device. A last
 * transfer the device fails (a master abort, a hang it is aborted from)
 * still completes the request with STATUS_SUCCESS and its full length.
 */
import type { NtStatus } from '../../../personalities/wdm/contract';
import { DirectIoDevice, DirectIoRequest, DirectIoTransfer, directIoDriver } from '../reference';

class StatusCopiedAtStartDevice extends DirectIoDevice {
  private readonly statusAtLastStart = new WeakMap<DirectIoRequest, NtStatus>();

  protected override transferStarted(transfer: DirectIoTransfer): void {
    super.transferStarted(transfer);
    const { request } = transfer;
    if (transfer.offset + transfer.length >= request.length) this.statusAtLastStart.set(request, request.status);
  }

  protected override completeIfDone(request: DirectIoRequest): void {
    const copied = this.statusAtLastStart.get(request);
    if (copied !== undefined && request.outstanding === 0) request.status = copied; // the device's error, read by the DPC, is lost here
    super.completeIfDone(request);
  }
}

export default directIoDriver({
  name: 'direct-io-status-copied-at-start',
  breaksRule: 'DEV-3',
  description: 'Completes each request with the status copied when its last transfer started, so an error the device reports for that transfer ends in STATUS_SUCCESS.',
}, StatusCopiedAtStartDevice);
