/**
 * The DMA test device's error codes (docs/dma-device.md) and the rule a
 * driver broke to cause each: what a reviewer reads from the device's error
 * register and error address.
 */
import { DmaError, DmaErrorCode } from '../contracts/dma-test-device-registers';
import { Diagnosis, ambiguous, certain } from './diagnosis';
import type { DeviceErrorEvidence, Evidence } from './evidence';
import { diagnoseIommuFault } from './iommu-fault-rules';

const NAMES: Readonly<Record<number, string>> = Object.fromEntries(Object.entries(DmaError).map(([name, code]) => [code, name]));

export function deviceErrorName(code: DmaErrorCode): string {
  return NAMES[code] ?? `error ${code}`;
}

export function diagnoseDeviceError(error: DeviceErrorEvidence, evidence: Evidence): Diagnosis {
  const at = `0x${error.address.toString(16).toUpperCase()}`;
  switch (error.code) {
    case DmaError.BadLength:
      return certain('DEV-2', `the device refused a transfer (at ${at}) of zero length or longer than its maximum transfer: a request must be cut into transfers the device accepts`);
    case DmaError.DescriptorFault:
      return ambiguous(['DEV-1', 'CONT-1'], `the device could not fetch or write back a descriptor at ${at}: it was not programmed with the descriptors' device address`);
    case DmaError.MasterAbort:
      return ambiguous(['DEV-1', 'SG-1'], `a data request to ${at} was master-aborted: bus mastering off, or an address that is no device address of a mapped buffer`);
    case DmaError.IommuFault:
      return diagnoseIommuFault('SG-1', error.address, evidence);
    case DmaError.Hang:
    case DmaError.Aborted:
      return certain('DEV-3', `the transfer at ${at} was aborted (${deviceErrorName(error.code)}): completion must be found by interrupt or polling with a timeout that lets a working transfer finish`);
    default:
      return certain('DEV-3', `the device reported ${deviceErrorName(error.code)}`);
  }
}
