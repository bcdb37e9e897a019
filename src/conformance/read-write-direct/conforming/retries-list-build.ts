/**
 * A conforming read-write-direct driver that waits out a shortage of
 * mapping resources instead of failing at once: when GetScatterGatherList
 * fails with STATUS_INSUFFICIENT_RESOURCES, the transfer stays pending and
 * a timer tries the mapping again, a bounded number of times; only then does
 * the request complete with STATUS_INSUFFICIENT_RESOURCES. The contract
 * allows it ("How a request must end": a request overtaken by a failed
 * allocation may end in that status, or succeed if the driver retried and
 * got the data); the reference retries only when a transfer in flight will
 * give resources back, and fails the request otherwise.
 *
 * Everything else is the reference driver's (reference.ts): transfers cut
 * to the map registers, a list per transfer put back once, the watchdog.
 */
import { KDPC, KTIMER, NT_SUCCESS, STATUS } from '../../../personalities/wdm/contract';
import type { DEVICE_OBJECT, KernelApi, SCATTER_GATHER_ELEMENT } from '../../../personalities/wdm/contract';
import { withSpinLock } from '../../../personalities/wdm/driver-kit';
import { DirectIoDevice, DirectIoTransfer, TransferMapping, directIoDriver, scatterGatherMapping } from '../reference';

/** Tries of one transfer's mapping, the first included, before its request fails. */
export const MAPPING_ATTEMPTS = 5;
/** Assumption: resources another driver holds come back within a few milliseconds; the retry waits one between tries. */
export const MAPPING_RETRY_MS = 1;

/** A transfer whose mapping failed for lack of resources, waiting for the timer. */
interface WaitingMapping {
  readonly transfer: DirectIoTransfer;
  readonly mapped: (elements: readonly SCATTER_GATHER_ELEMENT[], mapping: unknown) => void;
  attempts: number;
}

class RetriesListBuild extends DirectIoDevice {
  private readonly retryTimer = new KTIMER();
  private readonly retryDpc = new KDPC();
  /** Transfers waiting to be mapped again, in the order they were cut (guarded by the device lock). */
  private readonly waiting: WaitingMapping[] = [];

  constructor(k: KernelApi, fdo: DEVICE_OBJECT, pdo: DEVICE_OBJECT) {
    super(k, fdo, pdo);
    k.KeInitializeTimer(this.retryTimer);
    k.KeInitializeDpc(this.retryDpc, () => this.retryMappings(), null);
  }

  /** The scatter/gather path, but a mapping short of resources is pending, not failed: the timer maps it later or fails it. */
  private readonly retrying: TransferMapping = {
    map: (device, transfer, mapped) => {
      const status = scatterGatherMapping.map(device, transfer, mapped);
      if (status !== STATUS.INSUFFICIENT_RESOURCES) return status;
      this.waitForRetry({ transfer, mapped, attempts: 1 });
      return STATUS.SUCCESS; // pending: `mapped` comes from the timer's DPC, or the transfer fails there
    },
    release: (device, transfer) => scatterGatherMapping.release(device, transfer),
  };

  protected override transferMapping(): TransferMapping {
    return this.retrying;
  }

  override stop(): void {
    this.k.KeCancelTimer(this.retryTimer);
    this.k.KeRemoveQueueDpc(this.retryDpc);
    super.stop();
  }

  private waitForRetry(waiting: WaitingMapping): void {
    const first = withSpinLock(this.k, this.lock, () => this.waiting.push(waiting) === 1);
    if (first) this.k.KeSetTimer(this.retryTimer, -MAPPING_RETRY_MS * 10_000, this.retryDpc);
  }

  /** The timer's DPC (DISPATCH_LEVEL): map each waiting transfer again; one that ran out of tries ends its request. */
  private retryMappings(): void {
    const due = withSpinLock(this.k, this.lock, () => this.waiting.splice(0));
    let failed = false;
    for (const waiting of due) {
      const status = scatterGatherMapping.map(this, waiting.transfer, waiting.mapped);
      if (NT_SUCCESS(status)) continue;
      if (status === STATUS.INSUFFICIENT_RESOURCES && waiting.attempts < MAPPING_ATTEMPTS) {
        waiting.attempts++;
        this.waitForRetry(waiting);
        continue;
      }
      withSpinLock(this.k, this.lock, () => this.mapping--);
      this.transferFailed(waiting.transfer, status);
      failed = true;
    }
    if (failed) this.startTransfers(); // the failed request's place goes to the next one
  }
}

export default directIoDriver({
  name: 'direct-io-retries-list-build',
  description: 'Direct-I/O reads and writes that retry a scatter/gather list short of resources from a timer, a bounded number of times, before failing the request.',
}, RetriesListBuild);
