/**
 * Faulty variant of the peer-to-peer driver, breaking DEV-6: it treats the
 * peer address the application passed like any other buffer of an
 * application, as memory of the calling process to probe and lock with an
 * MDL. The address is another device's memory on the bus, not a page of the
 * process: the probe raises, and every transfer fails instead of going
 * device to device.
 */
import { RaisedStatus, STATUS } from '../../../personalities/wdm/contract';
import type { NtStatus } from '../../../personalities/wdm/contract';
import type { PeerTransferOrder } from '../interface';
import { PeerMapping, PeerToPeerDevice, peerToPeerDriver } from '../reference';

class LocksPeerAsUserBuffer extends PeerToPeerDevice {
  protected override mapPeer(order: PeerTransferOrder): PeerMapping | NtStatus {
    const k = this.k;
    const mdl = k.IoAllocateMdl(order.peerAddress, order.bytes, false, false, null);
    if (!mdl) return STATUS.INSUFFICIENT_RESOURCES;
    try {
      k.MmProbeAndLockPages(mdl, 'UserMode', order.fromPeer ? 'IoReadAccess' : 'IoWriteAccess');
    } catch (e) {
      k.IoFreeMdl(mdl);
      if (e instanceof RaisedStatus) return e.status;
      throw e;
    }
    return { va: order.peerAddress, bytes: order.bytes, mdl };
  }

  protected override unmapPeer(mapping: PeerMapping): void {
    this.k.MmUnlockPages(mapping.mdl);
    this.k.IoFreeMdl(mapping.mdl);
  }
}

export default peerToPeerDriver({
  name: 'peer-to-peer-locks-peer-as-user-buffer',
  breaksRule: 'DEV-6',
  description: 'Probes and locks the peer address as if it were a buffer in the application\'s memory, so no transfer reaches the peer.',
}, LocksPeerAsUserBuffer);
