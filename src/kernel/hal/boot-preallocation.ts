/**
 * Contiguous DMA buffers preallocated at boot from a device's install
 * configuration (CONT-3, seed 002). Contiguous memory fragments as the
 * machine runs (CONT-2), so the toolkit lets an install file reserve buffers
 * right after boot: per direction a count (at most 256, 1 when not given), a
 * size and option flags that must include the direction and
 * KERNEL_BUFFER_ALLOC (0x41 to the device, 0x21 from it). The first
 * contiguous-buffer requests whose size and flags match receive them.
 *
 * The keys keep the install-file names (DmaToDeviceCount ...), so a
 * configuration reads like the INF lines it stands for.
 */
import { COST } from '../../machine/cost-model';
import { MiB, formatBytes } from '../../contracts/units';
import type { Kernel } from '../kernel';
import { MAXIMUM_32BIT_ADDRESS, MAXIMUM_64BIT_ADDRESS } from './device-description';
import { DMA_OPTION, MAXIMUM_PREALLOCATED_PER_DIRECTION, optionNames } from '../../contracts/user-dma-options';

export interface DmaInstallConfiguration {
  DmaToDeviceCount?: number;
  DmaToDeviceBytes?: number;
  DmaToDeviceOptions?: number;
  DmaFromDeviceCount?: number;
  DmaFromDeviceBytes?: number;
  DmaFromDeviceOptions?: number;
}

export type DmaDirection = 'to-device' | 'from-device';

export interface DirectionConfiguration {
  readonly direction: DmaDirection;
  readonly count: number;
  readonly bytes: number;
  readonly options: number;
}

export interface PreallocatedBuffer {
  readonly direction: DmaDirection;
  readonly bytes: number;
  readonly options: number;
  /** System virtual address of the buffer. */
  readonly va: number;
  readonly physicalAddress: number;
  inUse: boolean;
}

export class PreallocationConfigError extends Error {
  constructor(deviceName: string, problems: string[]) {
    super(`DMA preallocation configuration of device "${deviceName}" is invalid: ${problems.join('; ')}`);
    this.name = 'PreallocationConfigError';
  }
}

const KEYS = {
  'to-device': { count: 'DmaToDeviceCount', bytes: 'DmaToDeviceBytes', options: 'DmaToDeviceOptions', flag: DMA_OPTION.TO_DEVICE, other: DMA_OPTION.FROM_DEVICE },
  'from-device': { count: 'DmaFromDeviceCount', bytes: 'DmaFromDeviceBytes', options: 'DmaFromDeviceOptions', flag: DMA_OPTION.FROM_DEVICE, other: DMA_OPTION.TO_DEVICE },
} as const;

/** Check a configuration; returns the configured directions or throws naming every problem. */
export function validateInstallConfiguration(deviceName: string, c: DmaInstallConfiguration): DirectionConfiguration[] {
  const problems: string[] = [];
  const known = new Set<string>(Object.values(KEYS).flatMap((k) => [k.count, k.bytes, k.options]));
  for (const key of Object.keys(c)) if (!known.has(key)) problems.push(`unknown key ${key} (known: ${[...known].join(', ')})`);
  const result: DirectionConfiguration[] = [];
  for (const direction of ['to-device', 'from-device'] as const) {
    const k = KEYS[direction];
    const count = c[k.count];
    const bytes = c[k.bytes];
    const options = c[k.options];
    if (count === undefined && bytes === undefined && options === undefined) continue;
    const n = count ?? 1;
    if (!(Number.isSafeInteger(n) && n >= 0)) problems.push(`${k.count} must be a whole number, got ${count}`);
    else if (n > MAXIMUM_PREALLOCATED_PER_DIRECTION) problems.push(`${k.count} is ${n}; at most ${MAXIMUM_PREALLOCATED_PER_DIRECTION} buffers can be preallocated per direction`);
    if (bytes === undefined) problems.push(`${k.bytes} is missing`);
    else if (!(Number.isSafeInteger(bytes) && bytes > 0)) problems.push(`${k.bytes} must be a positive whole number of bytes, got ${bytes}`);
    const required = k.flag | DMA_OPTION.KERNEL_BUFFER_ALLOC;
    if (options === undefined) problems.push(`${k.options} is missing; it must include 0x${required.toString(16)} (${optionNames(required)})`);
    else if ((options & required) !== required) problems.push(`${k.options} is 0x${options.toString(16)} (${optionNames(options)}); it must include 0x${required.toString(16)} (${optionNames(required)})`);
    else if (options & k.other) problems.push(`${k.options} is 0x${options.toString(16)}: a ${direction} buffer cannot also carry ${optionNames(k.other)}`);
    result.push({ direction, count: n, bytes: bytes ?? 0, options: options ?? 0 });
  }
  if (problems.length) throw new PreallocationConfigError(deviceName, problems);
  return result;
}

