/**
 * Files and the sections that map them. A file's contents are stored sparsely
 * by page. A section keeps one frame per resident file page (its prototype
 * PTEs), shared by every view of it; a view page that is not resident is read
 * from the file when touched or locked, and flushing a view writes its dirty
 * pages back.
 */
import { SparseBytes } from '../../machine/chunked-range';
import { PAGE_SIZE } from '../../contracts/units';
import { FrameOwner } from './physical-memory';

export class SimulatedFile {
  private readonly store = new SparseBytes(PAGE_SIZE);
  /** The file's pages on disk, by page index. */
  readonly pages = this.store.chunks;
  reads = 0;
  writes = 0;

  constructor(readonly name: string, public size: number) {}

  readPage(index: number): Uint8Array | undefined {
    this.reads++;
    return this.pages.get(index);
  }

  writePage(index: number, contents: Uint8Array | undefined): void {
    this.writes++;
    if (contents) this.pages.set(index, contents.slice());
    else this.pages.delete(index);
  }

  /** Bytes of the file as stored on disk (what survives a crash). */
  read(offset: number, length: number): Uint8Array {
    return this.store.read(offset, length);
  }

  write(offset: number, data: Uint8Array): void {
    this.store.write(offset, data);
    this.size = Math.max(this.size, offset + data.length);
  }
}

export class Section implements FrameOwner {
  /** File page index -> resident frame. */
  readonly prototypes = new Map<number, number>();
  views = 0;

  constructor(readonly ownerId: number, readonly ownerName: string, readonly file: SimulatedFile) {}
}
