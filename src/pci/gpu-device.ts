/**
 * A GPU-like PCI device: a small register BAR and a large prefetchable
 * 64-bit memory BAR that exposes its on-board memory. The memory is stored
 * sparsely (a 256 MiB card costs nothing until written). Its own allocator
 * hands out GPU memory for GPU-direct DMA: another device that masters a
 * transfer into an allocation's bus range lands in GPU memory, peer to peer,
 * without touching host RAM.
 */
import { SparseBytes } from '../machine/chunked-range';
import { MiB, KiB } from '../contracts/units';
import { PciConfigSpace, allOnes } from './config-space';
import { AccessWidth, BusConnection, PciFunction } from './pci-function';

export const GpuBar = { Registers: 0, Memory: 2 } as const;
export const GpuRegister = {
  Id: 0x00,
  /** On-board memory in MiB. */
  MemoryMiB: 0x04,
  /** Bytes currently allocated by the GPU allocator. */
  AllocatedBytesLow: 0x08,
  AllocatedBytesHigh: 0x0c,
} as const;
export const GPU_ID_VALUE = 0x47505501; // "GPU" and revision 1
export const GPU_VENDOR_ID = 0xda7a;
export const GPU_DEVICE_ID = 0x0002;
/** Allocations are aligned to 64 KiB, the page size GPU-direct RDMA pins at. */
export const GPU_ALLOCATION_ALIGNMENT = 64 * KiB;

const CHUNK = 64 * KiB;
const TWO_32 = 2 ** 32;

/** One allocation of GPU memory. */
export interface GpuAllocation {
  readonly handle: number;
  /** Offset in the GPU's memory (and in its memory BAR). */
  readonly offset: number;
  readonly length: number;
  /** Where a peer device reaches it: the memory BAR's bus address plus the offset. */
  readonly busAddress: number;
}

export interface GpuDeviceOptions {
  readonly name?: string;
  /** On-board memory, a power of two; default 256 MiB. */
  readonly memoryBytes?: number;
}

export class GpuDevice implements PciFunction {
  readonly name: string;
  readonly config: PciConfigSpace;
  readonly memoryBytes: number;
  private connection: BusConnection | null = null;
  /** Sparse on-board memory: 64 KiB chunks created on first write. */
  private readonly memory = new SparseBytes(CHUNK);
  /** Live allocations by handle, and the free list as sorted [offset, end) ranges. */
  private readonly allocations = new Map<number, GpuAllocation>();
  private free: Array<{ offset: number; end: number }>;
  private nextHandle = 1;
  private allocatedBytes = 0;

  constructor(options: GpuDeviceOptions = {}) {
    this.name = options.name ?? 'gpu0';
    this.memoryBytes = options.memoryBytes ?? 256 * MiB;
    if (!Number.isSafeInteger(this.memoryBytes) || this.memoryBytes < CHUNK || 2 ** Math.round(Math.log2(this.memoryBytes)) !== this.memoryBytes) {
      throw new RangeError(`GPU memory must be a power of two of at least 64 KiB, got ${this.memoryBytes}`);
    }
    this.free = [{ offset: 0, end: this.memoryBytes }];
    this.config = new PciConfigSpace({
      vendorId: GPU_VENDOR_ID,
      deviceId: GPU_DEVICE_ID,
      classCode: 0x030200, // display controller, 3D controller
      bars: [
        { kind: 'memory', size: 64 * KiB },
        undefined,
        { kind: 'memory', size: this.memoryBytes, is64Bit: true, prefetchable: true },
        undefined,
      ],
      dma64BitCapable: true,
      interruptPin: 1,
    });
  }

  attach(connection: BusConnection): void {
    if (this.connection) throw new Error(`${this.name} is already attached to a bus`);
    this.connection = connection;
  }

  get requesterId(): number {
    if (!this.connection) throw new Error(`${this.name} is not attached to a PCI bus`);
    return this.connection.requesterId;
  }

  get memoryBarAddress(): number {
    const base = this.config.barAddress(GpuBar.Memory);
    if (base === null) throw new Error(`${this.name}: memory BAR is not assigned; attach the device to the bus first`);
    return base;
  }

  /** cudaMalloc's counterpart: first fit, 64 KiB aligned; null when no range is free. */
  allocateGpuMemory(bytes: number): GpuAllocation | null {
    if (!Number.isSafeInteger(bytes) || bytes <= 0) throw new RangeError(`GPU allocation size must be a positive whole number of bytes, got ${bytes}`);
    const length = Math.ceil(bytes / GPU_ALLOCATION_ALIGNMENT) * GPU_ALLOCATION_ALIGNMENT;
    const i = this.free.findIndex((r) => r.end - r.offset >= length);
    if (i < 0) return null;
    const range = this.free[i]!;
    const offset = range.offset;
    if (range.end - range.offset === length) this.free.splice(i, 1);
    else this.free[i] = { offset: offset + length, end: range.end };
    const allocation: GpuAllocation = { handle: this.nextHandle++, offset, length, busAddress: this.memoryBarAddress + offset };
    this.allocations.set(allocation.handle, allocation);
    this.allocatedBytes += length;
    return allocation;
  }

