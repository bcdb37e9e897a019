/**
 * Faulty variant of the direct-I/O driver (SG-6): it tells the HAL its
 * device addresses 64 bits without asking the device. On a device that
 * addresses only 32 bits the HAL then sets up no bounce buffers, and every
 * page above 4 GiB is given to the device at an address it cannot drive.
 */
import type { DEVICE_DESCRIPTION } from '../../../personalities/wdm/contract';
import { DmaTestDeviceRegisters } from '../../../personalities/wdm/driver-kit';
import { DirectIoDevice, directIoDriver } from '../reference';

class Claims64BitDevice extends DirectIoDevice {
  protected override adapterDescription(registers: DmaTestDeviceRegisters): DEVICE_DESCRIPTION {
    return { ...super.adapterDescription(registers), Dma64BitAddresses: true };
  }
}

export default directIoDriver({
  name: 'direct-io-claims-64-bit',
  breaksRule: 'SG-6',
  description: 'Describes the device as 64-bit capable without reading its capabilities, so a 32-bit device gets no bounce buffers.',
}, Claims64BitDevice);
