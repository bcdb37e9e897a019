/**
 * Faulty variant of the direct-I/O driver (DEV-2): it gives the device one
 * descriptor per scatter/gather element, however long the element is. An
 * element of physically contiguous pages can be longer than the device's
 * maximum transfer, and the device refuses such a descriptor.
 */
import type { SCATTER_GATHER_ELEMENT } from '../../../personalities/wdm/contract';
import type { DeviceDescriptor } from '../../../personalities/wdm/driver-kit';
import { DirectIoDevice, directIoDriver } from '../reference';

class OneDescriptorPerElementDevice extends DirectIoDevice {
  protected override descriptorsFor(elements: readonly SCATTER_GATHER_ELEMENT[]): DeviceDescriptor[] {
    return elements.map((e) => ({ address: e.Address, length: e.Length }));
  }
}

export default directIoDriver({
  name: 'direct-io-one-descriptor-per-element',
  breaksRule: 'DEV-2',
  description: 'Programs one descriptor per scatter/gather element without cutting it at the device\'s maximum transfer.',
}, OneDescriptorPerElementDevice);
