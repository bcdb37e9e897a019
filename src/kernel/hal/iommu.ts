/**
 * The IOMMU (DMA remapping unit): one translation domain per device, keyed by
 * the device's PCI requester ID. With an IOMMU a device's bus addresses are
 * I/O virtual addresses; only what the HAL mapped for that device reaches
 * memory, page by page, with or without write permission. Everything else is
 * blocked and recorded as a fault. Windows reports such faults under Kernel
 * DMA Protection as bug check 0xE6 with P1 = 0x26 (P2 device, P3 fault
 * address, P4 type); this class only keeps the record, the verifier decides.
 */
import { Clock } from '../../machine/clock';
import { PAGE_SIZE } from '../../contracts/units';

export type IommuAccess = 'read' | 'write';

export interface IommuFault {
  /** Requester ID of the device whose request was blocked. */
  readonly device: number;
  readonly iova: number;
  readonly access: IommuAccess;
  /** No mapping at all, or a write through a read-only mapping. */
  readonly reason: 'not-mapped' | 'read-only';
  readonly atNs: number;
}

export interface IommuMapping {
  readonly physicalAddress: number;
  readonly writable: boolean;
}

/** I/O virtual addresses are 48 bits wide, as with four-level DMA remapping tables. */
export const IOVA_LIMIT = 2 ** 48;

export class Iommu {
  /** Per device: IOVA page -> (PFN * 2 + writable). */
  private readonly domains = new Map<number, Map<number, number>>();
  private readonly faultList: IommuFault[] = [];

  constructor(private readonly clock: Clock) {}

  /** Every blocked request so far, oldest first. */
  get faults(): readonly IommuFault[] {
    return this.faultList;
  }

  /**
   * Map [iova, iova + length) to the pages starting at physicalAddress for one
   * device. Both addresses must have the same offset within their page; whole
   * pages are mapped. `write` grants the device permission to write.
   */
  map(device: number, iova: number, physicalAddress: number, length: number, write: boolean): void {
    this.checkRange(device, iova, length, 'map');
    if (!Number.isSafeInteger(physicalAddress) || physicalAddress < 0) throw new RangeError(`IOMMU map: physical address ${physicalAddress} is not a valid address`);
    if (iova % PAGE_SIZE !== physicalAddress % PAGE_SIZE) {
      throw new RangeError(`IOMMU map: IOVA 0x${iova.toString(16)} and physical 0x${physicalAddress.toString(16)} differ in page offset; the IOMMU maps whole pages`);
    }
    const first = Math.floor(iova / PAGE_SIZE);
    const pages = Math.floor((iova + length - 1) / PAGE_SIZE) - first + 1;
    const firstPfn = Math.floor(physicalAddress / PAGE_SIZE);
    let domain = this.domains.get(device);
    if (!domain) {
      domain = new Map();
      this.domains.set(device, domain);
    }
    for (let i = 0; i < pages; i++) {
      if (domain.has(first + i)) {
        throw new Error(`IOMMU map: IOVA page 0x${((first + i) * PAGE_SIZE).toString(16)} is already mapped for device ${formatRequesterId(device)}`);
      }
    }
    for (let i = 0; i < pages; i++) domain.set(first + i, (firstPfn + i) * 2 + (write ? 1 : 0));
  }

  /** Remove the mapping of every page [iova, iova + length) touches; each must be mapped. */
  unmap(device: number, iova: number, length: number): void {
    this.checkRange(device, iova, length, 'unmap');
    const domain = this.domains.get(device);
    const first = Math.floor(iova / PAGE_SIZE);
    const pages = Math.floor((iova + length - 1) / PAGE_SIZE) - first + 1;
    for (let i = 0; i < pages; i++) {
      if (!domain?.has(first + i)) {
        throw new Error(`IOMMU unmap: IOVA page 0x${((first + i) * PAGE_SIZE).toString(16)} is not mapped for device ${formatRequesterId(device)}`);
      }
    }
    for (let i = 0; i < pages; i++) domain!.delete(first + i);
  }

  /**
   * The device's request at `iova`: the physical address it reaches, or null
   * when the IOMMU blocks it, in which case the fault is recorded.
   */
  translate(device: number, iova: number, write: boolean): number | null {
    const entry = this.domains.get(device)?.get(Math.floor(iova / PAGE_SIZE));
    const access: IommuAccess = write ? 'write' : 'read';
    if (entry === undefined || !(iova >= 0 && iova < IOVA_LIMIT)) {
      this.faultList.push({ device, iova, access, reason: 'not-mapped', atNs: this.clock.now });
      return null;
    }
    if (write && entry % 2 === 0) {
      this.faultList.push({ device, iova, access, reason: 'read-only', atNs: this.clock.now });
      return null;
    }
    return Math.floor(entry / 2) * PAGE_SIZE + (iova % PAGE_SIZE);
  }

  /** Inspect a mapping without recording anything (for the HAL and the verifier). */
  lookup(device: number, iova: number): IommuMapping | null {
    const entry = this.domains.get(device)?.get(Math.floor(iova / PAGE_SIZE));
    if (entry === undefined) return null;
    return { physicalAddress: Math.floor(entry / 2) * PAGE_SIZE + (iova % PAGE_SIZE), writable: entry % 2 === 1 };
  }

  /** Pages currently mapped for a device: a leak check at driver unload. */
  mappedPages(device: number): number {
    return this.domains.get(device)?.size ?? 0;
  }

  private checkRange(device: number, iova: number, length: number, what: string): void {
    if (!Number.isSafeInteger(device) || device < 0 || device > 0xffff) throw new RangeError(`IOMMU ${what}: device key must be a 16-bit requester ID, got ${device}`);
    if (!Number.isSafeInteger(length) || length <= 0) throw new RangeError(`IOMMU ${what}: length must be a positive whole number of bytes, got ${length}`);
    if (!Number.isSafeInteger(iova) || iova < 0 || iova + length > IOVA_LIMIT) {
      throw new RangeError(`IOMMU ${what}: IOVA range 0x${iova.toString(16)}+${length} is outside the 48-bit I/O address space`);
    }
  }
}

/** Bus:device.function, as lspci prints it. */
export function formatRequesterId(rid: number): string {
  const bus = (rid >>> 8) & 0xff;
  const dev = (rid >>> 3) & 0x1f;
  const fn = rid & 0x7;
  return `${bus.toString(16).padStart(2, '0')}:${dev.toString(16).padStart(2, '0')}.${fn}`;
}
