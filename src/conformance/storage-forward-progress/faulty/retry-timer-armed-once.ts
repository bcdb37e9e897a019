/**
 * Faulty variant of reference driver 4 (storage-forward-progress), breaking
 * SG-5: when building a list into the reserve fails with nothing of the
 * driver's in flight, the reference arms a timer that restarts the waiting
 * requests; this variant arms it only the first time ("the retry is set
 * up"). A build that fails once is retried and the request completes; a
 * build that fails again on that retry leaves the request waiting with no
 * timer and no list coming back to restart it, for ever.
 */
import { StorageDevice, storageForwardProgressDriver } from '../reference';

class RetryTimerArmedOnce extends StorageDevice {
  private retryArmed = false;

  protected override armRetry(): void {
    if (this.retryArmed) return;
    this.retryArmed = true;
    super.armRetry();
  }
}

export default storageForwardProgressDriver({
  name: 'storage-retry-timer-armed-once',
  breaksRule: 'SG-5',
  description: 'Arms the timer that retries a failed build into the reserve only the first time: a second failed build waits for ever.',
}, RetryTimerArmedOnce);
