/**
 * Faulty variant of reference driver 5 (common-buffer-ring), breaking CONT-1:
 * it programs the device with the ring buffer's physical address
 * (MmGetPhysicalAddress) instead of the device-visible address the buffer
 * came with. Without an IOMMU the two are the same and nothing shows; behind
 * an IOMMU the device's DMA lands where nothing is mapped for it.
 */
import { RingBuffer, RingDevice, commonBufferRingDriver } from '../reference';

class ProgramsPhysicalAddress extends RingDevice {
  protected override deviceAddressOf(buffer: RingBuffer): number {
    return this.k.MmGetPhysicalAddress(buffer.va).QuadPart;
  }
}

export default commonBufferRingDriver({
  name: 'ring-programs-physical-address',
  breaksRule: 'CONT-1',
  description: 'Programs the device with the ring buffer\'s CPU physical address instead of its device-visible (logical) address.',
}, ProgramsPhysicalAddress);
