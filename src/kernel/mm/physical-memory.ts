/**
 * Physical memory and its page-frame (PFN) database.
 *
 * The database is a set of typed arrays, 14 bytes per frame, so a 64 GiB
 * machine boots without an object per page. Page contents are sparse: a frame
 * that was never written has no buffer and reads as zeros, and a frame filled
 * from a seeded pattern (a device's stream) holds the pattern, not its bytes
 * (pattern-pages.ts), until something writes other bytes into it.
 *
 * Frames are handed out in a seeded scattered order (a bijection over the
 * frame indices), as on a machine that has run for a while: user buffers come
 * out physically discontiguous and contiguous allocation meets real
 * fragmentation. Freed frames are reused first, so a trimmed page's frame soon
 * holds another owner's data, which is what makes DMA into unlocked memory
 * dangerous.
 */
import { BootConfig, FOUR_GIB } from '../../machine/boot-config';
import { forEachChunk } from '../../machine/chunked-range';
import { PAGE_SIZE, offsetWithin, pageOf } from '../../contracts/units';
import { NumberStack } from './number-stack';
import { PagePattern, PatternPages } from './pattern-pages';
import { PageImage, imageBytes, isPatternImage, readImage } from './page-image';

/** The top of the physical address space: x64 defines at most 52 physical address bits (MAXPHYADDR), so no RAM or BAR reaches past 2^52. */
export const PHYSICAL_ADDRESS_LIMIT = 2 ** 52;

export const FrameState = {
  /** Not RAM: the device hole below 4 GiB or the first megabyte kept by firmware. */
  Absent: 0,
  Free: 1,
  /** In use and pageable: may be trimmed unless locked. */
  Pageable: 2,
  /** In use and never paged: non-paged pool, contiguous memory, common buffers. */
  NonPaged: 3,
} as const;
export type FrameStateValue = (typeof FrameState)[keyof typeof FrameState];

export const FrameFlag = {
  Dirty: 1,
  /** Part of a physically contiguous allocation. */
  Contiguous: 2,
  /** A device has read or written this frame by DMA since it was allocated. */
  DmaTouched: 4,
  /** Mapped non-cached (MmNonCached): CPU access costs more. */
  NonCached: 8,
  /**
   * Pageable memory shared byte for byte with a C driver's linear memory (src/personalities/c-wasm):
   * the trimmer leaves it resident, since the driver's loads and stores reach the frame directly.
   * It is not locked: the verifier still judges device access to it as to any pageable page.
   */
  SharedWithDriverCode: 16,
} as const;

/** Owner ids in the PFN database: 0 is nobody; the rest are registered owners. */
export const NO_OWNER = 0;

export interface FrameOwner {
  readonly ownerId: number;
  readonly ownerName: string;
}

export class OutOfPhysicalMemory extends Error {
  constructor(what: string) {
    super(`no free physical frame left for ${what}`);
    this.name = 'OutOfPhysicalMemory';
  }
}

/** The PFN database's arrays, one entry per frame. */
export interface PfnStorage {
  readonly state: Uint8Array;
  readonly flags: Uint8Array;
  readonly lockCount: Uint16Array;
  readonly shareCount: Uint16Array;
  readonly owner: Uint32Array;
  readonly ownerPage: Uint32Array;
  /**
   * Per run of 2^CLAIM_RUN_BITS frames: 1 when a frame in it was claimed since the arrays last matched
   * `baseline`. Outside the flags, only claimed frames and frames in use in the snapshot change (a free
   * frame's entry is zeros but for its state), so a restore from the same snapshot rewrites only those runs.
   */
  readonly claimed: Uint8Array;
  /** The snapshot the arrays match outside the claimed runs, or null when not known. */
  baseline: PhysicalMemorySnapshot | null;
}

/** 64 frames per run of the claimed map: scattered frames spread claims over many runs, so runs are short. */
const CLAIM_RUN_BITS = 6;

type PfnArrayName = 'state' | 'flags' | 'lockCount' | 'shareCount' | 'owner' | 'ownerPage';
type PfnArray = PfnStorage[PfnArrayName];
const PFN_ARRAYS: readonly PfnArrayName[] = ['state', 'flags', 'lockCount', 'shareCount', 'owner', 'ownerPage'];

