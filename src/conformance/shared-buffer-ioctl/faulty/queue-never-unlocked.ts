/**
 * Faulty variant of the shared-buffer driver (PAGE-5): at cleanup it gives
 * the buffers back but never unmaps, unlocks or frees the shared queue it
 * locked, so the application's pages stay locked after its handle is gone.
 */
import { SharedBufferDevice, SharedOpen, sharedBufferDriver } from '../reference';

class QueueNeverUnlockedDevice extends SharedBufferDevice {
  protected override releaseQueue(_open: SharedOpen): void {
    // the queue's MDL is forgotten, still locked
  }
}

export default sharedBufferDriver({
  name: 'shared-buffer-queue-never-unlocked',
  breaksRule: 'PAGE-5',
  description: 'Never unlocks the shared queue at cleanup: the application\'s pages stay locked.',
}, QueueNeverUnlockedDevice);
