/**
 * A virtual address space: the regions (VADs) reserved in it, a page table of
 * encoded PTEs, and a working set. One per process, plus the system space.
 *
 * A PTE is one number: a valid PTE holds a frame, a paged-out PTE holds a
 * paging-file slot, and a missing PTE means "demand zero" for private memory
 * or "read from the file" for a mapped view.
 */
import { PAGE_SIZE } from '../../contracts/units';
import { PageTable } from './page-table';
import { FrameOwner } from './physical-memory';
import type { Section } from './section';
import { WorkingSet } from './working-set';

export type Protection = 'readwrite' | 'readonly' | 'noaccess';

export type RegionKind =
  | 'private'
  | 'view'
  | 'paged-pool'
  | 'nonpaged-pool'
  /** Pages of other owners mapped here: MDL mappings, user mappings of locked pages. */
  | 'locked-mapping'
  | 'io-space'
  | 'contiguous';

export interface Region {
  readonly start: number;
  readonly end: number;
  readonly kind: RegionKind;
  protection: Protection;
  /** Committed pages; reserved-only pages fault with an access violation. */
  committed: boolean;
  readonly view?: { section: Section; fileOffset: number };
  /** For io-space: the physical address the region starts at. */
  readonly physicalBase?: number;
  /** What the region is for, shown in reports. */
  readonly label: string;
}

const KIND_SHIFT = 4;
export const PTE_VALID = 1;
export const PTE_PAGEFILE = 2;

export function validPte(pfn: number): number {
  return pfn * KIND_SHIFT + PTE_VALID;
}
export function pagefilePte(slot: number): number {
  return slot * KIND_SHIFT + PTE_PAGEFILE;
}
export function pteKind(pte: number): number {
  return pte % KIND_SHIFT;
}
export function ptePayload(pte: number): number {
  return Math.floor(pte / KIND_SHIFT);
}

export class AddressSpace implements FrameOwner {
  readonly regions: Region[] = [];
  readonly ptes = new PageTable();
  /** Resident pageable pages, oldest first: the trimmer takes from the front. */
  readonly workingSet = new WorkingSet();
  workingSetMinimumPages: number;
  workingSetMaximumPages: number;
  /** Pages of this address space locked for I/O by MDLs, for the exit check (0x76 / 0xCB). */
  lockedPages = 0;
  /** Where the next user allocation goes. */
  nextFree: number;
  deleted = false;

  constructor(
    readonly ownerId: number,
    readonly ownerName: string,
    readonly isSystem: boolean,
    rangeStart: number,
    readonly rangeEnd: number,
    wsMin: number,
    wsMax: number,
  ) {
    this.nextFree = rangeStart;
    this.workingSetMinimumPages = wsMin;
    this.workingSetMaximumPages = wsMax;
  }

  /** The region containing `va`, by binary search over the sorted regions. */
  regionAt(va: number): Region | undefined {
    let lo = 0;
    let hi = this.regions.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const r = this.regions[mid]!;
      if (va < r.start) hi = mid - 1;
      else if (va >= r.end) lo = mid + 1;
      else return r;
    }
    return undefined;
  }

  /** Reserve [start, start+size) as a region; the caller chose a free range. */
  insertRegion(region: Region): Region {
    let i = this.regions.length;
    while (i > 0 && this.regions[i - 1]!.start > region.start) i--;
    const before = this.regions[i - 1];
    const after = this.regions[i];
    if ((before && before.end > region.start) || (after && after.start < region.end)) {
      throw new Error(`internal: region ${region.label} overlaps an existing region in ${this.ownerName}`);
    }
    this.regions.splice(i, 0, region);
    return region;
  }

  removeRegion(region: Region): void {
    const i = this.regions.indexOf(region);
    if (i >= 0) this.regions.splice(i, 1);
  }

  /** Find room for `size` bytes at `alignment`, from the bump pointer. */
  findFreeRange(size: number, alignment: number): number {
    let start = Math.ceil(this.nextFree / alignment) * alignment;
    for (const r of this.regions) {
      if (r.end <= start) continue;
      if (r.start >= start + size) break;
      start = Math.ceil(r.end / alignment) * alignment;
    }
    if (start + size > this.rangeEnd) return -1;
    this.nextFree = start + size;
    return start;
  }

  residentPages(): number {
    let n = 0;
    for (const pte of this.ptes.values()) if (pteKind(pte) === PTE_VALID) n++;
    return n;
  }

  static pageCount(start: number, end: number): number {
    return (end - start) / PAGE_SIZE;
  }
}
