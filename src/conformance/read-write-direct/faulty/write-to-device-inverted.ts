/**
 * Faulty variant of the direct-I/O driver (VER-DIRECTION-MISMATCH): it
 * reads WriteToDevice as "the device writes" and so passes the opposite of
 * the request's direction to GetScatterGatherList (and, consistently, to
 * PutScatterGatherList). The device is still programmed the right way, and
 * on a 64-bit device without an IOMMU the data even arrives; only bounce
 * buffers (copied the wrong way) or a remapping IOMMU would show it.
 */
import { DirectIoDevice, TransferMapping, directIoDriver, scatterGatherMappingWith } from '../reference';

/** "WriteToDevice: the device writes the buffer", i.e. TRUE for a read. */
const invertedMapping = scatterGatherMappingWith((request) => !request.write);

class WriteToDeviceInvertedDevice extends DirectIoDevice {
  protected override transferMapping(): TransferMapping {
    return invertedMapping;
  }
}

export default directIoDriver({
  name: 'direct-io-write-to-device-inverted',
  breaksRule: 'VER-DIRECTION-MISMATCH',
  description: 'Passes WriteToDevice as "the device writes memory": TRUE for reads, FALSE for writes, the opposite of what the device then does.',
}, WriteToDeviceInvertedDevice);
