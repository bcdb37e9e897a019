/**
 * Walk a byte range in the pieces that fall into fixed-size chunks (pages of
 * RAM, file pages, GPU memory chunks): every sparse store in the simulator
 * reads and writes this way.
 */
export function forEachChunk(
  start: number,
  length: number,
  chunkSize: number,
  visit: (chunk: number, offsetInChunk: number, bytes: number, done: number) => void,
): void {
  for (let done = 0; done < length; ) {
    const at = start + done;
    const chunk = Math.floor(at / chunkSize);
    const offset = at - chunk * chunkSize;
    const bytes = Math.min(chunkSize - offset, length - done);
    visit(chunk, offset, bytes, done);
    done += bytes;
  }
}

/** Bytes stored sparsely in fixed-size chunks: a chunk never written costs nothing and reads as zeros. */
export class SparseBytes {
  readonly chunks = new Map<number, Uint8Array>();

  constructor(readonly chunkSize: number) {}

  read(offset: number, length: number): Uint8Array {
    const out = new Uint8Array(length);
    forEachChunk(offset, length, this.chunkSize, (c, off, n, done) => {
      const chunk = this.chunks.get(c);
      if (chunk) out.set(chunk.subarray(off, off + n), done);
    });
    return out;
  }

  write(offset: number, data: Uint8Array): void {
    forEachChunk(offset, data.length, this.chunkSize, (c, off, n, done) => {
      let chunk = this.chunks.get(c);
      if (!chunk) this.chunks.set(c, (chunk = new Uint8Array(this.chunkSize)));
      chunk.set(data.subarray(done, done + n), off);
    });
  }
}
