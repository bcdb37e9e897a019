/**
 * A working set: the resident pageable pages of an address space, oldest
 * first, as the trimmer takes them (what a Set of page numbers in insertion
 * order gives: adding a member again leaves it where it is; removing it and
 * adding it again makes it the newest).
 *
 * Not a Set for the same reason the page table is not a Map (page-table.ts):
 * tens of thousands of insertions grew and rehashed it at great cost. Pages
 * sit in a typed array in the order they came (a plain array of that many
 * numbers is reallocated in the large-object space as it grows, which costs
 * as much as the Set); a removed page leaves a hole there, and the holes are
 * squeezed out once they outnumber the pages.
 */
import { PageTable } from './page-table';

/** A hole left by a removed page (page numbers are never negative). */
const HOLE = -1;

export class WorkingSet {
  private order = new Float64Array(64);
  /** Entries of `order` in use, holes included. */
  private length = 0;
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
    if (this.length === this.order.length) {
      const grown = new Float64Array(this.order.length * 2);
      grown.set(this.order);
      this.order = grown;
    }
    this.order[this.length++] = vpn;
    this.position.set(vpn, this.length);
    return this;
  }

  delete(vpn: number): boolean {
    const removed = this.remove(vpn);
    this.squeezeIfHoley();
    return removed;
  }

  /** delete of each of `vpns`, with the holes squeezed out (if at all) once at the end. */
  deleteAll(vpns: ArrayLike<number>): void {
    for (let i = 0; i < vpns.length; i++) this.remove(vpns[i]!);
    this.squeezeIfHoley();
  }

  private remove(vpn: number): boolean {
    const at = this.position.get(vpn);
    if (at === undefined) return false;
    this.order[at - 1] = HOLE;
    this.position.delete(vpn);
    this.holes++;
    return true;
  }

  private squeezeIfHoley(): void {
    if (this.holes > 64 && this.holes > this.position.size) this.squeeze();
  }

  /** The members, oldest first: a copy, so the set may change while it is walked. */
  [Symbol.iterator](): IterableIterator<number> {
    return this.members()[Symbol.iterator]();
  }

  /** The members, oldest first, as an array of their own. */
  members(): Float64Array {
    const out = new Float64Array(this.size);
    let n = 0;
    for (let i = 0; i < this.length; i++) if (this.order[i] !== HOLE) out[n++] = this.order[i]!;
    return out;
  }

  private squeeze(): void {
    let kept = 0;
    for (let i = 0; i < this.length; i++) {
      const vpn = this.order[i]!;
      if (vpn === HOLE) continue;
      this.order[kept++] = vpn;
      this.position.set(vpn, kept);
    }
    this.length = kept;
    this.holes = 0;
  }
}
