/**
 * Faulty variant of reference driver 6 (mapped-file), breaking PAGE-5: when
 * the view was locked but the device fails the transfer, the error path
 * unlocks the view itself and then completes the request the common way,
 * which unlocks it again. A second MmUnlockPages on the same MDL stops the
 * machine (0x76). Requests the device completes never see it.
 */
import { STATUS } from '../../../personalities/wdm/contract';
import type { NtStatus } from '../../../personalities/wdm/contract';
import { MappedFileDevice, MappedFileRequest, mappedFileDriver } from '../reference';

class UnlocksTwiceOnDeviceError extends MappedFileDevice {
  protected override finish(request: MappedFileRequest, status: NtStatus): void {
    if (status === STATUS.IO_DEVICE_ERROR && request.mdl) this.k.MmUnlockPages(request.mdl); // give the pages back at once ...
    super.finish(request, status); // ... and again here
  }
}

export default mappedFileDriver({
  name: 'mapped-file-unlocks-twice-on-device-error',
  breaksRule: 'PAGE-5',
  description: 'On a transfer the device fails, unlocks the view on the error path and again when completing the request.',
}, UnlocksTwiceOnDeviceError);