/** Whether every byte of `a` is zero, read four at a time where the alignment allows. */
function isAllZero(a: PfnArray): boolean {
  const bytes = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  const words = bytes.byteOffset % 4 === 0 ? Math.floor(bytes.byteLength / 4) : 0;
  const wide = new Uint32Array(bytes.buffer, bytes.byteOffset, words);
  for (let i = 0; i < words; i++) if (wide[i] !== 0) return false;
  for (let i = words * 4; i < bytes.byteLength; i++) if (bytes[i] !== 0) return false;
  return true;
}

function allocatePfnStorage(frames: number): PfnStorage {
  return {
    state: new Uint8Array(frames), flags: new Uint8Array(frames), lockCount: new Uint16Array(frames), shareCount: new Uint16Array(frames), owner: new Uint32Array(frames), ownerPage: new Uint32Array(frames),
    claimed: new Uint8Array(Math.ceil(frames / 2 ** CLAIM_RUN_BITS)), baseline: null,
  };
}

/** The arrays a free frame never has other than zero, but for its state: only claims change them. */
const RUN_RESTORED_ARRAYS: readonly PfnArrayName[] = ['state', 'lockCount', 'shareCount', 'owner', 'ownerPage'];

/** The arrays that hold zeros for every frame until a frame is claimed (RUN_RESTORED_ARRAYS but `state`). */
const ZERO_UNTIL_CLAIMED: readonly PfnArrayName[] = RUN_RESTORED_ARRAYS.filter((name) => name !== 'state');

/** Frames [from, to) of one array as the snapshot has them. */
function restoreArray(a: PfnArray, snapshot: PhysicalMemorySnapshot, name: PfnArrayName, from: number, to: number): void {
  if (snapshot.zero.has(name)) a.fill(0, from, to);
  else a.set(snapshot.storage[name].subarray(from, to), from);
}

/** The runs of the claimed map holding a frame that is not free: a restore rewrites them whatever was claimed since. */
function runsInUse(state: Uint8Array): Uint8Array {
  const runs = new Uint8Array(Math.ceil(state.length / 2 ** CLAIM_RUN_BITS));
  for (let pfn = 0; pfn < state.length; pfn++) if (state[pfn] !== FrameState.Free) runs[pfn >>> CLAIM_RUN_BITS] = 1;
  return runs;
}

/** Physical memory at one moment (PhysicalMemory.snapshot), for src/machine/machine-snapshot.ts. */
export interface PhysicalMemorySnapshot {
  readonly frameLimit: number;
  readonly lowRamTop: number;
  readonly storage: PfnStorage;
  /** The arrays holding nothing but zeros (after boot, all but `state`): cleared, not copied, on restore. */
  readonly zero: ReadonlySet<PfnArrayName>;
  /** The runs of frames (see PfnStorage.claimed) with a frame in use. */
  readonly inUse: Uint8Array;
  readonly contents: readonly (readonly [number, Uint8Array])[];
  readonly owners: readonly FrameOwner[];
  readonly nextOwnerId: number;
  readonly freeStack: Uint32Array;
  readonly virginCursor: number;
  readonly freeCount: number;
}

/**
 * Where [physicalAddress, physicalAddress + length) starts in its page when it lies within that one page,
 * else -1. A device request never crosses a page: reads and writes take that case straight to the page,
 * without making a callback for forEachChunk.
 */
function offsetInOnePage(physicalAddress: number, length: number): number {
  const offset = offsetWithin(physicalAddress, PAGE_SIZE);
  return offset + length <= PAGE_SIZE ? offset : -1;
}

/** Reads of at most this many bytes from stored contents are copied byte by byte. */
const SMALL_READ = 64;

/** First frames below 1 MiB are kept by firmware, as on a PC. */
const FIRMWARE_FRAMES = 256;

export class PhysicalMemory {
  /** One past the highest RAM frame number: the length of the PFN arrays. */
  readonly frameLimit: number;
  readonly ramFrames: number;
  /** Top of RAM below the device hole, in bytes. */
  readonly lowRamTop: number;
  readonly highRamTop: number;

  readonly state: Uint8Array;
  readonly flags: Uint8Array;
  readonly lockCount: Uint16Array;
  readonly shareCount: Uint16Array;
  readonly owner: Uint32Array;
  /** The owner's page number for this frame (virtual page, file page or pool page). */
  readonly ownerPage: Uint32Array;
  private readonly claimed: Uint8Array;
  private baseline: PhysicalMemorySnapshot | null;

