/**
 * Faulty variant of the direct-I/O driver (PAGE-1): cleanup completes, as
 * cancelled, every request of the closing handle whose scatter/gather list
 * the HAL has not delivered yet ("it never reached the device, so nothing
 * is running"). The execution routine still comes, later, from a DPC, and
 * starts the device on the buffer of a request already completed, whose
 * pages the I/O manager unlocked at completion. A HAL that runs execution
 * routines inside the mapping call never leaves such a request for cleanup
 * to find.
 */
import { NT_SUCCESS, STATUS } from '../../../personalities/wdm/contract';
import type { IRP, NtStatus } from '../../../personalities/wdm/contract';
import { completeRequest } from '../../../personalities/wdm/driver-kit';
import { DirectIoDevice, DirectIoTransfer, TransferMapping, directIoDriver } from '../reference';

class CleanupEndsRequestAwaitingList extends DirectIoDevice {
  /** Transfers asked to be mapped whose execution routine has not run yet. */
  private readonly awaitingList = new Set<DirectIoTransfer>();

  protected override transferMapping(): TransferMapping {
    const mapping = super.transferMapping();
    return {
      map: (device, transfer, mapped) => {
        this.awaitingList.add(transfer);
        const status = mapping.map(device, transfer, (elements, list) => {
          this.awaitingList.delete(transfer);
          mapped(elements, list);
        });
        if (!NT_SUCCESS(status)) this.awaitingList.delete(transfer);
        return status;
      },
      release: (device, transfer) => mapping.release(device, transfer),
    };
  }

  protected override cleanup(irp: IRP): NtStatus {
    const fileObject = this.k.IoGetCurrentIrpStackLocation(irp).FileObject;
    for (const { request } of this.awaitingList) {
      if (request.completed || request.irp.Tail.Overlay.OriginalFileObject !== fileObject) continue;
      request.completed = true; // the routine that maps it is still to come
      completeRequest(this.k, request.irp, STATUS.CANCELLED);
    }
    return super.cleanup(irp);
  }
}

export default directIoDriver({
  name: 'direct-io-cleanup-ends-request-awaiting-list',
  breaksRule: 'PAGE-1',
  description: 'At cleanup, completes the requests whose scatter/gather list the HAL has not delivered yet; the deferred execution routine then starts the device on their unlocked buffers.',
}, CleanupEndsRequestAwaitingList);
