/**
 * Faulty variant of reference driver 4 (storage-forward-progress), breaking
 * SG-5: when BuildScatterGatherList returns before the list's execution
 * routine has run, the driver takes the build for one that did not take and
 * frees its reserve at once. A HAL that runs execution routines later, from
 * a DPC, then still holds the list in the reserve for a transfer not yet
 * started (the device is idle) when the next transfer that cannot get a list
 * builds over it. A HAL that runs the routine before returning never shows
 * the bug.
 */
import { StorageDevice, StorageTransfer, storageForwardProgressDriver } from '../reference';

class ReserveFreeBeforeRoutine extends StorageDevice {
  protected override buildIntoReserve(transfer: StorageTransfer): void {
    super.buildIntoReserve(transfer);
    // No list yet: "the build did not take", so the reserve is free again.
    if (this.reserve?.holder === transfer && transfer.list === null) this.reserve.holder = null;
  }
}

export default storageForwardProgressDriver({
  name: 'storage-reserve-free-before-routine',
  breaksRule: 'SG-5',
  description: 'Frees its reserve when BuildScatterGatherList returns before the list\'s execution routine has run, so a deferred routine\'s list is built over.',
}, ReserveFreeBeforeRoutine);
