/**
 * Files and the sections that map them. A file's contents are stored sparsely
 * by page. A section keeps one frame per resident file page (its prototype
 * PTEs), shared by every view of it; a view page that is not resident is read
 * from the file when touched or locked, and flushing a view writes its dirty
 * pages back.
 */
import { PAGE_SIZE } from '../../machine/units';
import { FrameOwner } from './physical-memory';

export class SimulatedFile {
  readonly pages = new Map<number, Uint8Array>();
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
    const out = new Uint8Array(length);
    for (let done = 0; done < length; ) {
      const at = offset + done;
      const page = Math.floor(at / PAGE_SIZE);
      const off = at % PAGE_SIZE;
      const n = Math.min(PAGE_SIZE - off, length - done);
      const p = this.pages.get(page);
      if (p) out.set(p.subarray(off, off + n), done);
      done += n;
    }
    return out;
  }

  write(offset: number, data: Uint8Array): void {
    for (let done = 0; done < data.length; ) {
      const at = offset + done;
      const page = Math.floor(at / PAGE_SIZE);
      const off = at % PAGE_SIZE;
      const n = Math.min(PAGE_SIZE - off, data.length - done);
      let p = this.pages.get(page);
      if (!p) this.pages.set(page, (p = new Uint8Array(PAGE_SIZE)));
      p.set(data.subarray(done, done + n), off);
      done += n;
    }
    this.size = Math.max(this.size, offset + data.length);
  }
}

export class Section implements FrameOwner {
  /** File page index -> resident frame. */
  readonly prototypes = new Map<number, number>();
  views = 0;

  constructor(readonly ownerId: number, readonly ownerName: string, readonly file: SimulatedFile) {}
}
