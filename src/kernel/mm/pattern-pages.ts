/**
 * Frames whose contents are a generated pattern instead of stored bytes.
 *
 * A device that fills memory from its seeded stream (and an application that
 * writes that stream) leaves pages whose every byte follows from the
 * pattern's seed and the stream offset of the page's first byte. Holding
 * those two numbers instead of 4 KiB lets a machine hold gigabytes of
 * written data in a few bytes per frame; the bytes are generated whenever
 * they are read, and a page is turned into real bytes (materialised) only
 * when something writes it other than from the same stretch of the stream.
 *
 * Per frame: the stream offset of its byte 0 (a double) and a 32-bit span
 * word: the pattern's id (1..255, 0 for "not a pattern frame"), the first
 * patterned byte and the last one; bytes of the page outside that span are
 * zeros. The arrays come in chunks of 256 frames (1 MiB of RAM), made on
 * the first pattern write into the chunk, so a machine that never sees one
 * pays nothing and a small one pays a few chunks.
 */
import { PAGE_SIZE } from '../../contracts/units';
import type { PatternImage } from './page-image';

/** A generator of bytes by stream offset, the same bytes for the same seed and offset. */
export interface PagePattern {
  readonly seed: number;
  /** Write the bytes of stream offsets [streamOffset, streamOffset + into.length) into `into`. */
  fill(streamOffset: number, into: Uint8Array): void;
}

/** `length` bytes of the pattern's stream from `streamOffset`, made (for memory that holds bytes, not a pattern). */
export function streamBytes(pattern: PagePattern, streamOffset: number, length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  pattern.fill(streamOffset, bytes);
  return bytes;
}

/** Small chunks: frames handed out scattered land in many chunks, each made whole (and zeroed) on its first use. */
const CHUNK_BITS = 8;
const CHUNK_FRAMES = 1 << CHUNK_BITS;
const CHUNK_MASK = CHUNK_FRAMES - 1;
/**
 * Chunks are views into slabs of this many: a typed array of this size has its own backing store outside
 * the JavaScript heap, whose allocation and release cost far more than a view (tens of thousands of chunks
 * a minute in the acceptance suite, where scattered frames reach a new chunk almost every time).
 */
const CHUNKS_PER_SLAB = 64;
/** Pattern ids fit in the span word's top byte; id 0 marks a frame with no pattern. */
const MAX_PATTERNS = 255;

export class PatternPages {
  private readonly base: (Float64Array | undefined)[];
  private readonly span: (Uint32Array | undefined)[];
  /** Index = pattern id; slot 0 is unused. */
  private readonly patterns: (PagePattern | undefined)[] = [undefined];
  private readonly idBySeed = new Map<number, number>();
  /** The pattern idOf was last asked about, and its id. */
  private lastPattern: PagePattern | null = null;
  private lastId = 0;
  private frames = 0;
  /** The slab chunks are cut from, and how many of its chunks are handed out. */
  private slabSpan: Uint32Array | null = null;
  private slabBase: Float64Array | null = null;
  private slabUsed = CHUNKS_PER_SLAB;
  private slabs = 0;

  constructor(frameLimit: number) {
    const chunks = Math.ceil(frameLimit / CHUNK_FRAMES);
    this.base = new Array<Float64Array | undefined>(chunks).fill(undefined);
    this.span = new Array<Uint32Array | undefined>(chunks).fill(undefined);
  }

  /** Frames held as a pattern. */
  get count(): number {
    return this.frames;
  }

  /** Bytes of simulator memory the chunks take (whole slabs). */
  get bytes(): number {
    return this.slabs * CHUNKS_PER_SLAB * CHUNK_FRAMES * (Uint32Array.BYTES_PER_ELEMENT + Float64Array.BYTES_PER_ELEMENT);
  }

  has(pfn: number): boolean {
    const s = this.span[pfn >>> CHUNK_BITS];
    return s !== undefined && s[pfn & CHUNK_MASK] !== 0;
  }

  /**
   * Record that bytes [from, to) of the frame now hold the pattern's stream
   * from offset `base + from`. True when the frame can say so as a pattern:
   * the whole page is written, or the frame already holds this stretch of the
   * same stream next to or over the new bytes, or the rest of the frame is
   * zeros (`blank`). False leaves the frame alone: the caller writes bytes.
   */
  record(pfn: number, pattern: PagePattern, base: number, from: number, to: number, blank: boolean): boolean {
    const id = this.idOf(pattern);
    if (id === 0) return false;
    const c = pfn >>> CHUNK_BITS;
    const i = pfn & CHUNK_MASK;
    const old = this.span[c]?.[i] ?? 0;
    let lo = from;
    let hi = to;
    if (from !== 0 || to !== PAGE_SIZE) {
      if (old !== 0) {
        if (old >>> 24 !== id || this.base[c]![i] !== base) return false;
        const oldFrom = (old >>> 12) & 0xfff;
        const oldTo = (old & 0xfff) + 1;
        if (oldTo < from || to < oldFrom) return false; // a gap of other bytes between the two stretches
        lo = Math.min(lo, oldFrom);
        hi = Math.max(hi, oldTo);
      } else if (!blank) {
        return false;
      }
    }
    if (!this.span[c]) this.makeChunk(c);
    if (old === 0) this.frames++;
    this.span[c]![i] = ((id << 24) | (lo << 12) | (hi - 1)) >>> 0;
    this.base[c]![i] = base;
    return true;
  }