  private readonly contents = new Map<number, Uint8Array>();
  /** Frames whose contents are a pattern; a frame is never in both this and `contents`. */
  private readonly patterned: PatternPages;
  private readonly owners = new Map<number, FrameOwner>();
  private nextOwnerId = 1;

  /** Frames freed after use, reused first (LIFO); entries may be stale and are checked when popped. */
  private freeStack = new NumberStack();
  /** Never-used frames are visited in a seeded permuted order. */
  private virginCursor = 0;
  private readonly virginCount: number;
  private readonly permBits: number;
  private readonly keys: Uint32Array;
  private freeCount: number;
  /**
   * Whether a frame was ever handed out. Until one is, the arrays of ZERO_UNTIL_CLAIMED hold zeros, which
   * a snapshot of fresh memory need not scan (18 MiB on the 6 GiB machine) to learn.
   */
  private claimedAny = false;

  /** `restoreFrom`: start as `snapshot` instead of as booted, in `storage` (a released instance's arrays) when given; see restoreState. */
  constructor(private readonly config: BootConfig, restoreFrom?: { readonly snapshot: PhysicalMemorySnapshot; readonly storage: PfnStorage | null }) {
    const pages = (n: number) => Math.floor(n / PAGE_SIZE);
    this.lowRamTop = Math.min(config.ramBytes, FOUR_GIB - config.deviceHoleBytes);
    const highBytes = config.ramBytes - this.lowRamTop;
    this.highRamTop = highBytes > 0 ? FOUR_GIB + highBytes : this.lowRamTop;
    // The PFN database covers the installed RAM (and the device hole below it when RAM reaches past 4 GiB), not
    // the 4 GiB address space: a 256 MiB machine needs 0.9 MiB of metadata, not 14. Frames above the top of RAM
    // are not RAM (isRam), as before; only RAM frames are ever given PFN entries to read or change.
    this.frameLimit = pages(this.highRamTop);
    const storage = restoreFrom?.storage ?? allocatePfnStorage(this.frameLimit);
    if (storage.state.length !== this.frameLimit) throw new RangeError(`PFN storage for ${storage.state.length} frames given to a machine of ${this.frameLimit}`);
    ({ state: this.state, flags: this.flags, lockCount: this.lockCount, shareCount: this.shareCount, owner: this.owner, ownerPage: this.ownerPage, claimed: this.claimed, baseline: this.baseline } = storage);
    this.patterned = new PatternPages(this.frameLimit);
    if (!restoreFrom) {
      this.state.fill(FrameState.Free, FIRMWARE_FRAMES, pages(this.lowRamTop));
      if (highBytes > 0) this.state.fill(FrameState.Free, pages(FOUR_GIB), pages(this.highRamTop));
    }
    this.ramFrames = pages(this.lowRamTop) - FIRMWARE_FRAMES + pages(highBytes);
    this.freeCount = this.ramFrames;
    this.virginCount = this.ramFrames;
    this.permBits = Math.max(2, Math.ceil(Math.log2(this.virginCount)) + (Math.ceil(Math.log2(this.virginCount)) % 2));
    const keys = new Uint32Array(4);
    let s = (config.seed ^ 0x5bd1e995) >>> 0;
    for (let i = 0; i < 4; i++) {
      s = (Math.imul(s ^ (s >>> 16), 0x45d9f3b) + i) >>> 0;
      keys[i] = s;
    }
    this.keys = keys;
    if (restoreFrom) this.restoreState(restoreFrom.snapshot, restoreFrom.storage === null);
  }

  /** Bytes of simulator memory the PFN database takes per frame. */
  static readonly metadataBytesPerFrame = 1 + 1 + 2 + 2 + 4 + 4;

  get freeFrames(): number {
    return this.freeCount;
  }

  /** Bytes held by stored page contents (frames written with bytes and still allocated); pattern frames hold none. */
  get contentBytes(): number {
    return this.contents.size * PAGE_SIZE;
  }

  /** Frames whose contents are held as a pattern. */
  get patternFrames(): number {
    return this.patterned.count;
  }

  /** Bytes of simulator memory that describe the pattern frames. */
  get patternBytes(): number {
    return this.patterned.bytes;
  }

  registerOwner(make: (ownerId: number) => FrameOwner): FrameOwner {
    const o = make(this.nextOwnerId++);
    this.owners.set(o.ownerId, o);
    return o;
  }

  ownerOf(pfn: number): FrameOwner | undefined {
    return this.owners.get(this.owner[pfn]!);
  }

