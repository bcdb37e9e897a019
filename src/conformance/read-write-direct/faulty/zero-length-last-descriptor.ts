/**
 * Faulty variant of the direct-I/O driver (DEV-2): it cuts each
 * scatter/gather element into length / maximum + 1 descriptors (rounding
 * down, plus one for the rest), so an element that is an exact multiple of
 * the device's maximum transfer gets a last descriptor of length 0. The device stops at that
 * descriptor with BadLength, after moving every byte before it, and the
 * request fails with STATUS_IO_DEVICE_ERROR.
 */
import type { SCATTER_GATHER_ELEMENT } from '../../../personalities/wdm/contract';
import type { DeviceDescriptor } from '../../../personalities/wdm/driver-kit';
import { DirectIoDevice, directIoDriver } from '../reference';

class ZeroLengthLastDescriptorDevice extends DirectIoDevice {
  protected override descriptorsFor(elements: readonly SCATTER_GATHER_ELEMENT[]): DeviceDescriptor[] {
    const out: DeviceDescriptor[] = [];
    for (const e of elements) {
      const pieces = Math.floor(e.Length / this.maxTransfer) + 1;
      for (let i = 0; i < pieces; i++) {
        const length = i === pieces - 1 ? e.Length - i * this.maxTransfer : this.maxTransfer;
        out.push({ address: e.Address + i * this.maxTransfer, length });
      }
    }
    return out;
  }
}

export default directIoDriver({
  name: 'direct-io-zero-length-last-descriptor',
  breaksRule: 'DEV-2',
  description: 'Cuts an element into length / maximum + 1 descriptors, so an element that is an exact multiple of the device\'s maximum transfer ends in a descriptor of length 0.',
}, ZeroLengthLastDescriptorDevice);