  /** The frame holds no pattern any more (freed, written with other bytes, or given stored contents). */
  clear(pfn: number): void {
    const s = this.span[pfn >>> CHUNK_BITS];
    if (s === undefined || s[pfn & CHUNK_MASK] === 0) return;
    s[pfn & CHUNK_MASK] = 0;
    this.frames--;
  }

  /** Write bytes [offset, offset + into.length) of a pattern frame into `into` (zeros outside its span). */
  read(pfn: number, offset: number, into: Uint8Array): void {
    const c = pfn >>> CHUNK_BITS;
    const word = this.span[c]![pfn & CHUNK_MASK]!;
    const base = this.base[c]![pfn & CHUNK_MASK]!;
    const from = Math.max((word >>> 12) & 0xfff, offset);
    const to = Math.min((word & 0xfff) + 1, offset + into.length);
    if (to <= from) {
      into.fill(0);
      return;
    }
    into.fill(0, 0, from - offset);
    this.patterns[word >>> 24]!.fill(base + from, into.subarray(from - offset, to - offset));
    into.fill(0, to - offset);
  }

  /**
   * Whether bytes [offset, offset + length) of the frame are the pattern's
   * stream from `streamOffset`, known without generating them: the frame
   * holds that very stretch of the same stream. False means "not known".
   */
  holds(pfn: number, offset: number, length: number, pattern: PagePattern, streamOffset: number): boolean {
    const c = pfn >>> CHUNK_BITS;
    const word = this.span[c]?.[pfn & CHUNK_MASK] ?? 0;
    if (word === 0 || this.idBySeed.get(pattern.seed) !== word >>> 24) return false;
    return this.base[c]![pfn & CHUNK_MASK] === streamOffset - offset && ((word >>> 12) & 0xfff) <= offset && (word & 0xfff) + 1 >= offset + length;
  }

  /** The frame's stretch, to keep away from the frame (a file's page, a paging-file slot); null when it holds none. */
  imageOf(pfn: number): PatternImage | null {
    const c = pfn >>> CHUNK_BITS;
    const word = this.span[c]?.[pfn & CHUNK_MASK] ?? 0;
    if (word === 0) return null;
    return { pattern: this.patterns[word >>> 24]!, base: this.base[c]![pfn & CHUNK_MASK]!, from: (word >>> 12) & 0xfff, to: (word & 0xfff) + 1 };
  }

  /** The frame, holding nothing, now holds the stretch; false when it cannot say so (too many patterns): the caller stores bytes. */
  put(pfn: number, image: PatternImage): boolean {
    if (image.to <= image.from) return false;
    return this.record(pfn, image.pattern, image.base, image.from, image.to, true);
  }

  private makeChunk(c: number): void {
    if (this.slabUsed === CHUNKS_PER_SLAB) {
      this.slabSpan = new Uint32Array(CHUNKS_PER_SLAB * CHUNK_FRAMES);
      this.slabBase = new Float64Array(CHUNKS_PER_SLAB * CHUNK_FRAMES);
      this.slabUsed = 0;
      this.slabs++;
    }
    const from = this.slabUsed++ * CHUNK_FRAMES;
    this.span[c] = this.slabSpan!.subarray(from, from + CHUNK_FRAMES);
    this.base[c] = this.slabBase!.subarray(from, from + CHUNK_FRAMES);
  }

  private idOf(pattern: PagePattern): number {
    // A device writes page after page from one pattern: its id is looked up once, not per page.
    if (pattern === this.lastPattern) return this.lastId;
    const known = this.idBySeed.get(pattern.seed);
    if (known !== undefined) return this.remember(pattern, known);
    if (this.patterns.length > MAX_PATTERNS) return 0; // so many seeds on one machine: their pages are stored as bytes
    const id = this.patterns.length;
    this.patterns.push(pattern);
    this.idBySeed.set(pattern.seed, id);
    return this.remember(pattern, id);
  }

  private remember(pattern: PagePattern, id: number): number {
    this.lastPattern = pattern;
    this.lastId = id;
    return id;
  }
}
