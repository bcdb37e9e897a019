/**
 * Faulty variant of the peer-to-peer driver, breaking VER-IOMMU-FAULT: it
 * programs the device with the peer BAR's address as the CPU sees it (the
 * address the application passed) instead of the device addresses its
 * scatter/gather list gives. Without an IOMMU the two are the same and
 * nothing shows; behind one the device's DMA goes where nothing is mapped
 * for it, and the IOMMU blocks it.
 */
import type { SCATTER_GATHER_LIST } from '../../../personalities/wdm/contract';
import { descriptorsFor } from '../../../personalities/wdm/driver-kit';
import type { DeviceDescriptor } from '../../../personalities/wdm/driver-kit';
import { PeerToPeerDevice, PeerTransfer, peerToPeerDriver } from '../reference';

class ProgramsBarCpuAddress extends PeerToPeerDevice {
  protected override pieceDescriptors(t: PeerTransfer, _list: SCATTER_GATHER_LIST, length: number): DeviceDescriptor[] {
    return descriptorsFor([{ Address: t.order.peerAddress + t.done, Length: length }], this.maxTransfer);
  }
}

export default peerToPeerDriver({
  name: 'peer-to-peer-programs-bar-cpu-address',
  breaksRule: 'VER-IOMMU-FAULT',
  description: 'Programs the device with the peer BAR\'s CPU physical address instead of the device address its scatter/gather list gives.',
}, ProgramsBarCpuAddress);
