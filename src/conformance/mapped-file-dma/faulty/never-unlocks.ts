/**
 * Faulty variant of reference driver 6 (mapped-file), breaking PAGE-5: it
 * completes a request without unlocking the view or freeing its MDL. The
 * pages stay locked in the application's process, and when the process
 * exits the machine stops (0xCB DRIVER_LEFT_LOCKED_PAGES_IN_PROCESS).
 */
import { MappedFileDevice, MappedFileRequest, mappedFileDriver } from '../reference';

class NeverUnlocks extends MappedFileDevice {
  protected override unlockView(_request: MappedFileRequest): void {
    // The request is over; the lock on the view is forgotten.
  }
}

export default mappedFileDriver({
  name: 'mapped-file-never-unlocks',
  breaksRule: 'PAGE-5',
  description: 'Completes mapped-file requests without unlocking the view (MmUnlockPages) or freeing its MDL.',
}, NeverUnlocks);
