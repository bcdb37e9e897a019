/**
 * The addresses a device is programmed with. Without an IOMMU they are the
 * physical addresses. With one (boot option `iommu`), the HAL hands out I/O
 * virtual addresses from the device's own domain and maps each page there
 * for as long as the transfer or common buffer lives; the device reaches
 * nothing else, and a 32-bit device reaches pages above 4 GiB through IOVAs
 * below it, so it needs no bounce buffers.
 */
import { PAGE_SIZE } from '../../contracts/units';
import { IOVA_LIMIT, Iommu } from './iommu';

/** A physical range to map for the device: at most one page, as the HAL maps page by page. */
export interface PagePiece {
  readonly physicalAddress: number;
  readonly length: number;
}

/** Pieces mapped for a device: their device addresses, and how to unmap them. */
export interface DeviceAddressMapping {
  readonly addresses: readonly number[];
  release(): void;
}

/** IOVA pages below this are never handed out, so a zero or small address is always a driver bug. */
const FIRST_IOVA_PAGE = 16;

/** First-fit allocator of IOVA pages in one device's domain. */
export class IovaAllocator {
  /** Free [start, end) page ranges, sorted. */
  private free: { start: number; end: number }[] = [{ start: FIRST_IOVA_PAGE, end: IOVA_LIMIT / PAGE_SIZE }];

  /** `pages` consecutive IOVA pages ending at or below `highest`, or -1. */
  allocate(pages: number, highest: number): number {
    const limit = Math.floor((Math.min(highest, IOVA_LIMIT - 1) + 1) / PAGE_SIZE);
    for (let i = 0; i < this.free.length; i++) {
      const r = this.free[i]!;
      if (r.start + pages > Math.min(r.end, limit)) continue;
      const start = r.start;
      r.start += pages;
      if (r.start === r.end) this.free.splice(i, 1);
      return start;
    }
    return -1;
  }

  release(start: number, pages: number): void {
    const end = start + pages;
    let i = 0;
    while (i < this.free.length && this.free[i]!.start < start) i++;
    this.free.splice(i, 0, { start, end });
    // Coalesce with the neighbours.
    if (i + 1 < this.free.length && this.free[i]!.end === this.free[i + 1]!.start) {
      this.free[i]!.end = this.free[i + 1]!.end;
      this.free.splice(i + 1, 1);
    }
    if (i > 0 && this.free[i - 1]!.end === this.free[i]!.start) {
      this.free[i - 1]!.end = this.free[i]!.end;
      this.free.splice(i, 1);
    }
  }
}

export class DeviceAddressSpace {
  constructor(
    private readonly iommu: Iommu | null,
    private readonly requesterId: number | null,
    private readonly allocator: IovaAllocator | null,
    /** The highest address the device can emit. */
    private readonly highest: number,
  ) {}

  /** True when device addresses are IOVAs the IOMMU translates. */
  get remapped(): boolean {
    return this.iommu !== null && this.requesterId !== null && this.allocator !== null;
  }

  /**
   * Map the pieces, in order, at consecutive IOVA pages (so a transfer is
   * contiguous in the device's view), or return the physical addresses when
   * there is no IOMMU. Null when the device's IOVA space is exhausted.
   * `deviceWrites` grants the device write permission.
   */
  map(pieces: readonly PagePiece[], deviceWrites: boolean): DeviceAddressMapping | null {
    return this.mapAddresses(pieces.map((p) => p.physicalAddress), deviceWrites);
  }

  /**
   * `map` for pieces given by their physical addresses alone (one per page,
   * as the HAL maps): a scatter/gather list of thousands of pages need not
   * make an object per page. Without an IOMMU the addresses come back as
   * they are, in the same array.
   */
  mapAddresses(physicalAddresses: readonly number[], deviceWrites: boolean): DeviceAddressMapping | null {
    if (!this.remapped) return { addresses: physicalAddresses, release: nothingToRelease };
    const iommu = this.iommu!;
    const device = this.requesterId!;
    const allocator = this.allocator!;
    const pages = physicalAddresses.length;
    const base = allocator.allocate(pages, this.highest);
    if (base < 0) return null;
    const addresses = physicalAddresses.map((pa, i) => {
      const iova = (base + i) * PAGE_SIZE + (pa % PAGE_SIZE);
      iommu.map(device, (base + i) * PAGE_SIZE, pa - (pa % PAGE_SIZE), PAGE_SIZE, deviceWrites);
      return iova;
    });
    let released = false;
    return {
      addresses,
      release: () => {
        if (released) throw new Error('internal: IOVA mapping released twice');
        released = true;
        iommu.unmap(device, base * PAGE_SIZE, pages * PAGE_SIZE);
        allocator.release(base, pages);
      },
    };
  }
}

/** Physical addresses need no unmapping. */
function nothingToRelease(): void {}

/** Split a physical range into page pieces. */
export function pagePieces(physicalAddress: number, length: number): PagePiece[] {
  const out: PagePiece[] = [];
  for (let done = 0; done < length; ) {
    const pa = physicalAddress + done;
    const n = Math.min(PAGE_SIZE - (pa % PAGE_SIZE), length - done);
    out.push({ physicalAddress: pa, length: n });
    done += n;
  }
  return out;
}
