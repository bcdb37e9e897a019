/**
 * A page table: the encoded PTE (address-space.ts) of each virtual page that
 * has one, by virtual page number.
 *
 * Entries live in chunks of consecutive pages, typed arrays in which 0 means
 * "no PTE" (every encoded PTE is at least 1), not in a Map: a process that
 * touches tens of thousands of pages (the background process that fragments
 * memory) paid hundreds of nanoseconds per Map insertion as the map grew and
 * rehashed, more than the rest of the page fault. Consecutive pages, the
 * common case, stay in one chunk, which the table keeps at hand.
 */
const CHUNK_PAGES = 1024;

export class PageTable {
  private readonly chunks = new Map<number, Float64Array>();
  private count = 0;
  /** The chunk used last, and its number: page faults and trims walk pages in order. */
  private lastChunk: Float64Array | null = null;
  private lastChunkNumber = -1;

  get size(): number {
    return this.count;
  }

  get(vpn: number): number | undefined {
    const chunk = this.chunkOf(vpn, false);
    const pte = chunk ? chunk[vpn % CHUNK_PAGES]! : 0;
    return pte === 0 ? undefined : pte;
  }

  has(vpn: number): boolean {
    return this.get(vpn) !== undefined;
  }

  set(vpn: number, pte: number): this {
    if (!(Number.isSafeInteger(pte) && pte >= 1)) throw new RangeError(`internal: a PTE is a whole number of at least 1, got ${pte}`);
    const chunk = this.chunkOf(vpn, true)!;
    const i = vpn % CHUNK_PAGES;
    if (chunk[i] === 0) this.count++;
    chunk[i] = pte;
    return this;
  }

  delete(vpn: number): boolean {
    const chunk = this.chunkOf(vpn, false);
    const i = vpn % CHUNK_PAGES;
    if (!chunk || chunk[i] === 0) return false;
    chunk[i] = 0;
    this.count--;
    return true;
  }

  /** Every [vpn, pte], in page order. */
  *entries(): IterableIterator<[number, number]> {
    for (const number of [...this.chunks.keys()].sort((a, b) => a - b)) {
      const chunk = this.chunks.get(number)!;
      for (let i = 0; i < CHUNK_PAGES; i++) if (chunk[i] !== 0) yield [number * CHUNK_PAGES + i, chunk[i]!];
    }
  }

  *values(): IterableIterator<number> {
    for (const [, pte] of this.entries()) yield pte;
  }

  [Symbol.iterator](): IterableIterator<[number, number]> {
    return this.entries();
  }

  private chunkOf(vpn: number, create: boolean): Float64Array | undefined {
    const number = Math.floor(vpn / CHUNK_PAGES);
    if (number === this.lastChunkNumber) return this.lastChunk!;
    let chunk = this.chunks.get(number);
    if (!chunk) {
      if (!create) return undefined;
      chunk = new Float64Array(CHUNK_PAGES);
      this.chunks.set(number, chunk);
    }
    this.lastChunk = chunk;
    this.lastChunkNumber = number;
    return chunk;
  }
}
