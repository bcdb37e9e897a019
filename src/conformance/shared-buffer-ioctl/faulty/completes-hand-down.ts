/**
 * Faulty variant of the shared-buffer driver (PAGE-2): it completes each
 * hand-down request at once and keeps filling the buffer through the list it
 * built, trusting that the application raised its working set enough for the
 * pages to stay. Completion unlocks the buffer (MDL-4); a working set is a
 * hint the trimmer may ignore, and the device writes pages nothing keeps.
 */
import { STATUS } from '../../../personalities/wdm/contract';
import type { NtStatus } from '../../../personalities/wdm/contract';
import { completeRequest } from '../../../personalities/wdm/driver-kit';
import { SharedBuffer, SharedBufferDevice, sharedBufferDriver } from '../reference';

class CompletesHandDownDevice extends SharedBufferDevice {
  protected override holdBuffer(buffer: SharedBuffer): NtStatus {
    buffer.completed = true; // the list stays the driver's; the request does not
    return completeRequest(this.k, buffer.irp, STATUS.SUCCESS, 0);
  }
}

export default sharedBufferDriver({
  name: 'shared-buffer-completes-hand-down',
  breaksRule: 'PAGE-2',
  description: 'Completes each hand-down at once and keeps DMAing into the buffer, relying on the application\'s working set to keep it resident.',
}, CompletesHandDownDevice);
