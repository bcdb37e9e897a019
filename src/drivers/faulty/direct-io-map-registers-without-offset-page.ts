/**
 * Faulty variant of the direct-I/O driver (SG-1): it cuts requests into
 * transfers of as many whole pages as the adapter has map registers,
 * forgetting that a transfer starting inside a page spans one page more.
 * With few map registers (a 32-bit device on a machine with RAM above
 * 4 GiB gets 256) an unaligned request longer than that asks
 * GetScatterGatherList for one map register beyond the grant.
 */
import { PAGE_SIZE } from '../contract';
import { DirectIoDevice, directIoDriver } from '../reference/direct-io';

class MapRegistersWithoutOffsetPageDevice extends DirectIoDevice {
  override get longestMappedTransfer(): number {
    return Math.min(this.maximumTransferLength, this.mapRegisters * PAGE_SIZE);
  }
}

export default directIoDriver({
  name: 'direct-io-map-registers-without-offset-page',
  breaksRule: 'SG-1',
  description: 'Cuts requests into transfers of one page per map register, so an unaligned transfer spans one page more than the adapter granted.',
}, MapRegistersWithoutOffsetPageDevice);
