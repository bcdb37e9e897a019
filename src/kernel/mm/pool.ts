/**
 * Pool bookkeeping: non-paged and paged pool, each with a size fixed at boot.
 * An allocation beyond the size fails (CONT-4). Allocations are whole pages
 * in this simulator; the accounting counts those pages. Every allocation
 * remembers its tag and the driver that made it, for leak reports.
 */
import type { Acquisition } from '../../machine/driver-place';

export type PoolType = 'NonPagedPool' | 'PagedPool';

export interface PoolAllocation {
  readonly va: number;
  readonly bytes: number;
  readonly pages: number;
  readonly tag: string;
  readonly driver: string | null;
  readonly pool: PoolType;
  /** The driver's call that allocated it, for a leak found after the driver returned. */
  readonly acquired: Acquisition | null;
}

export class Pool {
  readonly allocations = new Map<number, PoolAllocation>();
  usedPages = 0;
  failures = 0;

  constructor(readonly type: PoolType, readonly limitPages: number) {}

  hasRoom(pages: number): boolean {
    return this.usedPages + pages <= this.limitPages;
  }

  record(a: PoolAllocation): void {
    this.allocations.set(a.va, a);
    this.usedPages += a.pages;
  }

  take(va: number): PoolAllocation | undefined {
    const a = this.allocations.get(va);
    if (a) {
      this.allocations.delete(va);
      this.usedPages -= a.pages;
    }
    return a;
  }

  outstanding(driver?: string): PoolAllocation[] {
    return [...this.allocations.values()].filter((a) => driver === undefined || a.driver === driver);
  }
}

/** Four-character pool tags, as drivers write them ('Dma ' ...). */
export function tagText(tag: string | number): string {
  if (typeof tag === 'string') return tag;
  return String.fromCharCode(tag & 0xff, (tag >> 8) & 0xff, (tag >> 16) & 0xff, (tag >> 24) & 0xff);
}