  isRam(pfn: number): boolean {
    return pfn >= 0 && pfn < this.frameLimit && this.state[pfn] !== FrameState.Absent;
  }

  /** Take one free frame for `owner`; scattered unless the machine was booted otherwise. */
  allocateFrame(owner: FrameOwner, ownerPage: number, state: FrameStateValue): number {
    const pfn = this.takeFreeFrame();
    if (pfn < 0) throw new OutOfPhysicalMemory(owner.ownerName);
    this.claim(pfn, owner, ownerPage, state);
    return pfn;
  }

  /**
   * `count` frames for `owner`'s pages `firstOwnerPage` onwards, in order: what as many allocateFrame
   * calls give, taken in one pass (the owner read once, not once a frame). Throws, having taken none,
   * when fewer frames are free.
   */
  allocateFrames(owner: FrameOwner, firstOwnerPage: number, count: number, state: FrameStateValue): Uint32Array {
    if (count > this.freeCount) throw new OutOfPhysicalMemory(owner.ownerName);
    const frames = new Uint32Array(count);
    const ownerId = owner.ownerId;
    for (let i = 0; i < count; i++) {
      // Free frames remain (counted above), so the search finds one.
      const pfn = this.takeFreeFrame();
      frames[i] = pfn;
      this.claimed[pfn >>> CLAIM_RUN_BITS] = 1;
      this.state[pfn] = state;
      this.flags[pfn] = 0;
      this.lockCount[pfn] = 0;
      this.shareCount[pfn] = 0;
      this.owner[pfn] = ownerId;
      this.ownerPage[pfn] = (firstOwnerPage + i) >>> 0;
    }
    this.freeCount -= count;
    this.claimedAny ||= count > 0;
    return frames;
  }

  tryAllocateFrame(owner: FrameOwner, ownerPage: number, state: FrameStateValue): number {
    const pfn = this.takeFreeFrame();
    if (pfn >= 0) this.claim(pfn, owner, ownerPage, state);
    return pfn;
  }

  /**
   * Find `count` free frames in a row whose addresses lie within [lowest, highest]
   * and that do not cross a multiple of `boundary` bytes (0: no boundary).
   * Searches from the top down, as Windows does. Returns the first PFN or -1.
   */
  allocateContiguous(owner: FrameOwner, count: number, lowest: number, highest: number, boundary: number): number {
    if (!Number.isSafeInteger(count) || count < 0) throw new RangeError(`allocateContiguous: count must be a whole number of frames, got ${count}`);
    if (!Number.isSafeInteger(lowest) || !Number.isSafeInteger(highest) || lowest < 0 || highest < 0) {
      throw new RangeError(`allocateContiguous: the acceptable range must be whole non-negative addresses, got ${lowest}..${highest}`);
    }
    // A boundary that is not a power of two of at least a page makes "does not cross" meaningless.
    if (boundary !== 0 && !(Number.isSafeInteger(boundary) && boundary >= PAGE_SIZE && Number.isInteger(Math.log2(boundary)))) {
      throw new RangeError(`allocateContiguous: boundary must be 0 or a power of two of at least one page, got ${boundary}`);
    }
    const lo = Math.max(Math.ceil(lowest / PAGE_SIZE), 0);
    const hi = Math.min(Math.floor((highest + 1) / PAGE_SIZE), this.frameLimit) - 1;
    const boundaryPages = boundary > 0 ? boundary / PAGE_SIZE : 0;
    if (count <= 0 || hi - lo + 1 < count) return -1;
    // The device hole below 4 GiB holds no RAM: a search entering it goes on below it at once
    // (frame by frame, each of its frames would only have reset the run).
    const holeFirst = Math.floor(this.lowRamTop / PAGE_SIZE);
    const holeEnd = Math.floor(FOUR_GIB / PAGE_SIZE);
    let run = 0;
    for (let pfn = hi; pfn >= lo; pfn--) {
      if (this.state[pfn] !== FrameState.Free) {
        run = 0;
        if (pfn > holeFirst && pfn < holeEnd) pfn = holeFirst;
        continue;
      }
      // A run must not cross a boundary: restart counting at each boundary line.
      if (boundaryPages > 0 && run > 0 && (pfn + 1) % boundaryPages === 0) run = 0;
      run++;
      if (run === count) {
        for (let i = 0; i < count; i++) {
          this.claim(pfn + i, owner, i, FrameState.NonPaged);
          this.flags[pfn + i]! |= FrameFlag.Contiguous;
        }
        return pfn;
      }
    }
    return -1;
  }

