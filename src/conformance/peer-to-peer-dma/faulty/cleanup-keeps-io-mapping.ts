/**
 * Faulty variant of the peer-to-peer driver, breaking MDL-3: when cleanup
 * stops a transfer on the device, it frees the MDL over the peer's memory
 * but forgets MmUnmapIoSpace, so the system page-table entries the mapping
 * took stay in use. A transfer that finishes by itself gives them back; only
 * a close or a process exit while the device works on a transfer leaks them,
 * until the system runs out of page-table entries.
 */
import { PeerToPeerDevice, PeerTransfer, peerToPeerDriver } from '../reference';

class CleanupKeepsIoMapping extends PeerToPeerDevice {
  protected override releaseStopped(stopped: PeerTransfer): void {
    if (!stopped.listPending) this.k.IoFreeMdl(stopped.mapping.mdl);
    else stopped.releaseWhenMapped = true;
  }
}

export default peerToPeerDriver({
  name: 'peer-to-peer-cleanup-keeps-io-mapping',
  breaksRule: 'MDL-3',
  description: 'At cleanup, stops the transfer on the device and frees its MDL but never unmaps the peer memory (MmUnmapIoSpace), leaking system page-table entries.',
}, CleanupKeepsIoMapping);
