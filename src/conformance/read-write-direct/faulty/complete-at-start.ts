/**
 * Faulty variant of the direct-I/O driver (PAGE-1): it completes each
 * request as soon as the device has been started on it. Completion is when
 * the I/O manager unlocks the caller's buffer (MDL-4), so the device goes on
 * writing pages that are no longer locked.
 */
import { STATUS } from '../../../personalities/wdm/contract';
import { completeRequest } from '../../../personalities/wdm/driver-kit';
import { DirectIoDevice, DirectIoTransfer, directIoDriver } from '../reference';

class CompleteAtStartDevice extends DirectIoDevice {
  protected override transferStarted(transfer: DirectIoTransfer): void {
    super.transferStarted(transfer);
    const { request } = transfer;
    if (request.completed) return;
    request.completed = true;
    completeRequest(this.k, request.irp, STATUS.SUCCESS, request.length);
  }
}

export default directIoDriver({
  name: 'direct-io-complete-at-start',
  breaksRule: 'PAGE-1',
  description: 'Completes each request when the device starts on it, so the buffer is unlocked while the device still writes it.',
}, CompleteAtStartDevice);
