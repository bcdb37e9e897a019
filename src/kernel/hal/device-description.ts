/**
 * DEVICE_DESCRIPTION: what a driver tells IoGetDmaAdapter about its device's
 * DMA, and what the HAL derives from it (SG-1): the highest address the
 * device can reach and the number of map registers the adapter gets.
 */
import { FOUR_GIB } from '../../machine/boot-config';
import { PAGE_SIZE } from '../../contracts/units';

export const DEVICE_DESCRIPTION_VERSION = 0;
export const DEVICE_DESCRIPTION_VERSION1 = 1;
export const DEVICE_DESCRIPTION_VERSION2 = 2;
export const DEVICE_DESCRIPTION_VERSION3 = 3;

/** Only PCI bus masters are simulated; the other INTERFACE_TYPE values exist so a description can name them. */
export type INTERFACE_TYPE = 'PCIBus' | 'Isa' | 'Internal' | 'PNPBus';

export interface DEVICE_DESCRIPTION {
  Version: number;
  /** A bus-master device (it has its own DMA engine). */
  Master: boolean;
  /** The device takes a list of (address, length) elements rather than one contiguous range. */
  ScatterGather: boolean;
  Dma32BitAddresses: boolean;
  /** Overrides Dma32BitAddresses when set. */
  Dma64BitAddresses: boolean;
  InterfaceType: INTERFACE_TYPE;
  /** The longest single transfer the device (driver) will ask to map, in bytes. */
  MaximumLength: number;
}

/**
 * Map registers one adapter may hold. Assumptions, stated as such: a device
 * that needs bounce buffers gets at most 1 MiB of them (bounce pages below
 * 4 GiB are scarce); one that does not is limited to 256 MiB per transfer.
 */
export const MAXIMUM_BOUNCING_MAP_REGISTERS = 256;
export const MAXIMUM_MAP_REGISTERS = 65536;

export const MAXIMUM_32BIT_ADDRESS = FOUR_GIB - 1;
/** Simulated addresses are numbers; a 64-bit device reaches all of them. */
export const MAXIMUM_64BIT_ADDRESS = Number.MAX_SAFE_INTEGER;

/** Why a description is invalid, or null when it is valid. */
export function describeInvalidDescription(d: DEVICE_DESCRIPTION): string | null {
  if (![0, 1, 2, 3].includes(d.Version)) return `DEVICE_DESCRIPTION.Version must be DEVICE_DESCRIPTION_VERSION .. DEVICE_DESCRIPTION_VERSION3 (0..3), got ${d.Version}`;
  if (!(Number.isSafeInteger(d.MaximumLength) && d.MaximumLength > 0)) return `DEVICE_DESCRIPTION.MaximumLength must be a positive whole number of bytes, got ${d.MaximumLength}`;
  return null;
}

/** Descriptions the simulator does not model (system DMA controllers, non-PCI buses): a limit of the simulator, not a driver error. */
export class UnsupportedDeviceDescription extends Error {
  constructor(why: string) {
    super(`IoGetDmaAdapter: ${why}; the simulator models PCI bus-master DMA only (Master = true, InterfaceType = 'PCIBus')`);
    this.name = 'UnsupportedDeviceDescription';
  }
}

export function checkSupported(d: DEVICE_DESCRIPTION): void {
  if (!d.Master) throw new UnsupportedDeviceDescription('Master is false (system DMA through a DMA controller)');
  if (d.InterfaceType !== 'PCIBus') throw new UnsupportedDeviceDescription(`InterfaceType is ${d.InterfaceType}`);
}

/**
 * The highest bus address the device can emit. Dma64BitAddresses overrides
 * Dma32BitAddresses; a PCI bus master that claims neither is treated as
 * 32-bit [inferred: PCI addressing is 32-bit unless the device says more].
 */
export function highestDeviceAddress(d: DEVICE_DESCRIPTION): number {
  return d.Dma64BitAddresses ? MAXIMUM_64BIT_ADDRESS : MAXIMUM_32BIT_ADDRESS;
}

/**
 * Map registers the description asks for: one per page of the longest
 * transfer, plus one because an unaligned transfer spans one more page.
 */
export function mapRegistersAskedFor(d: DEVICE_DESCRIPTION): number {
  return Math.ceil(d.MaximumLength / PAGE_SIZE) + 1;
}
