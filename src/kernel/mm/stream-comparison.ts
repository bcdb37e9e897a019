/**
 * How bytes compare with a stretch of a pattern's stream: the first byte
 * that differs (with what was there and what the stream has) and how many
 * differ. Filled piece by piece, so a check can skip the pieces it already
 * knows match (pattern frames holding that very stretch) without making
 * their bytes.
 */
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
