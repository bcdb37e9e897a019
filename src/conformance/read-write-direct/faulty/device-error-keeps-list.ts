/**
 * Faulty variant of the direct-I/O driver (SG-3): when the device ends a
 * transfer with an error, the DPC fails the request but keeps the transfer's
 * scatter/gather list "for the retry", and no retry ever comes. Transfers
 * that succeed give their lists back, so only a device error (a refused
 * burst, a removed device, an aborted transfer) takes this path; the lists
 * pile up until PutDmaAdapter finds them outstanding at unload.
 */
import { NT_SUCCESS } from '../../../personalities/wdm/contract';
import type { NtStatus } from '../../../personalities/wdm/contract';
import { DirectIoDevice, DirectIoTransfer, directIoDriver } from '../reference';

class DeviceErrorKeepsList extends DirectIoDevice {
  protected override releaseTransfer(transfer: DirectIoTransfer, status?: NtStatus): void {
    if (status !== undefined && !NT_SUCCESS(status)) return; // kept for a retry that is never made
    super.releaseTransfer(transfer, status);
  }
}

export default directIoDriver({
  name: 'direct-io-device-error-keeps-list',
  breaksRule: 'SG-3',
  description: 'Keeps the scatter/gather list of a transfer the device failed, and never puts it back.',
}, DeviceErrorKeepsList);