  /** Give a frame back. Its contents are forgotten; the next owner sees zeros. */
  freeFrame(pfn: number): void {
    if (this.state[pfn] === FrameState.Free || this.state[pfn] === FrameState.Absent) {
      throw new Error(`internal: freeing frame ${pfn} that is not in use`);
    }
    this.state[pfn] = FrameState.Free;
    this.flags[pfn] = 0;
    this.lockCount[pfn] = 0;
    this.shareCount[pfn] = 0;
    this.owner[pfn] = NO_OWNER;
    this.ownerPage[pfn] = 0;
    this.contents.delete(pfn);
    this.patterned.clear(pfn);
    this.freeStack.push(pfn);
    this.freeCount++;
  }

  // --- contents -------------------------------------------------------------

  /**
   * The page's bytes for reading, undefined when it reads as zeros. A pattern
   * frame's bytes come as a fresh copy: changing it does not change the frame.
   */
  peekPage(pfn: number): Uint8Array | undefined {
    const stored = this.contents.get(pfn);
    if (stored || !this.patterned.has(pfn)) return stored;
    const bytes = new Uint8Array(PAGE_SIZE);
    this.patterned.read(pfn, 0, bytes);
    return bytes;
  }

  /** Whether the frame's contents are held as a pattern (not stored bytes). */
  isPatternPage(pfn: number): boolean {
    return this.patterned.has(pfn);
  }

  /**
   * The page's bytes for writing, created on first write (a pattern frame's
   * bytes are generated into them: it is materialised). A CPU write marks
   * the frame modified, as the processor sets the PTE's dirty bit; a device's
   * write does not (`markDirty` false): no PTE sees DMA, and the memory
   * manager marks such pages modified only when an MDL locked for write
   * access is unlocked.
   */
  pageForWrite(pfn: number, markDirty = true): Uint8Array {
    let p = this.contents.get(pfn);
    if (!p) {
      p = new Uint8Array(PAGE_SIZE);
      if (this.patterned.has(pfn)) {
        this.patterned.read(pfn, 0, p);
        this.patterned.clear(pfn);
      }
      this.contents.set(pfn, p);
    }
    if (markDirty) this.flags[pfn]! |= FrameFlag.Dirty;
    return p;
  }

  /** Drop the page's contents: it reads as zeros again. */
  zeroPage(pfn: number): void {
    this.contents.delete(pfn);
    this.patterned.clear(pfn);
  }

  /** The page's contents to keep away from the frame, the caller's own: a copy of its bytes, its pattern stretch, or undefined for zeros. */
  pageImage(pfn: number): PageImage {
    const stored = this.contents.get(pfn);
    if (stored) return stored.slice();
    return this.patterned.imageOf(pfn) ?? undefined;
  }

  /**
   * The frame's contents become `image`, which the frame takes over (bytes
   * are not copied). A stretch stays a stretch, except on a frame shared
   * byte for byte with a C driver's memory, whose bytes get it.
   */
  setPageImage(pfn: number, image: PageImage): void {
    if (!isPatternImage(image)) {
      this.setPage(pfn, image);
      return;
    }
    if ((this.flags[pfn]! & FrameFlag.SharedWithDriverCode) !== 0) {
      readImage(image, 0, this.pageForWrite(pfn, false)); // into the bytes the driver sees
      return;
    }
    this.contents.delete(pfn);
    this.patterned.clear(pfn);
    if (!this.patterned.put(pfn, image)) this.setPage(pfn, imageBytes(image));
  }

  setPage(pfn: number, bytes: Uint8Array | undefined): void {
    this.patterned.clear(pfn);
    if (bytes) this.contents.set(pfn, bytes);
    else this.contents.delete(pfn);
  }

  read(physicalAddress: number, length: number, into?: Uint8Array, intoOffset = 0): Uint8Array {
    this.checkRange('read', physicalAddress, length);
    const out = into ?? new Uint8Array(length);
    const offset = offsetInOnePage(physicalAddress, length);
    if (offset < 0) forEachChunk(physicalAddress, length, PAGE_SIZE, (pfn, off, n, done) => this.readInPage(pfn, off, n, out, intoOffset + done));
    else if (length > 0) this.readInPage(pageOf(physicalAddress), offset, length, out, intoOffset);
    return out;
  }

