/**
 * The C driver's linear memory as the host uses it: C owns the stack and its
 * data below __heap_base; the host allocates everything above (kernel
 * structures, device extensions, the 4 KiB blocks system pages are aliased
 * to). Only the host grows the memory, so it can re-bind whatever holds a
 * view of the old buffer (memory.grow detaches every view).
 */
import { PAGE_SIZE } from '../../contracts/units';

/** Linear addresses stay below this; addresses from here up are tokens whose dereference traps. */
export const LINEAR_MEMORY_LIMIT = 0x8000_0000;
const WASM_PAGE = 65536;
/**
 * Grow in steps of this much: each growth re-binds every aliased frame, so not page by page; but each
 * scenario and fuzz run has a memory of its own, held outside the JavaScript heap, and steps of 16 MiB
 * made the garbage collector run a full collection for every few of them.
 */
const GROWTH_STEP = 1024 * 1024;

/** What the host knows of an 8-byte granule of its heap, for a checked build's access checks. */
export const Granule = { NeverAllocated: 0, Live: 1, Freed: 2 } as const;
export type GranuleState = (typeof Granule)[keyof typeof Granule];

export class LinearMemory {
  /** C's own stack and data lie below this; the host's heap starts here. */
  readonly heapStart: number;
  private granules: Uint8Array;
  private top: number;
  private readonly freeBlocks = new Map<number, number[]>();
  private readonly growthListeners: (() => void)[] = [];
  private buffer: ArrayBuffer;
  private u8: Uint8Array;
  private dv: DataView;

  constructor(readonly memory: WebAssembly.Memory, heapBase: number) {
    this.top = align(heapBase, 16);
    this.heapStart = this.top;
    this.granules = new Uint8Array(Math.max(0, memory.buffer.byteLength - this.heapStart) / 8 + 1);
    this.buffer = memory.buffer;
    this.u8 = new Uint8Array(this.buffer);
    this.dv = new DataView(this.buffer);
  }

  get bytes(): Uint8Array {
    this.refreshViews();
    return this.u8;
  }

  get view(): DataView {
    this.refreshViews();
    return this.dv;
  }

  /** A view of `length` bytes at `address` (valid until the next growth). */
  slice(address: number, length: number): Uint8Array {
    return new Uint8Array(this.memory.buffer, address, length);
  }

  /** Run `listener` after every growth. */
  whenGrown(listener: () => void): void {
    this.growthListeners.push(listener);
  }

  /** `size` zeroed bytes, aligned to `alignment` (a page for blocks that alias frames). */
  allocate(size: number, alignment = 8): number {
    const rounded = align(Math.max(size, 1), alignment >= PAGE_SIZE ? PAGE_SIZE : 8);
    const reuse = this.freeBlocks.get(blockKey(rounded, alignment));
    if (reuse && reuse.length > 0) {
      const address = reuse.pop()!;
      this.bytes.fill(0, address, address + rounded);
      this.mark(address, rounded, Granule.Live);
      return address;
    }
    const address = align(this.top, alignment);
    const end = address + rounded;
    if (end > LINEAR_MEMORY_LIMIT) throw new RangeError(`the C driver's linear memory is full: ${size} more bytes would pass ${LINEAR_MEMORY_LIMIT} bytes`);
    if (end > this.memory.buffer.byteLength) {
      const wanted = align(end + GROWTH_STEP, WASM_PAGE);
      this.memory.grow((wanted - this.memory.buffer.byteLength) / WASM_PAGE);
      this.refreshViews();
      const granules = new Uint8Array((this.memory.buffer.byteLength - this.heapStart) / 8 + 1);
      granules.set(this.granules);
      this.granules = granules;
      for (const listener of this.growthListeners) listener();
    }
    this.top = end;
    this.mark(address, rounded, Granule.Live);
    return address;
  }

  release(address: number, size: number, alignment = 8): void {
    const rounded = align(Math.max(size, 1), alignment >= PAGE_SIZE ? PAGE_SIZE : 8);
    const key = blockKey(rounded, alignment);
    this.mark(address, rounded, Granule.Freed);
    const list = this.freeBlocks.get(key) ?? [];
    list.push(address);
    this.freeBlocks.set(key, list);
  }

  /** The state of the first granule of [address, address + size) that is not live, or Live when all are. */
  stateOf(address: number, size: number): GranuleState {
    if (address + size <= this.heapStart) return Granule.Live;
    const first = Math.max(0, address - this.heapStart) >> 3;
    const last = (address + Math.max(size, 1) - 1 - this.heapStart) >> 3;
    for (let g = first; g <= last; g++) {
      const state = (this.granules[g] ?? Granule.NeverAllocated) as GranuleState;
      if (state !== Granule.Live) return state;
    }
    return Granule.Live;
  }

  private mark(address: number, size: number, state: GranuleState): void {
    this.granules.fill(state, (address - this.heapStart) >> 3, (address + size - this.heapStart + 7) >> 3);
  }

  readCString16(address: number, bytes: number): string {
    let s = '';
    for (let i = 0; i + 1 < bytes; i += 2) s += String.fromCharCode(this.view.getUint16(address + i, true));
    return s;
  }

  private refreshViews(): void {
    if (this.buffer === this.memory.buffer) return;
    this.buffer = this.memory.buffer;
    this.u8 = new Uint8Array(this.buffer);
    this.dv = new DataView(this.buffer);
  }
}

function align(n: number, to: number): number {
  return Math.ceil(n / to) * to;
}

function blockKey(size: number, alignment: number): number {
  return alignment >= PAGE_SIZE ? -size : size;
}
