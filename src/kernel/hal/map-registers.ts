/**
 * Map registers and bounce buffers (SG-6).
 *
 * A device that can emit only 32-bit addresses cannot reach a page at or
 * above 4 GiB. For such a device each map register owns a bounce page below
 * 4 GiB, reserved when the adapter is created; a transfer page the device
 * cannot reach is replaced by its register's bounce page. Data goes to the
 * bounce page when the transfer is mapped (host to device) and comes back from
 * it when the transfer is flushed (device to host), as the HAL does.
 *
 * A device that reaches every page (or reaches them through the IOMMU) needs
 * no bounce pages: its map registers are only a per-transfer limit, and
 * concurrent transfers do not compete.
 */
import { FOUR_GIB } from '../../machine/boot-config';
import { COST } from '../../machine/cost-model';
import { PAGE_SIZE } from '../../contracts/units';
import type { Kernel } from '../kernel';

/** What AllocateAdapterChannel hands the execution routine; also held privately by every scatter/gather list. */
export class MapRegisterBase {
  freed = false;

  constructor(
    /** A number that identifies the base in messages, counted per adapter. */
    readonly id: number,
    readonly adapterId: number,
    readonly count: number,
    /** Indexes of the bounce-capable registers held; empty when the adapter needs no bounce pages. */
    readonly registers: readonly number[],
  ) {}
}

export interface BouncePage {
  readonly va: number;
  readonly pa: number;
}

export class MapRegisterFile {
  private readonly freeRegisters: number[];
  /** Registers held by bases right now. */
  held = 0;
  /** Bytes copied to and from bounce pages, for reports and tests. */
  bytesBouncedToDevice = 0;
  bytesBouncedFromDevice = 0;
  private released = false;
  private basesMade = 0;

  private constructor(
    private readonly kernel: Kernel,
    readonly adapterId: number,
    /** Map registers the adapter was granted. */
    readonly granted: number,
    readonly highestAddress: number,
    private readonly bouncePages: BouncePage[] | null,
  ) {
    this.freeRegisters = bouncePages ? bouncePages.map((_, i) => bouncePages.length - 1 - i) : [];
  }

  /**
   * The register file of a new adapter, or null when not even one bounce page
   * could be reserved. A device that needs bounce pages may be granted fewer
   * registers than asked, down to the pages that could be reserved.
   */
  static create(kernel: Kernel, adapterId: number, granted: number, highestAddress: number, bouncing: boolean): MapRegisterFile | null {
    if (!bouncing) return new MapRegisterFile(kernel, adapterId, granted, highestAddress, null);
    const pages: BouncePage[] = [];
    const below = Math.min(highestAddress, FOUR_GIB - 1);
    for (let i = 0; i < granted; i++) {
      const va = kernel.faults.onBehalf(() => kernel.mm.MmAllocateContiguousMemorySpecifyCache(PAGE_SIZE, 0, below, 0, 'MmCached', 'hal:map-registers'));
      if (va === null) break;
      pages.push({ va, pa: kernel.mm.physicalAddressOf(va) });
    }
    if (pages.length === 0) return null;
    return new MapRegisterFile(kernel, adapterId, pages.length, highestAddress, pages);
  }

  /** True when the adapter's device cannot reach some RAM and bounces through map registers. */
  get bouncing(): boolean {
    return this.bouncePages !== null;
  }

  get freeCount(): number {
    return this.bouncing ? this.freeRegisters.length : this.granted;
  }

  /** The device cannot reach [pa, pa+length) and the bytes must go through a bounce page. */
  needsBounce(pa: number, length: number): boolean {
    return this.bouncing && pa + length - 1 > this.highestAddress;
  }

  /**
   * Take `count` registers, or null when more are asked than were granted or
   * (for a bouncing adapter) than are free right now.
   */
  allocate(count: number): MapRegisterBase | null {
    if (this.released) throw new Error(`internal: map registers of released adapter #${this.adapterId} allocated`);
    if (count > this.granted) return null;
    if (!this.bouncing) {
      this.held += count;
      return new MapRegisterBase(++this.basesMade, this.adapterId, count, []);
    }
    if (count > this.freeRegisters.length) return null;
    const registers = this.freeRegisters.splice(this.freeRegisters.length - count, count).reverse();
    this.held += count;
    return new MapRegisterBase(++this.basesMade, this.adapterId, count, registers);
  }

  release(base: MapRegisterBase): void {
    if (base.freed) throw new Error(`internal: map register base #${base.id} released twice`);
    base.freed = true;
    this.held -= base.count;
    if (this.bouncing && !this.released) for (let i = base.registers.length - 1; i >= 0; i--) this.freeRegisters.push(base.registers[i]!);
  }

  /** The bounce page of the `index`-th register of `base`. */
  bouncePage(base: MapRegisterBase, index: number): BouncePage {
    const register = base.registers[index];
    if (register === undefined || !this.bouncePages) throw new Error(`internal: map register ${index} of base #${base.id} has no bounce page`);
    return this.bouncePages[register]!;
  }

  /** Copy between an original page and its bounce page, at memcpy cost. */
  copy(fromPa: number, toPa: number, length: number, toDevice: boolean): void {
    const bytes = this.kernel.physical.read(fromPa, length);
    this.kernel.physical.write(toPa, bytes);
    this.kernel.clock.charge(length * COST.mapRegisterCopyPerByte.ns, 'hal:bounce-copy');
    if (toDevice) this.bytesBouncedToDevice += length;
    else this.bytesBouncedFromDevice += length;
  }

  /** PutDmaAdapter: give the bounce pages back. */
  releaseBouncePages(): void {
    if (this.released) return;
    this.released = true;
    for (const p of this.bouncePages ?? []) this.kernel.mm.MmFreeContiguousMemory(p.va);
  }
}