  private readInPage(pfn: number, off: number, n: number, out: Uint8Array, at: number): void {
    const page = this.contents.get(pfn);
    if (page && n <= SMALL_READ) {
      // A device's descriptor fetch: a few bytes, copied without making a view of the page for them.
      for (let i = 0; i < n; i++) out[at + i] = page[off + i]!;
    } else if (page) out.set(n === PAGE_SIZE ? page : page.subarray(off, off + n), at);
    else if (this.patterned.has(pfn)) this.patterned.read(pfn, off, out.subarray(at, at + n));
    else out.fill(0, at, at + n);
  }

  /** Write bytes at a physical address; `by` 'device' leaves the frames' modified state alone (see pageForWrite). */
  write(physicalAddress: number, data: Uint8Array, from = 0, length = data.length - from, by: 'cpu' | 'device' = 'cpu'): void {
    this.checkRange('write', physicalAddress, length);
    if (!Number.isSafeInteger(from) || from < 0 || from + length > data.length) {
      throw new RangeError(`physical write: bytes ${from}..${from + length} lie outside the ${data.length}-byte source`);
    }
    const offset = offsetInOnePage(physicalAddress, length);
    if (offset < 0) forEachChunk(physicalAddress, length, PAGE_SIZE, (pfn, off, n, done) => this.writeInPage(pfn, off, n, data, from + done, by));
    else if (length > 0) this.writeInPage(pageOf(physicalAddress), offset, length, data, from, by);
  }

  private writeInPage(pfn: number, off: number, n: number, data: Uint8Array, from: number, by: 'cpu' | 'device'): void {
    this.pageForWrite(pfn, by === 'cpu').set(from === 0 && n === data.length ? data : data.subarray(from, from + n), off);
  }

  /**
   * Write the pattern's stream from `streamOffset` over `length` bytes at a
   * physical address: what `write` of `pattern.fill`'s bytes would leave,
   * held as the pattern wherever the frame can say so (the whole page is
   * written, or the rest of it is zeros or the adjoining stretch of the same
   * stream); elsewhere the bytes are stored. A frame shared byte for byte
   * with a C driver's memory always gets the bytes: the driver reads them
   * there.
   */
  writePattern(physicalAddress: number, length: number, pattern: PagePattern, streamOffset: number, by: 'cpu' | 'device' = 'cpu'): void {
    this.checkRange('write', physicalAddress, length);
    if (!Number.isSafeInteger(streamOffset) || streamOffset < 0) throw new RangeError(`physical pattern write: stream offset must be a whole non-negative number, got ${streamOffset}`);
    const offset = offsetInOnePage(physicalAddress, length);
    if (offset < 0) forEachChunk(physicalAddress, length, PAGE_SIZE, (pfn, off, n, done) => this.writePatternInPage(pfn, off, n, pattern, streamOffset + done, by));
    else if (length > 0) this.writePatternInPage(pageOf(physicalAddress), offset, length, pattern, streamOffset, by);
  }

  /** Bytes [off, off + n) of one frame get the stream from `at`: as the pattern when the frame can say so, else as bytes. */
  private writePatternInPage(pfn: number, off: number, n: number, pattern: PagePattern, at: number, by: 'cpu' | 'device'): void {
    const shared = (this.flags[pfn]! & FrameFlag.SharedWithDriverCode) !== 0;
    // A pattern frame has no stored bytes: the map of stored pages is asked only about other frames.
    const blank = this.patterned.has(pfn) || !this.contents.has(pfn);
    if (!shared && this.patterned.record(pfn, pattern, at - off, off, off + n, blank)) {
      if (!blank) this.contents.delete(pfn);
      if (by === 'cpu') this.flags[pfn]! |= FrameFlag.Dirty;
    } else {
      pattern.fill(at, this.pageForWrite(pfn, by === 'cpu').subarray(off, off + n));
    }
  }

  /**
   * Whether the `length` bytes at a physical address are known to be the
   * pattern's stream from `streamOffset` without generating them (every
   * frame holds that stretch as a pattern). False means "not known": read
   * the bytes and compare.
   */
  holdsPattern(physicalAddress: number, length: number, pattern: PagePattern, streamOffset: number): boolean {
    let holds = length > 0;
    forEachChunk(physicalAddress, length, PAGE_SIZE, (pfn, off, n, done) => {
      holds &&= this.isRam(pfn) && this.patterned.holds(pfn, off, n, pattern, streamOffset + done);
    });
    return holds;
  }

