/**
 * The kinds of machine every class's standard workload must run clean on.
 * A driver that is right on its writer's workstation can still be wrong where
 * the device sees other addresses than the CPU (an IOMMU), where memory lies
 * beyond what the device addresses (bounce buffers), where the HAL calls DMA
 * execution routines later, grants fewer map registers than asked, cuts
 * transfers into small descriptors, or where memory has fragmented. Each kind
 * changes one thing of a small plain machine, so a failure names the thing.
 */
import { GiB, KiB, MiB } from '../contracts/units';
import type { BootVariant } from '../workload/boot-variants';

/** Small (it boots fast), a 64-bit device, frames handed out scattered, nothing deferred or limited. */
export const PLAIN_MACHINE: BootVariant = { ramBytes: 256 * MiB, addressBits: 64, iommu: false, maxTransferLength: 64 * KiB, scatterFrames: true, fragmented: false, deferDmaCallbacks: false, seed: 1 };

export const MACHINE_KINDS = {
  'an IOMMU': { ...PLAIN_MACHINE, iommu: true },
  'a 32-bit device and 6 GiB of RAM': { ...PLAIN_MACHINE, ramBytes: 6 * GiB, addressBits: 32 },
  'DMA execution routines deferred to a DPC': { ...PLAIN_MACHINE, deferDmaCallbacks: true },
  'at most 16 map registers per adapter': { ...PLAIN_MACHINE, mapRegisterLimit: 16 },
  'a device that moves at most 4 KiB per descriptor': { ...PLAIN_MACHINE, maxTransferLength: 4 * KiB },
  'memory fragmented once the driver has started': { ...PLAIN_MACHINE, fragmented: true },
} as const satisfies Readonly<Record<string, BootVariant>>;

export type MachineKind = keyof typeof MACHINE_KINDS;

/** The machine of a kind ("a machine with <kind>"), or an error that lists the kinds there are. */
export function machineOfKind(name: string): BootVariant {
  const kind = (MACHINE_KINDS as Readonly<Record<string, BootVariant>>)[name];
  if (!kind) throw new Error(`no machine kind "${name}"; the kinds are: ${Object.keys(MACHINE_KINDS).map((k) => `"${k}"`).join(', ')}`);
  return kind;
}
