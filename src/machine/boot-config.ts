/**
 * What the simulated machine looks like when it boots. Every scenario boots
 * its own machine from one of these; the seed makes the run repeatable.
 */
import { GiB, MiB, PAGE_SIZE } from '../contracts/units';
import type { DmaInstallConfiguration } from '../kernel/hal/boot-preallocation';

export type VerifierMode = 'bugcheck' | 'record';

export interface BootConfig {
  seed: number;
  /** Installed RAM. Frames sit below the device hole and above 4 GiB. */
  ramBytes: number;
  /** The memory-mapped I/O hole just below 4 GiB where PCI BARs are assigned. */
  deviceHoleBytes: number;
  nonPagedPoolBytes: number;
  pagedPoolBytes: number;
  /** System page-table entries available for mapping MDLs and I/O space into system space. */
  systemPtes: number;
  pagingFileBytes: number;
  /** Default working-set limits of a new process, in pages (hints only). */
  workingSetMinimumPages: number;
  workingSetMaximumPages: number;
  /** Device DMA is translated and confined by an IOMMU. */
  iommu: boolean;
  /** Driver Verifier's DMA checks: stop the machine (0xE6) or only record the finding. */
  verifierMode: VerifierMode;
  /** Hand frames out in a scattered order, as on a machine that has run for a while. */
  scatterFrames: boolean;
  /**
   * The HAL calls the execution routines of GetScatterGatherList,
   * BuildScatterGatherList and AllocateAdapterChannel later (from a DPC, in no
   * particular process), even when it could call them at once: Windows
   * promises only that they run at DISPATCH_LEVEL once the resources are there.
   */
  deferDmaCallbacks: boolean;
  /**
   * The most map registers IoGetDmaAdapter grants one adapter, whatever its description asks for:
   * Windows may grant fewer than asked, and a driver must cut longer requests into pieces that fit.
   */
  mapRegisterLimit: number;
  /** The bus-master DMA test device on the PCI bus (docs/dma-device.md). */
  dmaDevice: { addressBits: 32 | 64; maxTransferLength: number; patternSeed: number };
  /** On-board memory of the GPU-like device; 0 leaves it off the bus. */
  gpuMemoryBytes: number;
  /**
   * Contiguous DMA buffers to preallocate right after boot, per device name,
   * from its install configuration (CONT-3), before anything fragments memory.
   */
  dmaPreallocation: Record<string, DmaInstallConfiguration>;
}

export const FOUR_GIB = 4 * GiB;

export function defaultBootConfig(overrides: Partial<BootConfig> = {}): BootConfig {
  const config: BootConfig = {
    seed: 1,
    ramBytes: 8 * GiB,
    deviceHoleBytes: 512 * MiB,
    nonPagedPoolBytes: 64 * MiB,
    pagedPoolBytes: 128 * MiB,
    systemPtes: 64 * 1024,
    pagingFileBytes: 2 * GiB,
    workingSetMinimumPages: 50,
    workingSetMaximumPages: 345,
    iommu: false,
    verifierMode: 'bugcheck',
    scatterFrames: true,
    deferDmaCallbacks: false,
    mapRegisterLimit: 65536,
    dmaDevice: { addressBits: 64, maxTransferLength: 64 * 1024, patternSeed: 1 },
    gpuMemoryBytes: 256 * MiB,
    dmaPreallocation: {},
    ...overrides,
  };
  const unknown = Object.keys(overrides).filter((k) => !(k in DEFAULT_KEYS));
  if (unknown.length) throw new RangeError(`invalid boot configuration: unknown option(s) ${unknown.join(', ')}; known options: ${Object.keys(DEFAULT_KEYS).join(', ')}`);
  validateBootConfig(config);
  return config;
}

/** The option names a boot configuration has, to reject a misspelt one instead of ignoring it. */
const DEFAULT_KEYS: Record<keyof BootConfig, true> = {
  seed: true, ramBytes: true, deviceHoleBytes: true, nonPagedPoolBytes: true, pagedPoolBytes: true, systemPtes: true,
  pagingFileBytes: true, workingSetMinimumPages: true, workingSetMaximumPages: true, iommu: true, verifierMode: true,
  scatterFrames: true, deferDmaCallbacks: true, mapRegisterLimit: true, dmaDevice: true, gpuMemoryBytes: true, dmaPreallocation: true,
};

export function validateBootConfig(c: BootConfig): void {
  const problems: string[] = [];
  const pageMultiple = (name: keyof BootConfig) => {
    const v = c[name] as number;
    if (!Number.isSafeInteger(v) || v < 0 || v % PAGE_SIZE !== 0) problems.push(`${name} must be a whole number of pages, got ${v}`);
  };
  pageMultiple('ramBytes');
  pageMultiple('deviceHoleBytes');
  pageMultiple('nonPagedPoolBytes');
  pageMultiple('pagedPoolBytes');
  pageMultiple('pagingFileBytes');
  if (c.ramBytes < 64 * MiB) problems.push(`ramBytes must be at least 64 MiB, got ${c.ramBytes}`);
  if (c.ramBytes > 1024 * GiB) problems.push(`ramBytes above 1 TiB is not simulated, got ${c.ramBytes}`);
  if (c.deviceHoleBytes >= FOUR_GIB - 64 * MiB) problems.push('deviceHoleBytes leaves no RAM below 4 GiB');
  if (c.nonPagedPoolBytes + c.pagedPoolBytes > c.ramBytes / 2) problems.push('the pools may take at most half of RAM');
  if (!Number.isSafeInteger(c.systemPtes) || c.systemPtes < 16) problems.push(`systemPtes must be at least 16, got ${c.systemPtes}`);
  for (const k of ['workingSetMinimumPages', 'workingSetMaximumPages', 'gpuMemoryBytes'] as const) {
    if (!Number.isSafeInteger(c[k]) || c[k] < 0) problems.push(`${k} must be a whole number >= 0, got ${c[k]}`);
  }
  if (typeof c.iommu !== 'boolean') problems.push(`iommu must be true or false, got ${String(c.iommu)}`);
  if (typeof c.deferDmaCallbacks !== 'boolean') problems.push(`deferDmaCallbacks must be true or false, got ${String(c.deferDmaCallbacks)}`);
  if (!Number.isSafeInteger(c.mapRegisterLimit) || c.mapRegisterLimit < 1) problems.push(`mapRegisterLimit must be a whole number of at least 1, got ${c.mapRegisterLimit}`);
  if (typeof c.scatterFrames !== 'boolean') problems.push(`scatterFrames must be true or false, got ${String(c.scatterFrames)}`);
  if (c.verifierMode !== 'bugcheck' && c.verifierMode !== 'record') problems.push(`verifierMode must be "bugcheck" or "record", got ${String(c.verifierMode)}`);
  if (c.workingSetMinimumPages > c.workingSetMaximumPages) problems.push('workingSetMinimumPages exceeds workingSetMaximumPages');
  if (c.dmaDevice.addressBits !== 32 && c.dmaDevice.addressBits !== 64) problems.push(`dmaDevice.addressBits must be 32 or 64, got ${c.dmaDevice.addressBits}`);
  if (!(c.dmaDevice.maxTransferLength >= 512 && c.dmaDevice.maxTransferLength <= 16 * MiB)) problems.push(`dmaDevice.maxTransferLength must lie in 512 bytes .. 16 MiB, got ${c.dmaDevice.maxTransferLength}`);
  if (!Number.isSafeInteger(c.seed)) problems.push(`seed must be an integer, got ${c.seed}`);
  if (problems.length) throw new RangeError(`invalid boot configuration: ${problems.join('; ')}`);
}