  /**
   * Position `index` of the seeded scattered order, as a PFN: the order in
   * which never-used frames are handed out. A bijection onto the RAM frames.
   */
  frameAtScatterIndex(index: number): number {
    if (!Number.isSafeInteger(index) || index < 0 || index >= this.virginCount) {
      throw new RangeError(`scatter index must lie in [0, ${this.virginCount}), got ${index}`);
    }
    return this.indexToPfn(this.permute(index));
  }

  // --- snapshot and restore (src/machine/machine-snapshot.ts) ---------------

  /**
   * The PFN database and page contents as they are now. The permutation keys
   * are not part of it: they come from the seed of the machine restored.
   */
  snapshot(): PhysicalMemorySnapshot {
    // Pattern frames are not kept: snapshots are taken of memory nothing has written yet (src/machine/machine-snapshot.ts).
    if (this.patterned.count > 0) throw new Error(`a snapshot of physical memory that holds ${this.patterned.count} pattern frame(s) is not supported`);
    const zero = new Set(PFN_ARRAYS.filter((name) => (!this.claimedAny && ZERO_UNTIL_CLAIMED.includes(name)) || isAllZero(this[name])));
    // An array of zeros is not kept: restore clears its array instead.
    const copy = <T extends PfnArray>(name: PfnArrayName, a: T): T => (zero.has(name) ? (a.subarray(0, 0) as T) : (a.slice() as T));
    const snapshot: PhysicalMemorySnapshot = {
      frameLimit: this.frameLimit,
      lowRamTop: this.lowRamTop,
      storage: {
        state: copy('state', this.state), flags: copy('flags', this.flags), lockCount: copy('lockCount', this.lockCount), shareCount: copy('shareCount', this.shareCount), owner: copy('owner', this.owner), ownerPage: copy('ownerPage', this.ownerPage),
        claimed: new Uint8Array(0), baseline: null,
      },
      zero,
      inUse: runsInUse(this.state),
      contents: [...this.contents].map(([pfn, bytes]) => [pfn, bytes.slice()] as const),
      owners: [...this.owners.values()],
      nextOwnerId: this.nextOwnerId,
      freeStack: this.freeStack.toArray(),
      virginCursor: this.virginCursor,
      freeCount: this.freeCount,
    };
    // From here on the arrays match the snapshot but for the runs claimed.
    this.claimed.fill(0);
    this.baseline = snapshot;
    return snapshot;
  }

  /**
   * Give this instance's arrays to a new one (restore into them instead of
   * allocating tens of MiB). This instance's arrays are empty afterwards, so a
   * late use of a released machine reads nothing of the machine that uses
   * them now. Null when already given away.
   */
  surrenderStorage(): PfnStorage | null {
    if (this.state.length === 0) return null;
    const storage: PfnStorage = {
      state: this.state, flags: this.flags, lockCount: this.lockCount, shareCount: this.shareCount, owner: this.owner, ownerPage: this.ownerPage,
      claimed: this.claimed, baseline: this.baseline,
    };
    Object.assign(this, allocatePfnStorage(0));
    this.contents.clear();
    this.freeCount = 0;
    return storage;
  }

  private restoreState(snapshot: PhysicalMemorySnapshot, fresh: boolean): void {
    if (snapshot.frameLimit !== this.frameLimit || snapshot.lowRamTop !== this.lowRamTop) {
      throw new RangeError(`a snapshot of ${snapshot.frameLimit} frames (RAM below 4 GiB up to 0x${snapshot.lowRamTop.toString(16)}) restored into a machine of ${this.frameLimit} (up to 0x${this.lowRamTop.toString(16)})`);
    }
    if (!fresh && this.baseline === snapshot) {
      // Arrays that matched this snapshot: only the runs claimed since, and those in use in it, differ. Flags are
      // the exception: a device's access marks any frame it reaches, free or not, so they are rewritten whole.
      restoreArray(this.flags, snapshot, 'flags', 0, this.frameLimit);
      for (let run = 0; run < this.claimed.length; run++) {
        if (this.claimed[run] === 0 && snapshot.inUse[run] === 0) continue;
        const from = run << CLAIM_RUN_BITS;
        const to = Math.min(from + 2 ** CLAIM_RUN_BITS, this.frameLimit);
        for (const name of RUN_RESTORED_ARRAYS) restoreArray(this[name], snapshot, name, from, to);
      }
    } else {
      for (const name of PFN_ARRAYS) {
        // Fresh arrays are zero already; leaving them untouched leaves their pages unmapped until used, as at boot.
        if (!snapshot.zero.has(name)) this[name].set(snapshot.storage[name]);
        else if (!fresh) this[name].fill(0);
      }
    }
    this.claimed.fill(0);
    this.baseline = snapshot;
    for (const [pfn, bytes] of snapshot.contents) this.contents.set(pfn, bytes.slice());
    for (const o of snapshot.owners) this.owners.set(o.ownerId, o);
    this.nextOwnerId = snapshot.nextOwnerId;
    this.freeStack = new NumberStack(snapshot.freeStack);
    this.virginCursor = snapshot.virginCursor;
    this.freeCount = snapshot.freeCount;
    // What the snapshot's arrays hold is not known here: a snapshot of this memory scans them.
    this.claimedAny = true;
  }

