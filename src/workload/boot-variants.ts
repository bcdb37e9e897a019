/**
 * The machines the workload fuzzer runs on. Some rules show only on some
 * machines: bounce buffers (SG-6) need a device that addresses 32 bits and
 * RAM above 4 GiB; a device-visible address that differs from the physical
 * one (CONT-1) needs the IOMMU; long runs of scattered frames need a machine
 * that hands frames out scattered; contiguous memory that is hard to get
 * (CONT-2) needs a machine that has run for a while. So each run draws its
 * machine too, and a counterexample names it. Shrinking moves towards the
 * first choice of each: a small, fresh, plain 64-bit machine whose HAL
 * grants what the driver asks for.
 */
import fc from 'fast-check';
import type { BootConfig } from '../machine/boot-config';
import { GiB, KiB, MiB, formatBytes } from '../contracts/units';

export interface BootVariant {
  readonly ramBytes: number;
  readonly addressBits: 32 | 64;
  readonly iommu: boolean;
  /** The DMA test device's longest transfer per descriptor. */
  readonly maxTransferLength: number;
  readonly scatterFrames: boolean;
  /**
   * The machine has run for a while after the driver started and before the
   * first application comes: a background process holds half the free
   * frames, scattered, so long physically contiguous runs are gone (buffers
   * preallocated at boot, and what the driver took at start, are not).
   */
  readonly fragmented: boolean;
  /** The HAL calls DMA execution routines later, from a DPC, even when it could call them at once. */
  readonly deferDmaCallbacks: boolean;
  /** The most map registers the HAL grants an adapter (BootConfig.mapRegisterLimit); absent: what the driver asks for. */
  readonly mapRegisterLimit?: number;
  readonly seed: number;
}

/** 256 MiB boots fast and fragments cheaply; 6 GiB puts RAM above 4 GiB. */
export const RAM_CHOICES = [256 * MiB, 6 * GiB] as const;

/** Fragmenting touches half the free frames: only the small machine does it quickly. */
export const FRAGMENTABLE_RAM = 256 * MiB;

export const bootVariants: fc.Arbitrary<BootVariant> = fc
  .record({
    ramBytes: fc.constantFrom(...RAM_CHOICES),
    addressBits: fc.constantFrom<32 | 64>(64, 32),
    iommu: fc.boolean(),
    maxTransferLength: fc.constantFrom(64 * KiB, 4 * KiB, 1 * MiB),
    scatterFrames: fc.constantFrom(true, false),
    fragmented: fc.oneof({ weight: 3, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
    deferDmaCallbacks: fc.boolean(),
    // A HAL that grants fewer map registers than asked makes a long request move in pieces (SG-1, SG-3 on a later piece's error path).
    mapRegisterLimit: fc.oneof({ weight: 3, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.constant(16) }),
    seed: fc.integer({ min: 1, max: 1000 }),
  })
  .map(({ mapRegisterLimit, ...v }): BootVariant => (mapRegisterLimit === undefined ? v : { ...v, mapRegisterLimit }))
  // A fragmented machine is the small one, handing frames out scattered (in order, touching frames fragments nothing).
  .map((v) => (v.fragmented ? { ...v, ramBytes: FRAGMENTABLE_RAM, scatterFrames: true } : v));

/** The boot configuration of a variant, with what the driver's class needs on top. */
export function bootConfigFor(variant: BootVariant, classOptions: Partial<BootConfig>): Partial<BootConfig> {
  return {
    seed: variant.seed,
    ramBytes: variant.ramBytes,
    nonPagedPoolBytes: 16 * MiB,
    pagedPoolBytes: 32 * MiB,
    pagingFileBytes: 1 * GiB,
    gpuMemoryBytes: 0,
    iommu: variant.iommu,
    scatterFrames: variant.scatterFrames,
    deferDmaCallbacks: variant.deferDmaCallbacks,
    ...(variant.mapRegisterLimit !== undefined ? { mapRegisterLimit: variant.mapRegisterLimit } : {}),
    dmaDevice: { addressBits: variant.addressBits, maxTransferLength: variant.maxTransferLength, patternSeed: variant.seed },
    ...classOptions,
  };
}

export function describeBootVariant(v: BootVariant): string {
  return `machine: ${formatBytes(v.ramBytes)} RAM${v.fragmented ? ' (fragmented once the driver has started)' : ''}, ${v.addressBits}-bit DMA device moving at most ${formatBytes(v.maxTransferLength)} per descriptor, IOMMU ${v.iommu ? 'on' : 'off'}, frames ${v.scatterFrames ? 'scattered' : 'in order'}${v.deferDmaCallbacks ? ', DMA callbacks deferred' : ''}${v.mapRegisterLimit !== undefined ? `, at most ${v.mapRegisterLimit} map registers per adapter` : ''}, seed ${v.seed}`;
}
