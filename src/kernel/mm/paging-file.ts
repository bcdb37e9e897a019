/**
 * The paging file: a bounded set of page-sized slots. Trimmed dirty pages are
 * written here and read back on the next access. When it is full, pages stay
 * resident instead, as on a machine whose paging file cannot grow.
 */
import { PAGE_SIZE } from '../../contracts/units';
import type { PageImage } from './page-image';

export class PagingFile {
  readonly slotCount: number;
  private readonly slots = new Map<number, PageImage>();
  private freeSlots: number[] = [];
  private nextSlot = 0;
  writes = 0;
  reads = 0;

  constructor(bytes: number) {
    this.slotCount = Math.floor(bytes / PAGE_SIZE);
  }

  get usedSlots(): number {
    return this.slots.size;
  }

  /** Store a page, which the paging file takes over (undefined: a zero page). Returns the slot, or -1 when full. */
  write(contents: PageImage): number {
    let slot: number;
    if (this.freeSlots.length > 0) slot = this.freeSlots.pop()!;
    else if (this.nextSlot < this.slotCount) slot = this.nextSlot++;
    else return -1;
    this.slots.set(slot, contents);
    this.writes++;
    return slot;
  }

  /** The slot's page as stored: a caller that keeps it after the slot is released takes it over. */
  read(slot: number): PageImage {
    if (!this.slots.has(slot)) throw new Error(`internal: paging-file slot ${slot} is not in use`);
    this.reads++;
    return this.slots.get(slot);
  }

  release(slot: number): void {
    if (this.slots.delete(slot)) this.freeSlots.push(slot);
  }
}
