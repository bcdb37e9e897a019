/**
 * How bytes compare with a stretch of a pattern's stream: the first byte
 * that differs (with what was there and what the stream has) and how many
 * differ. Filled piece by piece, so a check can skip the pieces it already
 * knows match (pattern frames holding that very stretch) without making
 * their bytes.
 */
import { PAGE_SIZE } from '../../contracts/units';
import type { PagePattern } from './pattern-pages';

export class StreamComparison {
  /** Index of the first differing byte, -1 when none differs. */
  first = -1;
  /** The byte found there, and the stream's byte. */
  got = 0;
  expected = 0;
  differing = 0;

  get matches(): boolean {
    return this.first < 0;
  }

  /** The stream's bytes for the piece being compared, made once for the comparison (pieces are at most a page). */
  private expectedPiece: Uint8Array | null = null;

  /** Compare `actual` with the pattern's stream from `streamOffset`, the piece starting at byte `at` of the whole. */
  addStream(actual: Uint8Array, pattern: PagePattern, streamOffset: number, at: number): void {
    if (!this.expectedPiece || this.expectedPiece.length < actual.length) this.expectedPiece = new Uint8Array(Math.max(actual.length, PAGE_SIZE));
    const expected = this.expectedPiece.subarray(0, actual.length);
    pattern.fill(streamOffset, expected);
    this.add(actual, expected, at);
  }

  /** Compare `actual` with `expected` (the same length), the piece starting at byte `at` of the whole. */
  add(actual: Uint8Array, expected: Uint8Array, at: number): void {
    for (let i = 0; i < actual.length; i++) {
      if (actual[i] === expected[i]) continue;
      if (this.first < 0) {
        this.first = at + i;
        this.got = actual[i]!;
        this.expected = expected[i]!;
      }
      this.differing++;
    }
  }
}
