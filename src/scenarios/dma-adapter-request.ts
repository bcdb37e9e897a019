/**
 * Asking IoGetDmaAdapter for an adapter for the machine's DMA test device, as
 * a driver does at start: a PCI bus master that addresses 32 or 64 bits,
 * does scatter/gather, and maps transfers of at most some length (SG-1).
 */
import { Machine } from '../machine/machine';
import { DEVICE_DESCRIPTION, DEVICE_DESCRIPTION_VERSION3 } from '../kernel/hal/device-description';
import { DmaAdapter, adapterOf } from '../kernel/hal/dma-adapter';

export interface AdapterWish {
  readonly addressBits: 32 | 64;
  readonly maximumLength: number;
  readonly scatterGather?: boolean;
}

/** What a driver for the DMA test device asks for by default: its own addressing and 1 MiB transfers. */
export const DEFAULT_MAXIMUM_LENGTH = 1024 * 1024;

export function descriptionFor(wish: AdapterWish): DEVICE_DESCRIPTION {
  if (wish.addressBits !== 32 && wish.addressBits !== 64) throw new RangeError(`a device addresses 32 or 64 bits, not ${String(wish.addressBits)}`);
  return {
    Version: DEVICE_DESCRIPTION_VERSION3,
    Master: true,
    ScatterGather: wish.scatterGather ?? true,
    Dma32BitAddresses: true,
    Dma64BitAddresses: wish.addressBits === 64,
    InterfaceType: 'PCIBus',
    MaximumLength: wish.maximumLength,
  };
}

export type AdapterResult =
  | { readonly adapter: DmaAdapter; readonly granted: number; readonly failure: null }
  | { readonly adapter: null; readonly granted: 0; readonly failure: string };

/** IoGetDmaAdapter for the DMA test device, as `driver`; on NULL, the HAL's reason. */
export function getAdapterForTestDevice(machine: Machine, driver: string, wish: AdapterWish): AdapterResult {
  const granted = { value: 0 };
  const device = { name: machine.dmaDevice.name, requesterId: machine.dmaDevice.requesterId };
  const a = machine.cpu.inDriver(driver, () => machine.hal.IoGetDmaAdapter(device, descriptionFor(wish), granted));
  if (!a) return { adapter: null, granted: 0, failure: machine.hal.lastAdapterFailure ?? 'no reason given' };
  return { adapter: adapterOf(a), granted: granted.value, failure: null };
}
