/**
 * Faulty variant of reference driver 4 (storage-forward-progress), breaking
 * SG-5: when a list is put back (the reserve's included) it does not restart
 * the requests queued while the reserve was busy, so they never complete.
 * The I/O manager's hang guard reports the driver instead of waiting forever.
 */
import { StorageDevice, storageForwardProgressDriver } from '../reference';

class WaitingNeverRestarted extends StorageDevice {
  protected override resourcesReturned(): void {
    // The reserve is free again, but nobody looks at the queue.
  }
}

export default storageForwardProgressDriver({
  name: 'storage-waiting-never-restarted',
  breaksRule: 'SG-5',
  description: 'Queues requests while its reserve is busy but never restarts them when the reserve is returned.',
}, WaitingNeverRestarted);