  /** cudaFree's counterpart. The memory keeps its contents until reused. */
  freeGpuMemory(allocation: GpuAllocation): void {
    if (this.allocations.get(allocation.handle) !== allocation) {
      throw new Error(`${this.name}: GPU allocation ${allocation.handle} is not live (freed twice, or not from this GPU)`);
    }
    this.allocations.delete(allocation.handle);
    this.allocatedBytes -= allocation.length;
    this.free.push({ offset: allocation.offset, end: allocation.offset + allocation.length });
    this.free.sort((a, b) => a.offset - b.offset);
    const merged: Array<{ offset: number; end: number }> = [];
    for (const r of this.free) {
      const last = merged[merged.length - 1];
      if (last && last.end === r.offset) last.end = r.end;
      else merged.push({ ...r });
    }
    this.free = merged;
  }

  /** The live allocation that wholly contains [busAddress, busAddress + length), or null (DEV-7's check). */
  allocationContaining(busAddress: number, length: number): GpuAllocation | null {
    for (const a of this.allocations.values()) {
      if (busAddress >= a.busAddress && busAddress + length <= a.busAddress + a.length) return a;
    }
    return null;
  }

  get liveAllocations(): number {
    return this.allocations.size;
  }

  /** Read GPU memory at an offset (what cudaMemcpy device-to-host would see). */
  readGpuMemory(offset: number, length: number): Uint8Array {
    this.checkRange(offset, length);
    return this.memory.read(offset, length);
  }

  writeGpuMemory(offset: number, bytes: Uint8Array): void {
    this.checkRange(offset, bytes.length);
    this.memory.write(offset, bytes);
  }

  /** Bytes of simulator memory the sparse store holds. */
  get storedBytes(): number {
    return this.memory.chunks.size * CHUNK;
  }

  // --- bus side ----------------------------------------------------------------------------

  readRegister(bar: number, offset: number, width: AccessWidth): number {
    if (this.config.removed) return allOnes(width);
    if (bar === GpuBar.Memory) return littleEndian(this.readGpuMemory(offset, width));
    if (bar !== GpuBar.Registers) throw new RangeError(`${this.name} has no BAR${bar}`);
    const reg = offset - (offset % 4);
    const value =
      reg === GpuRegister.Id ? GPU_ID_VALUE
      : reg === GpuRegister.MemoryMiB ? this.memoryBytes / MiB
      : reg === GpuRegister.AllocatedBytesLow ? this.allocatedBytes % TWO_32
      : reg === GpuRegister.AllocatedBytesHigh ? Math.floor(this.allocatedBytes / TWO_32)
      : 0;
    return Math.floor(value / 2 ** (8 * (offset % 4))) % 2 ** (8 * width);
  }

  writeRegister(bar: number, offset: number, width: AccessWidth, value: number): void {
    if (this.config.removed) return;
    if (bar === GpuBar.Memory) {
      const bytes = new Uint8Array(width);
      for (let i = 0; i < width; i++) bytes[i] = Math.floor(value / 2 ** (8 * i)) & 0xff;
      this.writeGpuMemory(offset, bytes);
      return;
    }
    if (bar !== GpuBar.Registers) throw new RangeError(`${this.name} has no BAR${bar}`);
    // The registers are read-only.
  }

  /** Peer-to-peer: into the memory BAR in bulk; the register BAR answers byte by byte. */
  readMemory(bar: number, offset: number, length: number): Uint8Array {
    if (bar === GpuBar.Memory && !this.config.removed) return this.readGpuMemory(offset, length);
    const out = new Uint8Array(length);
    for (let i = 0; i < length; i++) out[i] = this.readRegister(bar, offset + i, 1);
    return out;
  }

  writeMemory(bar: number, offset: number, bytes: Uint8Array): void {
    if (this.config.removed) return;
    if (bar === GpuBar.Memory) this.writeGpuMemory(offset, bytes);
    else if (bar !== GpuBar.Registers) throw new RangeError(`${this.name} has no BAR${bar}`);
  }

  private checkRange(offset: number, length: number): void {
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0 || offset + length > this.memoryBytes) {
      throw new RangeError(`${this.name}: range ${offset}+${length} is outside its ${this.memoryBytes} bytes of memory`);
    }
  }
}

function littleEndian(bytes: Uint8Array): number {
  let v = 0;
  for (let i = bytes.length - 1; i >= 0; i--) v = v * 256 + bytes[i]!;
  return v;
}
