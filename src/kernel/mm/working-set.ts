/**
 * A working set: the resident pageable pages of an address space, oldest
 * first, as the trimmer takes them (what a Set of page numbers in insertion
 * order gives: adding a member again leaves it where it is; removing it and
 * adding it again makes it the newest).
 *
 * Not a Set for the same reason the page table is not a Map (page-table.ts):
 * tens of thousands of insertions grew and rehashed it at great cost. Pages
 * sit in an array in the order they came; a removed page leaves a hole there,
 * and the holes are squeezed out once they outnumber the pages.
 */
import { PageTable } from './page-table';

/** A hole left by a removed page (page numbers are never negative). */
const HOLE = -1;

export class WorkingSet {
  private order: number[] = [];
  /** Each member's index in `order`, plus one. */
  private readonly position = new PageTable();
  private holes = 0;

  get size(): number {
    return this.position.size;
  }

  has(vpn: number): boolean {
    return this.position.has(vpn);
  }

  add(vpn: number): this {
    if (this.position.has(vpn)) return this;
    this.order.push(vpn);
    this.position.set(vpn, this.order.length);
    return this;
  }

  delete(vpn: number): boolean {
    const at = this.position.get(vpn);
    if (at === undefined) return false;
    this.order[at - 1] = HOLE;
    this.position.delete(vpn);
    this.holes++;
    if (this.holes > 64 && this.holes > this.position.size) this.squeeze();
    return true;
  }

  /** The members, oldest first: a copy, so the set may change while it is walked. */
  [Symbol.iterator](): IterableIterator<number> {
    return this.order.filter((vpn) => vpn !== HOLE)[Symbol.iterator]();
  }

  private squeeze(): void {
    this.order = this.order.filter((vpn) => vpn !== HOLE);
    this.order.forEach((vpn, i) => this.position.set(vpn, i + 1));
    this.holes = 0;
  }
}