/** The highest physical address a buffer with these options may use. */
export function highestAddressFor(options: number): number {
  if (options & DMA_OPTION.KBUF_BELOW_16M) return 16 * MiB - 1;
  if (options & DMA_OPTION.ALLOW_64BIT_ADDRESS) return MAXIMUM_64BIT_ADDRESS;
  return MAXIMUM_32BIT_ADDRESS;
}

/** Flags that say how to find a buffer rather than what buffer it is. */
const REQUEST_ONLY_FLAGS = DMA_OPTION.GET_PREALLOCATED_BUFFERS_ONLY;

export class BootPreallocation {
  readonly buffers: PreallocatedBuffer[] = [];
  /** Buffers the configuration asked for that could not be allocated at boot. */
  readonly failures: string[] = [];

  private constructor(readonly deviceName: string, readonly configuration: readonly DirectionConfiguration[]) {}

  static atBoot(kernel: Kernel, deviceName: string, c: DmaInstallConfiguration): BootPreallocation {
    const p = new BootPreallocation(deviceName, validateInstallConfiguration(deviceName, c));
    for (const d of p.configuration) {
      for (let i = 0; i < d.count; i++) {
        const va = kernel.mm.MmAllocateContiguousMemorySpecifyCache(d.bytes, 0, highestAddressFor(d.options), 0, d.options & DMA_OPTION.ALLOW_CACHE ? 'MmCached' : 'MmNonCached', `boot preallocation:${deviceName}`);
        kernel.clock.charge(COST.adapterCall.ns, 'hal:boot-preallocation');
        if (va === null) {
          p.failures.push(`${d.direction} buffer ${i + 1} of ${d.count} (${formatBytes(d.bytes)}): no contiguous memory; a larger non-paged pool or fewer buffers may help`);
          continue;
        }
        p.buffers.push({ direction: d.direction, bytes: d.bytes, options: d.options, va, physicalAddress: kernel.mm.physicalAddressOf(va), inUse: false });
      }
    }
    return p;
  }

  /**
   * The first free preallocated buffer whose direction, size and flags match
   * the request, or null. The request's flags match when they equal the
   * configured ones, KERNEL_BUFFER_ALLOC aside (the contiguous lock sets it).
   */
  take(bytes: number, options: number): PreallocatedBuffer | null {
    const wanted = (options | DMA_OPTION.KERNEL_BUFFER_ALLOC) & ~REQUEST_ONLY_FLAGS;
    for (const b of this.buffers) {
      if (!b.inUse && b.bytes === bytes && (b.options & ~REQUEST_ONLY_FLAGS) === wanted) {
        b.inUse = true;
        return b;
      }
    }
    return null;
  }

  /** The buffer is unlocked: the next matching request may have it. */
  giveBack(b: PreallocatedBuffer): void {
    if (!this.buffers.includes(b) || !b.inUse) throw new Error(`internal: preallocated buffer at 0x${b.va.toString(16)} given back but not taken`);
    b.inUse = false;
  }

  available(direction?: DmaDirection): number {
    return this.buffers.filter((b) => !b.inUse && (direction === undefined || b.direction === direction)).length;
  }
}