  // --- internals ------------------------------------------------------------

  /** Reading or writing past RAM (the device hole, firmware frames) is a caller bug: the bus routes BAR addresses, not this. */
  private checkRange(what: string, physicalAddress: number, length: number): void {
    if (!Number.isSafeInteger(physicalAddress) || physicalAddress < 0) throw new RangeError(`physical ${what}: address must be a whole non-negative number, got ${physicalAddress}`);
    if (!Number.isSafeInteger(length) || length < 0) throw new RangeError(`physical ${what}: length must be a whole non-negative number of bytes, got ${length}`);
    if (length === 0) return;
    const last = Math.floor((physicalAddress + length - 1) / PAGE_SIZE);
    for (let pfn = Math.floor(physicalAddress / PAGE_SIZE); pfn <= last; pfn++) {
      if (!this.isRam(pfn)) throw new RangeError(`physical ${what} of ${length} byte(s) at 0x${physicalAddress.toString(16)}: frame ${pfn} is not RAM`);
    }
  }

  private claim(pfn: number, owner: FrameOwner, ownerPage: number, state: FrameStateValue): void {
    this.claimed[pfn >>> CLAIM_RUN_BITS] = 1;
    this.claimedAny = true;
    this.state[pfn] = state;
    this.flags[pfn] = 0;
    this.lockCount[pfn] = 0;
    this.shareCount[pfn] = 0;
    this.owner[pfn] = owner.ownerId;
    this.ownerPage[pfn] = ownerPage >>> 0;
    this.freeCount--;
  }

  private takeFreeFrame(): number {
    while (this.freeStack.length > 0) {
      const pfn = this.freeStack.pop()!;
      if (this.state[pfn] === FrameState.Free) return pfn;
    }
    while (this.virginCursor < this.virginCount) {
      const pfn = this.indexToPfn(this.permute(this.virginCursor++));
      if (this.state[pfn] === FrameState.Free) return pfn;
    }
    // Everything was handed out once; sweep for frames freed behind the cursor's back.
    if (this.freeCount > 0) {
      for (let pfn = 0; pfn < this.frameLimit; pfn++) if (this.state[pfn] === FrameState.Free) return pfn;
    }
    return -1;
  }

  /** RAM frame index (0 .. ramFrames-1) to PFN, skipping firmware frames and the hole. */
  private indexToPfn(index: number): number {
    const low = Math.floor(this.lowRamTop / PAGE_SIZE) - FIRMWARE_FRAMES;
    return index < low ? index + FIRMWARE_FRAMES : Math.floor(FOUR_GIB / PAGE_SIZE) + (index - low);
  }

  /** A seeded bijection on [0, virginCount): Feistel rounds with cycle walking. */
  private permute(i: number): number {
    if (!this.config.scatterFrames) return i;
    let x = i;
    do x = this.feistel(x);
    while (x >= this.virginCount);
    return x;
  }

  private feistel(x: number): number {
    const half = this.permBits / 2;
    const mask = (1 << half) - 1;
    let l = Math.floor(x / (1 << half)) & mask;
    let r = x & mask;
    for (let round = 0; round < 4; round++) {
      const f = (Math.imul(r ^ this.keys[round]!, 0x9e3779b1) >>> 7) & mask;
      const t = r;
      r = l ^ f;
      l = t;
    }
    return l * (1 << half) + r;
  }
}
