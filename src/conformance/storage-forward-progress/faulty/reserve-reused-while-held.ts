/**
 * Faulty variant of reference driver 4 (storage-forward-progress), breaking
 * SG-5: when GetScatterGatherList cannot allocate, it builds the list into
 * the reserve whenever there is one, without asking whether the reserve
 * still holds a list. A transfer mapped in the reserve and queued in the
 * driver behind the one on the device then has its list built over before
 * the device ever reaches it: the reserve serves one transfer at a time, and
 * the others must wait for it.
 */
import type { NtStatus } from '../../../personalities/wdm/contract';
import { StorageDevice, StorageTransfer, storageForwardProgressDriver } from '../reference';

class ReserveReusedWhileHeld extends StorageDevice {
  protected override mappingFailed(transfer: StorageTransfer, _status: NtStatus): void {
    if (this.reserve) this.buildIntoReserve(transfer); // "the reserve is there for this"
    else this.waitForResources(transfer.request);
  }
}

export default storageForwardProgressDriver({
  name: 'storage-reserve-reused-while-held',
  breaksRule: 'SG-5',
  description: 'Builds a list into its forward-progress reserve while another transfer\'s list, queued for the device, still lives there.',
}, ReserveReusedWhileHeld);
