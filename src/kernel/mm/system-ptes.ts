/**
 * The finite pool of system page-table entries. Mapping an MDL into system
 * space, mapping I/O space and contiguous memory all take runs of them; when
 * no run is long enough the mapping fails, even with memory free (MDL-3, CONT-5).
 */
import { PAGE_SIZE } from '../../contracts/units';
import { SYSTEM_PTE_BASE } from './layout';

export class SystemPtes {
  private readonly used: Uint8Array;
  inUse = 0;

  constructor(readonly count: number) {
    this.used = new Uint8Array(count);
  }

  /** Reserve `pages` consecutive PTEs; returns the system address or -1. First fit. */
  reserve(pages: number): number {
    if (pages <= 0 || pages > this.count) return -1;
    let run = 0;
    for (let i = 0; i < this.count; i++) {
      run = this.used[i] ? 0 : run + 1;
      if (run === pages) {
        const first = i - pages + 1;
        this.used.fill(1, first, i + 1);
        this.inUse += pages;
        return SYSTEM_PTE_BASE + first * PAGE_SIZE;
      }
    }
    return -1;
  }

  release(va: number, pages: number): void {
    const first = (va - SYSTEM_PTE_BASE) / PAGE_SIZE;
    for (let i = first; i < first + pages; i++) {
      if (!this.used[i]) throw new Error(`internal: system PTE ${i} released twice`);
      this.used[i] = 0;
    }
    this.inUse -= pages;
  }

  get free(): number {
    return this.count - this.inUse;
  }
}
