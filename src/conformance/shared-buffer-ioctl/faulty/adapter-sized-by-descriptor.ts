/**
 * Faulty variant of the shared-buffer driver (SG-1): it describes the
 * adapter's MaximumLength as the longest descriptor the device takes
 * (MAX_TRANSFER_LENGTH), not as the longest buffer it will map. The device
 * does cut its work into descriptors that short, but the driver maps each
 * buffer it is handed with one scatter/gather list, so any buffer longer
 * than a descriptor asks for more map registers than IoGetDmaAdapter
 * granted.
 */
import type { DEVICE_DESCRIPTION } from '../../../personalities/wdm/contract';
import { DmaTestDeviceRegisters, adapterDescriptionFor } from '../../../personalities/wdm/driver-kit';
import { SharedBufferDevice, sharedBufferDriver } from '../reference';

class AdapterSizedByDescriptorDevice extends SharedBufferDevice {
  protected override adapterDescription(registers: DmaTestDeviceRegisters): DEVICE_DESCRIPTION {
    return adapterDescriptionFor(registers, registers.maxTransferLength);
  }
}

export default sharedBufferDriver({
  name: 'shared-buffer-adapter-sized-by-descriptor',
  breaksRule: 'SG-1',
  description: 'Asks IoGetDmaAdapter for map registers enough for one device descriptor, then maps whole buffers with one scatter/gather list each.',
}, AdapterSizedByDescriptorDevice);
