/**
 * Faulty variant of the mapped-file driver (PAGE-1): it leaves a request
 * cancelable while the device moves data into its view, and its cancel
 * routine ends the request at once, which unlocks the view, without stopping
 * the device. The reference driver lets a cancelled transfer run to its end
 * and only then unlocks. Only a cancel (CancelIo, a closing handle, an
 * exiting process) that arrives while the device works takes this path.
 */
import { STATUS } from '../../../personalities/wdm/contract';
import type { NtStatus } from '../../../personalities/wdm/contract';
import { MappedFileDevice, MappedFileRequest, mappedFileDriver } from '../reference';

class CancelableOnDevice extends MappedFileDevice {
  /** Requests the cancel routine ended: the device's end of their transfer completes nothing again (one bug only). */
  private readonly endedByCancel = new WeakSet<MappedFileRequest>();

  protected override transferStarted(request: MappedFileRequest): void {
    super.transferStarted(request);
    this.k.IoSetCancelRoutine(request.irp, (_device, irp) => {
      this.k.IoReleaseCancelSpinLock(irp.CancelIrql);
      this.endedByCancel.add(request);
      super.finish(request, STATUS.CANCELLED); // the device still runs into the view
    });
  }

  protected override finish(request: MappedFileRequest, status: NtStatus): void {
    if (this.endedByCancel.has(request)) return;
    this.k.IoSetCancelRoutine(request.irp, null);
    super.finish(request, status);
  }
}

export default mappedFileDriver({
  name: 'mapped-file-cancelable-on-device',
  breaksRule: 'PAGE-1',
  description: 'Keeps a request cancelable while the device transfers into its view; the cancel routine unlocks the view without stopping the device.',
}, CancelableOnDevice);
