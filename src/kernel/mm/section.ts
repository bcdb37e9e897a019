/**
 * Files and the sections that map them. A file's contents are stored sparsely
 * by page. A section keeps one frame per resident file page (its prototype
 * PTEs), shared by every view of it; a view page that is not resident is read
 * from the file when touched or locked, and flushing a view writes its dirty
 * pages back.
 */
import { forEachChunk } from '../../machine/chunked-range';
import { PAGE_SIZE } from '../../contracts/units';
import { PageImage, PatternImage, imageBytes, imageHolds, readImage } from './page-image';
import { PagePattern, streamBytes } from './pattern-pages';
import { FrameOwner } from './physical-memory';
import { StreamComparison } from './stream-comparison';

export class SimulatedFile {
  /** The file's pages on disk, by page index: bytes, or the stretch of a pattern a page written from one holds. */
  readonly pages = new Map<number, Uint8Array | PatternImage>();
  reads = 0;
  writes = 0;

  constructor(readonly name: string, public size: number) {}

  /** The page as stored (not a copy: a caller that keeps it copies it, see copyImage). */
  readPage(index: number): PageImage {
    this.reads++;
    return this.pages.get(index);
  }

  /** The page's new contents, which the file takes over. */
  writePage(index: number, contents: PageImage): void {
    this.writes++;
    if (contents) this.pages.set(index, contents);
    else this.pages.delete(index);
  }

  /** Bytes of the file as stored on disk (what survives a crash). */
  read(offset: number, length: number): Uint8Array {
    const out = new Uint8Array(length);
    forEachChunk(offset, length, PAGE_SIZE, (page, off, n, done) => readImage(this.pages.get(page), off, out.subarray(done, done + n)));
    return out;
  }

  /** How bytes [offset, offset + length) compare with a pattern's stream from `streamOffset`, without making the bytes of pages that hold that very stretch. */
  compareWithPattern(offset: number, length: number, pattern: PagePattern, streamOffset: number): StreamComparison {
    const comparison = new StreamComparison();
    forEachChunk(offset, length, PAGE_SIZE, (page, off, n, done) => {
      const image = this.pages.get(page);
      if (imageHolds(image, off, n, pattern, streamOffset + done)) return;
      const actual = new Uint8Array(n);
      readImage(image, off, actual);
      comparison.addStream(actual, pattern, streamOffset + done, done);
    });
    return comparison;
  }

  write(offset: number, data: Uint8Array): void {
    forEachChunk(offset, data.length, PAGE_SIZE, (page, off, n, done) => {
      let bytes = this.pages.get(page);
      if (!(bytes instanceof Uint8Array)) {
        bytes = imageBytes(bytes) ?? new Uint8Array(PAGE_SIZE);
        this.pages.set(page, bytes);
      }
      bytes.set(data.subarray(done, done + n), off);
    });
    this.size = Math.max(this.size, offset + data.length);
  }

  /** Whole pages of a pattern's stream from `streamOffset`, from page-aligned `offset`: as the stretch, no bytes made. */
  writePattern(offset: number, length: number, pattern: PagePattern, streamOffset: number): void {
    if (offset % PAGE_SIZE !== 0) throw new RangeError(`a file's pattern write starts on a page, not at ${offset}`);
    forEachChunk(offset, length, PAGE_SIZE, (page, _off, n, done) => {
      if (n === PAGE_SIZE || !this.pages.has(page)) this.pages.set(page, { pattern, base: streamOffset + done, from: 0, to: n });
      else this.write(offset + done, streamBytes(pattern, streamOffset + done, n));
    });
    this.size = Math.max(this.size, offset + length);
  }
}

export class Section implements FrameOwner {
  /** File page index -> resident frame. */
  readonly prototypes = new Map<number, number>();
  views = 0;

  constructor(readonly ownerId: number, readonly ownerName: string, readonly file: SimulatedFile) {}
}
