/**
 * Faulty variant of the direct-I/O driver (DEV-1): it never sets the
 * bus-master bit in the device's PCI command register, so every DMA request
 * of the device is refused.
 */
import { DirectIoDevice, directIoDriver } from '../reference';

class NoBusMasteringDevice extends DirectIoDevice {
  protected override enableBusMastering(): void {
    // Firmware enabled memory decoding; bus mastering is left as it is (off).
  }
}

export default directIoDriver({
  name: 'direct-io-no-bus-mastering',
  breaksRule: 'DEV-1',
  description: 'Programs the device without enabling bus mastering in its command register.',
}, NoBusMasteringDevice);
