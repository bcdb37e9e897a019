/**
 * The seeded data pattern the DMA test device produces and checks, in the
 * spirit of Linux dmatest: every byte depends on its offset in the stream, so
 * a copy that ran short, ran long, landed shifted or was overwritten shows up.
 *
 *   byte(i) = (~i & 0xFF) XOR (mix(seed, floor(i / 256)) & 0xFF)
 *
 * The inverted index makes neighbouring bytes differ (any shift of less than
 * 256 bytes changes every byte); the seeded per-256-byte mix makes blocks
 * differ from each other (so shifts by whole blocks show too) and makes
 * memory that still holds zeros, or another run's pattern, fail the check.
 */
import { detectionEnabled } from '../kernel/detections/detection-switch';
import type { PagePattern } from '../kernel/mm/pattern-pages';

/**
 * The 256 possible 256-byte blocks: block `key` is (~j & 0xFF) ^ key for j in
 * 0..255, so filling a block is one copy instead of a loop over its bytes.
 */
let blockTable: Uint8Array | null = null;
/** Each block of the table as its own view, so filling whole blocks makes no views. */
let blockViews: Uint8Array[] = [];
function blocks(): Uint8Array {
  if (blockTable) return blockTable;
  blockTable = new Uint8Array(256 * 256);
  for (let key = 0; key < 256; key++) for (let j = 0; j < 256; j++) blockTable[key * 256 + j] = (~j & 0xff) ^ key;
  blockViews = Array.from({ length: 256 }, (_, key) => blockTable!.subarray(key * 256, key * 256 + 256));
  return blockTable;
}

export class DataPattern implements PagePattern {
  constructor(readonly seed: number) {
    if (!Number.isSafeInteger(seed)) throw new RangeError(`pattern seed must be an integer, got ${seed}`);
  }

  byteAt(offset: number): number {
    return (~offset & 0xff) ^ (mixBlock(this.seed, Math.floor(offset / 256)) & 0xff);
  }

  /** The bytes of stream offsets [offset, offset + length). */
  expected(offset: number, length: number): Uint8Array {
    const out = new Uint8Array(length);
    this.fill(offset, out);
    return out;
  }

  /** Write the pattern of stream offsets [offset, offset + into.length) into `into`. */
  fill(offset: number, into: Uint8Array): void {
    checkOffset(offset, into.length);
    const table = blocks();
    let i = 0;
    while (i < into.length) {
      const at = offset + i;
      const block = Math.floor(at / 256);
      const key = mixBlock(this.seed, block) & 0xff;
      const inBlock = at - block * 256;
      const n = Math.min(into.length - i, 256 - inBlock);
      if (n === 256) into.set(blockViews[key]!, i);
      else into.set(table.subarray(key * 256 + inBlock, key * 256 + inBlock + n), i);
      i += n;
    }
  }

  /** Index in `actual` of the first byte that differs from the pattern at `offset`, or -1. */
  firstMismatch(offset: number, actual: Uint8Array): number {
    const expected = this.expected(offset, actual.length);
    for (let i = 0; i < actual.length; i++) if (actual[i] !== expected[i]) return i;
    return -1;
  }
}

export interface PatternMismatch {
  readonly offset: number;
  readonly expected: number;
  readonly got: number;
}

/** Checks bytes a device received against the pattern and keeps the evidence. */
export class PatternChecker {
  /** The first mismatches found, for the report; `mismatchCount` counts them all. */
  static readonly keptMismatches = 64;
  bytesChecked = 0;
  mismatchCount = 0;
  readonly mismatches: PatternMismatch[] = [];

  constructor(readonly pattern: DataPattern) {}

  check(offset: number, received: Uint8Array): void {
    if (!detectionEnabled('WRITE-DATA-CHECK')) return;
    const expected = this.pattern.expected(offset, received.length);
    for (let i = 0; i < received.length; i++) {
      if (received[i] === expected[i]) continue;
      this.mismatchCount++;
      if (this.mismatches.length < PatternChecker.keptMismatches) this.mismatches.push({ offset: offset + i, expected: expected[i]!, got: received[i]! });
    }
    this.bytesChecked += received.length;
  }

  get clean(): boolean {
    return this.mismatchCount === 0;
  }

  clear(): void {
    this.bytesChecked = 0;
    this.mismatchCount = 0;
    this.mismatches.length = 0;
  }
}

/** A 32-bit avalanche hash of (seed, block) (murmur3's finaliser). */
function mixBlock(seed: number, block: number): number {
  let h = (seed ^ Math.imul(block >>> 0, 0x9e3779b1) ^ Math.imul(Math.floor(block / 2 ** 32), 0x85ebca6b)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

function checkOffset(offset: number, length: number): void {
  if (!Number.isSafeInteger(offset) || offset < 0 || !Number.isSafeInteger(offset + length)) throw new RangeError(`pattern stream offset must be a non-negative integer, got ${offset}`);
}
