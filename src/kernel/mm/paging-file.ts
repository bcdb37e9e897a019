/**
 * The paging file: a bounded set of page-sized slots. Trimmed dirty pages are
 * written here and read back on the next access. When it is full, pages stay
 * resident instead, as on a machine whose paging file cannot grow.
 */
import { PAGE_SIZE } from '../../contracts/units';
import { NumberStack } from './number-stack';
import type { PageImage } from './page-image';

const SlotState = { Free: 0, Zero: 1, Stored: 2 } as const;

export class PagingFile {
  readonly slotCount: number;
  /**
   * Each slot's state, and the contents of the slots that hold more than zeros. Not a Map of every slot: a
   * trim writes tens of thousands of (mostly zero) pages at once, and a typed array takes them far faster.
   */
  private state = new Uint8Array(64);
  private readonly stored = new Map<number, Exclude<PageImage, undefined>>();
  private used = 0;
  private readonly freeSlots = new NumberStack();
  private nextSlot = 0;
  writes = 0;
  reads = 0;

  constructor(bytes: number) {
    this.slotCount = Math.floor(bytes / PAGE_SIZE);
  }

  get usedSlots(): number {
    return this.used;
  }

  /** Store a page, which the paging file takes over (undefined: a zero page). Returns the slot, or -1 when full. */
  write(contents: PageImage): number {
    let slot: number;
    if (this.freeSlots.length > 0) slot = this.freeSlots.pop()!;
    else if (this.nextSlot < this.slotCount) slot = this.nextSlot++;
    else return -1;
    if (slot >= this.state.length) {
      const grown = new Uint8Array(Math.max(this.state.length * 2, slot + 1));
      grown.set(this.state);
      this.state = grown;
    }
    this.state[slot] = contents === undefined ? SlotState.Zero : SlotState.Stored;
    if (contents !== undefined) this.stored.set(slot, contents);
    this.used++;
    this.writes++;
    return slot;
  }

  /** The slot's page as stored: a caller that keeps it after the slot is released takes it over. */
  read(slot: number): PageImage {
    const state = this.state[slot] ?? SlotState.Free;
    if (state === SlotState.Free) throw new Error(`internal: paging-file slot ${slot} is not in use`);
    this.reads++;
    return state === SlotState.Stored ? this.stored.get(slot) : undefined;
  }

  release(slot: number): void {
    if ((this.state[slot] ?? SlotState.Free) === SlotState.Free) return;
    this.state[slot] = SlotState.Free;
    this.stored.delete(slot);
    this.used--;
    this.freeSlots.push(slot);
  }
}
