/**
 * The memory manager: address spaces, page faults, the working-set trimmer and
 * paging file, pools, system PTEs, contiguous memory, I/O-space mappings and
 * mapped files, over the PFN database.
 *
 * Everything a DMA rule depends on is modelled for real: an unlocked pageable
 * page really is written out under pressure and its frame really goes to the
 * next owner; a locked page really stays; a page touched at DISPATCH_LEVEL that
 * is not resident really stops the machine.
 */
import { BootConfig } from '../../machine/boot-config';
import type { MemoryFault } from '../../machine/memory-fault';
import { FAILED_ALLOCATIONS_KEPT, FailedAllocation, FailedAllocationReason } from './failed-allocations';
import { BugCheck } from '../../machine/bug-check';
import { forEachChunk } from '../../machine/chunked-range';
import { Clock } from '../../machine/clock';
import { COST } from '../../machine/cost-model';
import { Cpu } from '../../machine/cpu';
import type { Acquisition } from '../../machine/driver-place';
import { APC_LEVEL, DISPATCH_LEVEL } from '../../machine/irql';
import { RaisedStatus, STATUS } from '../../machine/ntstatus';
import { PAGE_SIZE, formatAddress, pageOf } from '../../contracts/units';
import { FaultInjector } from '../fault-injector';
import { AddressSpace, PTE_PAGEFILE, PTE_VALID, Protection, Region, RegionKind, pagefilePte, pteKind, ptePayload, validPte } from './address-space';
import {
  ALLOCATION_GRANULARITY,
  MM_LOWEST_USER_ADDRESS,
  MM_SYSTEM_RANGE_START,
  MM_USER_PROBE_ADDRESS,
  NONPAGED_POOL_BASE,
  PAGED_POOL_BASE,
  SYSTEM_PTE_BASE,
  SYSTEM_RANGE_END,
  isSystemAddress,
} from './layout';
import { PagingFile } from './paging-file';
import { PagePattern, streamBytes } from './pattern-pages';
import { PageImage, copyImage } from './page-image';
import { FrameFlag, FrameOwner, FrameState, FrameStateValue, PHYSICAL_ADDRESS_LIMIT, PhysicalMemory } from './physical-memory';
import { Pool, PoolAllocation, PoolType, tagText } from './pool';
import { Section, SimulatedFile } from './section';
import { SystemPtes } from './system-ptes';
import { StreamComparison } from './stream-comparison';
import { PROJECT_C4_CODES } from '../verifier/project-codes';

/** A process as the memory manager sees it: something with an address space. */
/** Memory from MmAllocateContiguousMemorySpecifyCache, by its system address. */
export interface ContiguousAllocation {
  readonly pfn: number;
  readonly pages: number;
  readonly driver: string | null;
  /** The driver's call that allocated it, for a leak found after the driver returned. */
  readonly acquired: Acquisition | null;
}

export interface MmProcess {
  readonly processId: number;
  readonly name: string;
  readonly addressSpace: AddressSpace;
}

export type MemoryPressure = 'moderate' | 'severe';

export type MEMORY_CACHING_TYPE = 'MmNonCached' | 'MmCached' | 'MmWriteCombined';

export interface TrimReport {
  trimmedPages: number;
  writtenToPagingFile: number;
  writtenToFiles: number;
  keptLocked: number;
}

/** Where an access came from: a user-mode probe checks the address range too. */
export type KPROCESSOR_MODE = 'KernelMode' | 'UserMode';

export class MemoryManager {
  readonly systemSpace: AddressSpace;
  readonly pagingFile: PagingFile;
  readonly systemPtes: SystemPtes;
  readonly nonPagedPool: Pool;
  readonly pagedPool: Pool;
  readonly files = new Map<string, SimulatedFile>();
  private readonly sections = new Set<Section>();
  private readonly addressSpaces = new Set<AddressSpace>();
  /** The owner recorded on frames of I/O-space and firmware mappings. */
  private readonly contiguousOwner: FrameOwner;
  private nextPoolVa = { NonPagedPool: NONPAGED_POOL_BASE, PagedPool: PAGED_POOL_BASE };
  /** Contiguous allocations by their system address. */
  private readonly contiguous = new Map<number, ContiguousAllocation>();
  /** I/O space mapped by MmMapIoSpace, by system address: the call that mapped it (it holds system PTEs until unmapped). */
  private readonly ioSpaceMappings = new Map<number, Acquisition | null>();
  /** Page-in errors armed for the next reads of particular pages (va -> remaining count). */
  private readonly pageInErrors = new Map<string, number>();
  /** The last page read from disk (a file, or the paging file's slot), so the next one along it streams instead of seeking. */
  private lastDiskRead: { readonly from: object; readonly page: number } | null = null;

  constructor(
    readonly config: BootConfig,
    readonly physical: PhysicalMemory,
    readonly clock: Clock,
    readonly cpu: Cpu,
    readonly faults: FaultInjector,
    private readonly crash: (bugCheck: BugCheck) => never,
  ) {
    this.systemSpace = this.physical.registerOwner(
      (id) => new AddressSpace(id, 'System', true, MM_SYSTEM_RANGE_START, SYSTEM_RANGE_END, 0, Number.MAX_SAFE_INTEGER),
    ) as AddressSpace;
    this.contiguousOwner = this.physical.registerOwner((id) => ({ ownerId: id, ownerName: 'contiguous memory' }));
    this.pagingFile = new PagingFile(config.pagingFileBytes);
    this.systemPtes = new SystemPtes(config.systemPtes);
    this.nonPagedPool = new Pool('NonPagedPool', config.nonPagedPoolBytes / PAGE_SIZE);
    this.pagedPool = new Pool('PagedPool', config.pagedPoolBytes / PAGE_SIZE);
  }

  bugCheck(code: number, p1: number, p2: number, p3: number, p4: number, reason: string, fault?: MemoryFault): never {
    return this.crash(new BugCheck(code, p1, p2, p3, p4, reason, fault));
  }

  /**
   * System pages that were an MDL's system mapping until it was released,
   * by page number: a later fault there is a use of the released mapping.
   * A page mapped again for anything else leaves the record.
   */
  private readonly releasedMdlMappings = new Map<number, number>();

  /** Allocations that failed, with why (src/kernel/mm/failed-allocations.ts). */
  readonly failedAllocations: FailedAllocation[] = [];

  private noteFailedAllocation(routine: FailedAllocation['routine'], bytes: number, reason: FailedAllocationReason): null {
    if (this.failedAllocations.length < FAILED_ALLOCATIONS_KEPT) this.failedAllocations.push({ routine, bytes, reason, driver: this.cpu.currentDriver, atNs: this.clock.now });
    return null;
  }

  /** Note that MDL `mdlId`'s system mapping of `pages` pages at `va` is released. */
  noteReleasedMdlMapping(va: number, pages: number, mdlId: number): void {
    for (let i = 0; i < pages; i++) this.releasedMdlMappings.set(pageOf(va) + i, mdlId);
  }

  /** The fault an access to `va` makes, as evidence for the stop or the raised status it causes. */
  private faultAt(va: number, write: boolean, as: AddressSpace | null): MemoryFault {
    if (!as) return { address: va, write, space: 'user', reason: 'no-process-context' };
    const mdlId = as.isSystem ? this.releasedMdlMappings.get(pageOf(va)) : undefined;
    if (mdlId !== undefined) return { address: va, write, space: 'system', reason: 'released-system-mapping', mdlId };
    return { address: va, write, space: as.isSystem ? 'system' : 'user', reason: 'invalid-address' };
  }

  // --- address spaces --------------------------------------------------------

  createAddressSpace(name: string): AddressSpace {
    const as = this.physical.registerOwner(
      (id) => new AddressSpace(id, name, false, MM_LOWEST_USER_ADDRESS, MM_USER_PROBE_ADDRESS, this.config.workingSetMinimumPages, this.config.workingSetMaximumPages),
    ) as AddressSpace;
    this.addressSpaces.add(as);
    return as;
  }

  /** The address space a virtual address resolves in, from the current CPU context. */
  spaceFor(va: number): AddressSpace | null {
    if (isSystemAddress(va)) return this.systemSpace;
    const p = this.cpu.currentProcess as MmProcess | null;
    return p ? p.addressSpace : null;
  }

  /**
   * Tear down a process's address space at exit. Pages still locked for I/O
   * stop the machine: 0xCB names the driver when locked pages are tracked
   * per driver, 0x76 otherwise (PAGE-5).
   */
  deleteAddressSpace(as: AddressSpace, lockedBy: { driver: string | null; mdlId: number; lockedAt: Acquisition | null } | null): void {
    if (as.lockedPages > 0) {
      if (lockedBy?.driver) {
        const stop = new BugCheck(0xcb, 0, 0, lockedBy.mdlId, as.lockedPages, `process ${as.ownerName} exited with ${as.lockedPages} page(s) still locked for I/O by driver ${lockedBy.driver}`);
        // The driver's code is not running: the place is where it locked the pages.
        const place = lockedBy.lockedAt?.place;
        if (place) stop.place = place;
        this.crash(stop);
      }
      this.bugCheck(0x76, 0, as.ownerId, as.lockedPages, 0, `process ${as.ownerName} exited with ${as.lockedPages} page(s) still locked for I/O`);
    }
    for (const region of [...as.regions]) this.releaseRegion(as, region);
    as.deleted = true;
    this.addressSpaces.delete(as);
  }

  /** VirtualAlloc: reserve (and commit) pageable private memory in a process. */
  allocateVirtual(as: AddressSpace, size: number, options: { commit?: boolean; protection?: Protection; label?: string } = {}): number {
    if (!(Number.isSafeInteger(size) && size > 0)) throw new RaisedStatus(STATUS.INVALID_PARAMETER, `VirtualAlloc size must be a positive whole number of bytes, got ${size}`);
    const bytes = Math.ceil(size / PAGE_SIZE) * PAGE_SIZE;
    const start = as.findFreeRange(bytes, ALLOCATION_GRANULARITY);
    if (start < 0) throw new RaisedStatus(STATUS.NO_MEMORY, `no free virtual range of ${bytes} bytes in ${as.ownerName}`);
    as.insertRegion({ start, end: start + bytes, kind: 'private', protection: options.protection ?? 'readwrite', committed: options.commit ?? true, label: options.label ?? 'private memory' });
    return start;
  }

  /** VirtualFree with MEM_RELEASE. Freeing memory that is locked for I/O keeps the frames until the unlock. */
  freeVirtual(as: AddressSpace, va: number): void {
    const region = as.regionAt(va);
    if (!region || region.start !== va || region.kind !== 'private') {
      throw new RaisedStatus(STATUS.INVALID_PARAMETER, `VirtualFree: ${formatAddress(va)} is not the start of a private allocation in ${as.ownerName}`);
    }
    this.releaseRegion(as, region);
  }

  setProtection(as: AddressSpace, va: number, protection: Protection): void {
    const region = as.regionAt(va);
    if (!region) throw new RaisedStatus(STATUS.INVALID_PARAMETER, `VirtualProtect: ${formatAddress(va)} is not allocated in ${as.ownerName}`);
    region.protection = protection;
  }

  /** SetProcessWorkingSetSize: only limits, which the trimmer may ignore under pressure (PAGE-2). */
  setWorkingSetSize(as: AddressSpace, minimumBytes: number, maximumBytes: number): void {
    for (const [name, v] of [['minimum', minimumBytes], ['maximum', maximumBytes]] as const) {
      if (!Number.isSafeInteger(v) || v < 0) throw new RaisedStatus(STATUS.INVALID_PARAMETER, `SetProcessWorkingSetSize: the ${name} must be a whole non-negative number of bytes, got ${v}`);
    }
    if (minimumBytes > maximumBytes) throw new RaisedStatus(STATUS.INVALID_PARAMETER, 'working-set minimum exceeds maximum');
    as.workingSetMinimumPages = Math.ceil(minimumBytes / PAGE_SIZE);
    as.workingSetMaximumPages = Math.ceil(maximumBytes / PAGE_SIZE);
  }

  // --- translation and faults ------------------------------------------------

  /** The frame behind `va` if it is resident now, else -1; never faults. */
  translate(va: number, as: AddressSpace | null = this.spaceFor(va)): number {
    if (!as) return -1;
    const region = as.regionAt(va);
    if (region?.kind === 'io-space') return -1;
    const pte = as.ptes.get(pageOf(va));
    return pte !== undefined && pteKind(pte) === PTE_VALID ? ptePayload(pte) : -1;
  }

  /** The physical address behind `va` if resident (or I/O space), else -1. */
  physicalAddressOf(va: number, as: AddressSpace | null = this.spaceFor(va)): number {
    if (!as) return -1;
    const region = as.regionAt(va);
    if (region?.kind === 'io-space') return region.physicalBase! + (va - region.start);
    const pfn = this.translate(va, as);
    return pfn < 0 ? -1 : pfn * PAGE_SIZE + (va % PAGE_SIZE);
  }

  /**
   * Make the page at `va` resident and return its frame, as a page fault would.
   * Bad addresses raise STATUS_ACCESS_VIOLATION for user addresses and stop
   * the machine (0x50) for system addresses; a fault at DISPATCH_LEVEL or
   * above stops it with 0x0A.
   */
  resolvePage(va: number, write: boolean, as: AddressSpace | null = this.spaceFor(va)): number {
    if (!as) {
      throw new RaisedStatus(STATUS.ACCESS_VIOLATION, `user address ${formatAddress(va)} touched with no process context`, this.faultAt(va, write, null));
    }
    const region = as.regionAt(va);
    const vpn = pageOf(va);
    const accessible = region !== undefined && region.committed && region.protection !== 'noaccess' && region.kind !== 'io-space' && !(write && region.protection === 'readonly');
    const pte = as.ptes.get(vpn);
    if (accessible && pte !== undefined && pteKind(pte) === PTE_VALID) return ptePayload(pte);
    const why = !region ? 'is not allocated' : !region.committed ? 'is reserved but not committed' : region.kind === 'io-space' ? 'is I/O space' : !accessible ? `is ${region.protection}` : 'is not resident';
    // Every page fault at DISPATCH_LEVEL or above stops the machine, whether the address is pageable or bad.
    if (this.cpu.irql >= DISPATCH_LEVEL) {
      this.bugCheck(0x0a, va, this.cpu.irql, write ? 1 : 0, 0, `page fault at IRQL ${this.cpu.irql}: ${formatAddress(va)}${region ? ` (${region.label})` : ''} ${why}`);
    }
    if (!accessible) {
      const fault = this.faultAt(va, write, as);
      const released = fault.mdlId !== undefined ? ` (it was MDL #${fault.mdlId}'s system mapping, released since)` : '';
      if (as.isSystem) this.bugCheck(0x50, va, write ? 1 : 0, 0, 2, `system address ${formatAddress(va)} ${why}${released}`, fault);
      throw new RaisedStatus(STATUS.ACCESS_VIOLATION, `${write ? 'write to' : 'read of'} ${formatAddress(va)} in ${as.ownerName}: the address ${why}`, fault);
    }
    return this.pageIn(as, region, vpn, pte);
  }

  private pageIn(as: AddressSpace, region: Region, vpn: number, pte: number | undefined): number {
    const va = vpn * PAGE_SIZE;
    if (region.kind === 'view') return this.pageInView(as, region, vpn);
    let contents: PageImage;
    if (pte !== undefined && pteKind(pte) === PTE_PAGEFILE) {
      if (this.takePageInError(as, va)) this.pageInFailed(as, va, 'paging file');
      contents = this.pagingFile.read(ptePayload(pte));
      this.chargeDiskRead(this.pagingFile, ptePayload(pte));
    } else {
      this.clock.charge(COST.pageFault.ns, 'mm:demand-zero');
    }
    const pfn = this.frameFor(as, vpn, FrameState.Pageable);
    // The paging file's copy is its own and its slot is released below: the frame takes it over.
    if (contents) this.physical.setPageImage(pfn, contents);
    if (pte !== undefined && pteKind(pte) === PTE_PAGEFILE) this.pagingFile.release(ptePayload(pte));
    as.ptes.set(vpn, validPte(pfn));
    as.workingSet.add(vpn);
    this.physical.shareCount[pfn] = 1;
    return pfn;
  }

  private pageInView(as: AddressSpace, region: Region, vpn: number): number {
    const { section, fileOffset } = region.view!;
    const filePage = (fileOffset + (vpn * PAGE_SIZE - region.start)) / PAGE_SIZE;
    let pfn = section.prototypes.get(filePage);
    if (pfn === undefined) {
      if (this.takePageInError(as, vpn * PAGE_SIZE)) this.pageInFailed(as, vpn * PAGE_SIZE, `file ${section.file.name}`);
      const contents = section.file.readPage(filePage);
      this.chargeDiskRead(section.file, filePage);
      pfn = this.frameFor(section, filePage, FrameState.Pageable);
      if (contents) this.physical.setPageImage(pfn, copyImage(contents));
      this.physical.flags[pfn]! &= ~FrameFlag.Dirty;
      section.prototypes.set(filePage, pfn);
    } else {
      this.clock.charge(COST.pageFault.ns, 'mm:soft-fault');
    }
    as.ptes.set(vpn, validPte(pfn));
    as.workingSet.add(vpn);
    this.physical.shareCount[pfn]!++;
    return pfn;
  }

  /**
   * A page read from disk costs a seek unless it follows the page read last on the same file: locking or
   * touching a view page by page then streams, as a clustered page-in read does, so a view of a
   * class's largest size pages in within the time a driver's call may take.
   */
  private chargeDiskRead(from: object, page: number): void {
    const streams = this.lastDiskRead !== null && this.lastDiskRead.from === from && this.lastDiskRead.page + 1 === page;
    this.clock.charge(streams ? COST.pageInSequential.ns : COST.pageInFromDisk.ns, 'mm:page-in');
    this.lastDiskRead = { from, page };
  }

  private pageInFailed(as: AddressSpace, va: number, from: string): never {
    if (as.isSystem) this.bugCheck(0x7a, 0, STATUS.IN_PAGE_ERROR, 0, va, `page-in of system data at ${formatAddress(va)} from the ${from} failed`);
    throw new RaisedStatus(STATUS.IN_PAGE_ERROR, `page-in of ${formatAddress(va)} in ${as.ownerName} from the ${from} failed`);
  }

  /** A frame for a new resident page; under shortage, trim first (as the balance-set manager would). */
  private frameFor(owner: FrameOwner, page: number, state: FrameStateValue): number {
    let pfn = this.physical.tryAllocateFrame(owner, page, state);
    if (pfn < 0) {
      this.applyMemoryPressure('severe');
      pfn = this.physical.tryAllocateFrame(owner, page, state);
    }
    if (pfn < 0) throw new RaisedStatus(STATUS.NO_MEMORY, `no physical memory left for ${owner.ownerName}`);
    return pfn;
  }

  /** Arm a page-in error for the next `count` page-ins of the page at `va` in `as` (or any page when va is omitted). */
  injectPageInError(as: AddressSpace, va?: number, count = 1): void {
    if (!Number.isSafeInteger(count) || count < 1) throw new RangeError(`injectPageInError: count must be a whole number >= 1, got ${count}`);
    if (va !== undefined && (!Number.isSafeInteger(va) || va < 0)) throw new RangeError(`injectPageInError: address must be a whole non-negative number, got ${va}`);
    this.pageInErrors.set(`${as.ownerId}:${va === undefined ? '*' : pageOf(va)}`, count);
  }

  private takePageInError(as: AddressSpace, va: number): boolean {
    if (this.faults.shouldFail('page-in', as.ownerName)) return true;
    for (const key of [`${as.ownerId}:${pageOf(va)}`, `${as.ownerId}:*`]) {
      const n = this.pageInErrors.get(key);
      if (n !== undefined && n > 0) {
        if (n === 1) this.pageInErrors.delete(key);
        else this.pageInErrors.set(key, n - 1);
        return true;
      }
    }
    return false;
  }

  // --- CPU access ------------------------------------------------------------

  /** The CPU reads `length` bytes at `va` in the current context, faulting pages in. */
  readVirtual(va: number, length: number, as: AddressSpace | null = this.spaceFor(va)): Uint8Array {
    checkAccess('read', va, length);
    const out = new Uint8Array(length);
    this.eachPage(va, length, (pageVa, off, n, done) => {
      const pa = this.cpuPhysical(pageVa, false, as);
      this.chargeCpuAccess(pa, n);
      this.readPhysicalOrIo(pa + off, n, out, done);
    });
    return out;
  }

  /**
   * The CPU reads `length` bytes at `va` and compares them with a pattern's
   * stream from `streamOffset`: readVirtual's faults, costs and order,
   * without making the bytes of RAM that holds that very stretch as a
   * pattern (reading RAM changes nothing, so skipping the copy changes
   * nothing either).
   */
  compareVirtualWithPattern(va: number, length: number, pattern: PagePattern, streamOffset: number, as: AddressSpace | null = this.spaceFor(va)): StreamComparison {
    checkAccess('read', va, length);
    const comparison = new StreamComparison();
    let actual: Uint8Array | null = null;
    this.eachPage(va, length, (pageVa, off, n, done) => {
      const pa = this.cpuPhysical(pageVa, false, as);
      this.chargeCpuAccess(pa, n);
      if (this.physical.isRam(Math.floor(pa / PAGE_SIZE)) && this.physical.holdsPattern(pa + off, n, pattern, streamOffset + done)) return;
      const got = (actual ??= new Uint8Array(PAGE_SIZE)).subarray(0, n);
      this.readPhysicalOrIo(pa + off, n, got, 0);
      comparison.addStream(got, pattern, streamOffset + done, done);
    });
    return comparison;
  }

  /**
   * The CPU reads the first byte of each of `pages` pages from page-aligned `va`, faulting them in:
   * what `readVirtual(va + i * PAGE_SIZE, 1)` does for each, in the same order and at the same
   * simulated cost, without handing the bytes back (touching memory that a process holds).
   */
  touchPages(va: number, pages: number, as: AddressSpace | null = this.spaceFor(va)): void {
    if (va % PAGE_SIZE !== 0) throw new RangeError(`touchPages: ${formatAddress(va)} is not page-aligned`);
    checkAccess('read', va, pages * PAGE_SIZE);
    if (as && this.faultInFreshPages(as, va, pages)) return;
    for (let i = 0; i < pages; i++) {
      const pa = this.cpuPhysical(va + i * PAGE_SIZE, false, as);
      this.chargeCpuAccess(pa, 1);
      // Reading RAM changes nothing; reading a device register may.
      if (!this.physical.isRam(Math.floor(pa / PAGE_SIZE))) this.ioSpaceFor(pa).read(pa, 1);
    }
  }

  /**
   * touchPages of pages of one private region none of which has a PTE yet (a process touching memory it
   * has just allocated, as the background process that fragments memory does with tens of thousands of
   * pages), as one batch: the same frames in the same order, page table, working set and charges as page
   * by page, without looking up the region and the page's state once per page. False, having done
   * nothing, when the range is not such a batch or a fault could end otherwise (at DISPATCH_LEVEL, or
   * short of frames, when the trimmer would run first).
   */
  private faultInFreshPages(as: AddressSpace, va: number, pages: number): boolean {
    const region = as.regionAt(va);
    const first = pageOf(va);
    if (!region || region.kind !== 'private' || !region.committed || region.protection === 'noaccess' || va + pages * PAGE_SIZE > region.end) return false;
    if (this.cpu.irql >= DISPATCH_LEVEL || pages > this.physical.freeFrames) return false;
    for (let vpn = first; vpn < first + pages; vpn++) if (as.ptes.has(vpn)) return false;
    const frames = this.physical.allocateFrames(as, first, pages, FrameState.Pageable);
    for (let i = 0; i < pages; i++) {
      const vpn = first + i;
      const pfn = frames[i]!;
      as.ptes.set(vpn, validPte(pfn));
      as.workingSet.add(vpn);
      this.physical.shareCount[pfn] = 1;
    }
    // Each page: its demand-zero fault, then the CPU's read of one byte of a new frame (cached: a new frame has no flags).
    this.clock.chargeRepeated([[COST.pageFault.ns, 'mm:demand-zero'], [COST.cpuCopyPerByte.ns, 'cpu:cached']], pages);
    return true;
  }

  writeVirtual(va: number, data: Uint8Array, as: AddressSpace | null = this.spaceFor(va)): void {
    this.writeVirtualPages(va, data.length, as,
      (pa, n, done) => this.physical.write(pa, data, done, n),
      (n, done) => data.subarray(done, done + n));
  }

  /**
   * The CPU writes `length` bytes of a pattern's stream from `streamOffset`
   * at `va`: writeVirtual of those bytes (the same faults, costs and dirty
   * bits), with the frames holding the pattern instead of the bytes.
   */
  writeVirtualPattern(va: number, length: number, pattern: PagePattern, streamOffset: number, as: AddressSpace | null = this.spaceFor(va)): void {
    this.writeVirtualPages(va, length, as,
      (pa, n, done) => this.physical.writePattern(pa, n, pattern, streamOffset + done),
      (n, done) => streamBytes(pattern, streamOffset + done, n));
  }

  /** A CPU write page by page: faults, costs, then RAM written by `toRam` or device memory given `bytesFor`'s bytes. */
  private writeVirtualPages(va: number, length: number, as: AddressSpace | null, toRam: (pa: number, n: number, done: number) => void, bytesFor: (n: number, done: number) => Uint8Array): void {
    checkAccess('write', va, length);
    this.eachPage(va, length, (pageVa, off, n, done) => {
      const pa = this.cpuPhysical(pageVa, true, as);
      this.chargeCpuAccess(pa, n);
      if (this.physical.isRam(Math.floor(pa / PAGE_SIZE))) toRam(pa + off, n, done);
      else this.ioSpaceFor(pa).write(pa + off, bytesFor(n, done));
    });
  }

  /**
   * Whatever decodes CPU accesses to physical addresses that are not RAM
   * (device registers behind MmMapIoSpace). The PCI bus attaches here.
   */
  ioSpace: IoSpaceDecoder | null = null;

  private ioSpaceFor(pa: number): IoSpaceDecoder {
    if (!this.ioSpace) throw new Error(`CPU access to physical address ${formatAddress(pa)}, which is not RAM, and no bus decodes I/O space`);
    return this.ioSpace;
  }

  fillVirtual(va: number, length: number, byte: number, as: AddressSpace | null = this.spaceFor(va)): void {
    this.writeVirtual(va, new Uint8Array(length).fill(byte), as);
  }

  private cpuPhysical(pageVa: number, write: boolean, as: AddressSpace | null): number {
    const region = as?.regionAt(pageVa);
    if (region?.kind === 'io-space') return region.physicalBase! + (pageVa - region.start);
    return this.resolvePage(pageVa, write, as) * PAGE_SIZE;
  }

  private readPhysicalOrIo(pa: number, n: number, into: Uint8Array, at: number): void {
    if (this.physical.isRam(Math.floor(pa / PAGE_SIZE))) this.physical.read(pa, n, into, at);
    else into.set(this.ioSpaceFor(pa).read(pa, n), at);
  }

  private chargeCpuAccess(pa: number, bytes: number): void {
    const pfn = Math.floor(pa / PAGE_SIZE);
    const nonCached = this.physical.isRam(pfn) && (this.physical.flags[pfn]! & FrameFlag.NonCached) !== 0;
    this.clock.charge(bytes * (nonCached ? COST.uncachedCpuAccessPerByte.ns : COST.cpuCopyPerByte.ns), nonCached ? 'cpu:uncached' : 'cpu:cached');
  }

  private eachPage(va: number, length: number, fn: (pageVa: number, offset: number, n: number, done: number) => void): void {
    forEachChunk(va, length, PAGE_SIZE, (vpn, off, n, done) => fn(vpn * PAGE_SIZE, off, n, done));
  }

  // --- locking (used by MmProbeAndLockPages / MmUnlockPages) -----------------

  /**
   * Make every page of [va, va+length) resident and lock it; returns the frames.
   * On any failure nothing stays locked (PAGE-3) and the failure is raised.
   */
  lockRange(as: AddressSpace, va: number, length: number, write: boolean, mode: KPROCESSOR_MODE, mdlId = 0): number[] {
    checkAccess('lock', va, length);
    if (length === 0) throw new RangeError(`lockRange: nothing to lock at ${formatAddress(va)} (length 0)`);
    if (mode === 'UserMode' && (va >= MM_USER_PROBE_ADDRESS || va + length > MM_USER_PROBE_ADDRESS)) {
      throw new RaisedStatus(STATUS.ACCESS_VIOLATION, `user-mode probe of ${formatAddress(va)}: the range reaches system space`);
    }
    // Above DISPATCH_LEVEL nothing may be locked; above APC_LEVEL only memory that cannot fault.
    // Microsoft documents 0xC4/0x70 for the first case; using it for pageable memory at
    // DISPATCH_LEVEL too is this project's reading (no documented code says which stop Windows raises).
    if (this.cpu.irql > DISPATCH_LEVEL || (this.cpu.irql > APC_LEVEL && !this.rangeIsNonPaged(as, va, length))) {
      this.bugCheck(0xc4, 0x70, this.cpu.irql, mdlId, mode === 'UserMode' ? 1 : 0, `MmProbeAndLockPages at IRQL ${this.cpu.irql}: pageable memory may be locked up to APC_LEVEL, non-paged memory up to DISPATCH_LEVEL`);
    }
    const frames: number[] = [];
    try {
      for (let vpn = pageOf(va); vpn <= pageOf(va + length - 1); vpn++) {
        const pfn = this.resolvePage(vpn * PAGE_SIZE, write, as);
        this.clock.charge(COST.probeAndLockPerPage.ns, 'mm:probe-and-lock');
        this.lockFrame(pfn, as);
        frames.push(pfn);
        if (write) this.physical.flags[pfn]! |= FrameFlag.Dirty;
      }
    } catch (e) {
      for (const pfn of frames) this.unlockFrame(pfn, as);
      throw e;
    }
    return frames;
  }

  private rangeIsNonPaged(as: AddressSpace, va: number, length: number): boolean {
    for (let vpn = pageOf(va); vpn <= pageOf(va + length - 1); vpn++) {
      const pfn = this.translate(vpn * PAGE_SIZE, as);
      if (pfn < 0 || this.physical.state[pfn] !== FrameState.NonPaged) return false;
    }
    return true;
  }

  lockFrame(pfn: number, as: AddressSpace): void {
    if (this.physical.lockCount[pfn] === 0xffff) this.bugCheck(0x4e, 0x07, pfn, 0xffff, 0, `page frame ${pfn} locked too many times`);
    this.physical.lockCount[pfn]!++;
    if (!as.isSystem) as.lockedPages++;
  }

  /** One unlock per lock; an extra unlock corrupts the PFN list (0x4E, P1=0x07). */
  unlockFrame(pfn: number, as: AddressSpace): void {
    if (this.physical.lockCount[pfn] === 0) {
      this.bugCheck(0x4e, 0x07, pfn, this.physical.shareCount[pfn]!, 0, `page frame ${pfn} unlocked more times than it was locked`);
    }
    this.physical.lockCount[pfn]!--;
    this.clock.charge(COST.unlockPerPage.ns, 'mm:unlock');
    if (!as.isSystem && !as.deleted) as.lockedPages--;
    // A page freed or unmapped while it was locked is released by its last unlock.
    this.releaseIfUnreferenced(pfn);
  }

  isLockedOrNonPaged(pfn: number): boolean {
    return this.physical.lockCount[pfn]! > 0 || this.physical.state[pfn] === FrameState.NonPaged;
  }

  // --- memory pressure -------------------------------------------------------

  /**
   * The working-set trimmer. Moderate pressure trims each process down to its
   * minimum; severe pressure trims every unlocked pageable page, whatever the
   * limits say. Dirty private pages go to the paging file, dirty view pages to
   * their file; the frames return to the free list for the next owner.
   */
  applyMemoryPressure(level: MemoryPressure, only?: AddressSpace): TrimReport {
    oneOf('memory pressure', level, MEMORY_PRESSURES);
    const report: TrimReport = { trimmedPages: 0, writtenToPagingFile: 0, writtenToFiles: 0, keptLocked: 0 };
    const spaces = only ? [only] : [...this.addressSpaces, this.systemSpace];
    for (const as of spaces) {
      const keep = level === 'moderate' && !as.isSystem ? as.workingSetMinimumPages : 0;
      const members = as.workingSet.members();
      // The pages trimmed leave the working set together at the end (nothing reads it meanwhile), and
      // consecutive pages mostly share a region (trimming adds or removes none): a trim of tens of
      // thousands of pages does not look either up again for each.
      const trimmed = new Float64Array(members.length);
      let count = 0;
      let region: Region | undefined;
      for (const vpn of members) {
        if (members.length - count <= keep) break;
        const pte = as.ptes.get(vpn)!;
        const pfn = ptePayload(pte);
        if (this.physical.lockCount[pfn]! > 0 || this.physical.state[pfn] === FrameState.NonPaged || (this.physical.flags[pfn]! & FrameFlag.SharedWithDriverCode) !== 0) {
          report.keptLocked++;
          continue;
        }
        const va = vpn * PAGE_SIZE;
        if (region === undefined || va < region.start || va >= region.end) region = as.regionAt(va)!;
        if (this.trimPage(as, region, vpn, pfn, report)) {
          report.trimmedPages++;
          trimmed[count++] = vpn;
        }
      }
      as.workingSet.deleteAll(trimmed.subarray(0, count));
    }
    return report;
  }

  /** Trim one page of the working set (its caller takes it out of the working set); false when it has to stay. */
  private trimPage(as: AddressSpace, region: Region, vpn: number, pfn: number, report: TrimReport): boolean {
    if (region.kind === 'view') {
      as.ptes.delete(vpn);
      this.physical.shareCount[pfn]!--;
      if (this.physical.shareCount[pfn] === 0) this.releaseSectionFrame(region.view!.section, pfn, report);
      return true;
    }
    const slot = this.pagingFile.write(this.physical.pageImage(pfn));
    if (slot < 0) return false; // paging file full: the page stays
    this.clock.charge(COST.pageOutToDisk.ns, 'mm:page-out');
    report.writtenToPagingFile++;
    as.ptes.set(vpn, pagefilePte(slot));
    this.physical.freeFrame(pfn);
    return true;
  }

  /**
   * A file page nobody maps any more. While it is locked for I/O it stays the
   * section's page, so a new view shares it and the device's writes are not
   * lost; its last unlock releases it.
   */
  private releaseSectionFrame(section: Section, pfn: number, report?: TrimReport): void {
    if (this.physical.lockCount[pfn]! > 0) return;
    const filePage = this.physical.ownerPage[pfn]!;
    if (this.physical.flags[pfn]! & FrameFlag.Dirty) {
      section.file.writePage(filePage, this.physical.pageImage(pfn));
      this.clock.charge(COST.pageOutToDisk.ns, 'mm:page-out');
      if (report) report.writtenToFiles++;
    }
    section.prototypes.delete(filePage);
    this.physical.freeFrame(pfn);
  }

  /**
   * A pageable frame that nothing maps or locks any more goes back: a file
   * page through its section (written back if dirty), any other straight to
   * the free list.
   */
  private releaseIfUnreferenced(pfn: number): void {
    if (this.physical.lockCount[pfn]! > 0 || this.physical.shareCount[pfn]! > 0 || this.physical.state[pfn] !== FrameState.Pageable) return;
    const owner = this.physical.ownerOf(pfn);
    if (owner instanceof Section && owner.prototypes.get(this.physical.ownerPage[pfn]!) === pfn) this.releaseSectionFrame(owner, pfn);
    else this.physical.freeFrame(pfn);
  }

  // --- pools -----------------------------------------------------------------

  poolOf(type: PoolType): Pool {
    return type === 'NonPagedPool' ? this.nonPagedPool : this.pagedPool;
  }

  /**
   * ExAllocatePoolWithTag. Returns null when the pool is exhausted or a fault
   * is injected (CONT-4). Non-paged pool pages are resident and never paged.
   */
  ExAllocatePoolWithTag(poolType: PoolType, numberOfBytes: number, tag: string | number, callSite = '', acquired = this.cpu.acquisition('ExAllocatePoolWithTag')): number | null {
    if (!(Number.isSafeInteger(numberOfBytes) && numberOfBytes >= 0)) {
      throw new RaisedStatus(STATUS.INVALID_PARAMETER, `ExAllocatePoolWithTag: size must be a whole number of bytes, got ${numberOfBytes}`);
    }
    if (poolType !== 'NonPagedPool' && poolType !== 'PagedPool') throw new RaisedStatus(STATUS.INVALID_PARAMETER, `ExAllocatePoolWithTag: unknown pool type ${String(poolType)}`);
    const typeCode = POOL_TYPE_CODE[poolType];
    if (numberOfBytes === 0) this.bugCheck(0xc4, 0x00, this.cpu.irql, typeCode, 0, 'ExAllocatePoolWithTag of zero bytes');
    if (poolType === 'PagedPool' && this.cpu.irql > APC_LEVEL) {
      this.bugCheck(0xc4, 0x01, this.cpu.irql, typeCode, numberOfBytes, `paged pool allocated at IRQL ${this.cpu.irql} (allowed up to APC_LEVEL)`);
    }
    if (poolType === 'NonPagedPool' && this.cpu.irql > DISPATCH_LEVEL) {
      this.bugCheck(0xc4, 0x02, this.cpu.irql, typeCode, numberOfBytes, `non-paged pool allocated at IRQL ${this.cpu.irql} (allowed up to DISPATCH_LEVEL)`);
    }
    const pool = this.poolOf(poolType);
    const pages = Math.ceil(numberOfBytes / PAGE_SIZE);
    this.clock.charge(COST.poolAllocate.ns, 'mm:pool');
    const injected = this.faults.shouldFail(`ExAllocatePoolWithTag:${poolType}`, callSite);
    if (injected || !pool.hasRoom(pages)) {
      pool.failures++;
      return this.noteFailedAllocation(`ExAllocatePoolWithTag:${poolType}`, numberOfBytes, injected ? 'injected' : 'pool-exhausted');
    }
    const va = this.nextPoolVa[poolType];
    this.nextPoolVa[poolType] += (pages + 1) * PAGE_SIZE; // an unmapped guard page after each allocation
    this.systemSpace.insertRegion({ start: va, end: va + pages * PAGE_SIZE, kind: poolType === 'NonPagedPool' ? 'nonpaged-pool' : 'paged-pool', protection: 'readwrite', committed: true, label: `${poolType} '${tagText(tag)}'` });
    if (poolType === 'NonPagedPool' && pages <= this.physical.freeFrames) {
      // Frames enough for the whole block (the case but under shortage): taken in one pass, as one by one.
      const frames = this.physical.allocateFrames(this.systemSpace, pageOf(va), pages, FrameState.NonPaged);
      for (let i = 0; i < pages; i++) {
        this.systemSpace.ptes.set(pageOf(va) + i, validPte(frames[i]!));
        this.physical.shareCount[frames[i]!] = 1;
      }
    } else if (poolType === 'NonPagedPool') {
      for (let i = 0; i < pages; i++) {
        const vpn = pageOf(va) + i;
        let pfn = this.physical.tryAllocateFrame(this.systemSpace, vpn, FrameState.NonPaged);
        if (pfn < 0) {
          this.applyMemoryPressure('severe');
          pfn = this.physical.tryAllocateFrame(this.systemSpace, vpn, FrameState.NonPaged);
        }
        if (pfn < 0) {
          this.releaseRegion(this.systemSpace, this.systemSpace.regionAt(va)!);
          pool.failures++;
          return this.noteFailedAllocation(`ExAllocatePoolWithTag:${poolType}`, numberOfBytes, 'no-memory');
        }
        this.systemSpace.ptes.set(vpn, validPte(pfn));
        this.physical.shareCount[pfn] = 1;
      }
    }
    pool.record({ va, bytes: numberOfBytes, pages, tag: tagText(tag), driver: this.cpu.currentDriver, pool: poolType, acquired });
    return va;
  }

  /** ExFreePoolWithTag; freeing twice or freeing a non-pool address is BAD_POOL_CALLER (0xC2). */
  ExFreePoolWithTag(va: number, tag?: string | number): void {
    const pool = isSystemAddress(va) && va >= PAGED_POOL_BASE && va < SYSTEM_PTE_BASE ? this.pagedPool : this.nonPagedPool;
    const a = pool.allocations.get(va);
    if (!a) this.bugCheck(0xc2, 0x07, 0, 0, va, `ExFreePool of ${formatAddress(va)}, which is not an allocated pool block (double free?)`);
    if (tag !== undefined && tagText(tag) !== a.tag) this.bugCheck(0xc2, 0x0a, va, tagValue(a.tag), tagValue(tag), `ExFreePoolWithTag with tag '${tagText(tag)}' for a block tagged '${a.tag}'`);
    pool.take(va);
    this.releaseRegion(this.systemSpace, this.systemSpace.regionAt(va)!);
  }

  poolAllocationAt(va: number): PoolAllocation | undefined {
    return this.nonPagedPool.allocations.get(va) ?? this.pagedPool.allocations.get(va);
  }

  // --- contiguous memory and I/O space ---------------------------------------

  /**
   * MmAllocateContiguousMemorySpecifyCache: physically contiguous, non-paged,
   * mapped through system PTEs. Fails (null) once memory has fragmented
   * (CONT-2) or when no run of system PTEs is long enough (CONT-5).
   */
  MmAllocateContiguousMemorySpecifyCache(numberOfBytes: number, lowestAcceptableAddress: number, highestAcceptableAddress: number, boundaryAddressMultiple: number, cacheType: MEMORY_CACHING_TYPE, callSite = '', acquired = this.cpu.acquisition('MmAllocateContiguousMemorySpecifyCache')): number | null {
    if (!(Number.isSafeInteger(numberOfBytes) && numberOfBytes > 0)) {
      throw new RaisedStatus(STATUS.INVALID_PARAMETER, `MmAllocateContiguousMemorySpecifyCache: size must be a positive whole number of bytes, got ${numberOfBytes}`);
    }
    for (const [name, v] of [['lowest acceptable address', lowestAcceptableAddress], ['highest acceptable address', highestAcceptableAddress]] as const) {
      if (!Number.isSafeInteger(v) || v < 0) throw new RaisedStatus(STATUS.INVALID_PARAMETER, `MmAllocateContiguousMemorySpecifyCache: the ${name} must be a whole non-negative number, got ${v}`);
    }
    if (boundaryAddressMultiple !== 0 && !(Number.isSafeInteger(boundaryAddressMultiple) && boundaryAddressMultiple >= PAGE_SIZE && Number.isInteger(Math.log2(boundaryAddressMultiple)))) {
      throw new RaisedStatus(STATUS.INVALID_PARAMETER, `MmAllocateContiguousMemorySpecifyCache: the boundary must be 0 or a power of two of at least one page, got ${boundaryAddressMultiple}`);
    }
    oneOf('MmAllocateContiguousMemorySpecifyCache cache type', cacheType, CACHING_TYPES);
    const routine = 'MmAllocateContiguousMemorySpecifyCache';
    if (this.faults.shouldFail(routine, callSite)) return this.noteFailedAllocation(routine, numberOfBytes, 'injected');
    const pages = Math.ceil(numberOfBytes / PAGE_SIZE);
    const va = this.systemPtes.reserve(pages);
    if (va < 0) return this.noteFailedAllocation(routine, numberOfBytes, 'no-system-ptes');
    const first = this.physical.allocateContiguous(this.contiguousOwner, pages, lowestAcceptableAddress, highestAcceptableAddress, boundaryAddressMultiple);
    if (first < 0) {
      this.systemPtes.release(va, pages);
      return this.noteFailedAllocation(routine, numberOfBytes, this.physical.freeFrames >= pages ? 'fragmented' : 'no-memory');
    }
    this.systemSpace.insertRegion({ start: va, end: va + pages * PAGE_SIZE, kind: 'contiguous', protection: 'readwrite', committed: true, label: 'contiguous memory' });
    for (let i = 0; i < pages; i++) {
      this.systemSpace.ptes.set(pageOf(va) + i, validPte(first + i));
      this.physical.shareCount[first + i] = 1;
      if (cacheType !== 'MmCached') this.physical.flags[first + i]! |= FrameFlag.NonCached;
      this.clock.charge(COST.mapSystemPtesPerPage.ns, 'mm:map');
    }
    this.contiguous.set(va, { pfn: first, pages, driver: this.cpu.currentDriver, acquired });
    return va;
  }

  MmFreeContiguousMemory(va: number): void {
    const c = this.contiguous.get(va);
    if (!c) this.bugCheck(0xc4, PROJECT_C4_CODES.FREE_NOT_CONTIGUOUS.parameter1, va, 0, 0, `MmFreeContiguousMemory of ${formatAddress(va)}, which is not contiguous memory`);
    this.contiguous.delete(va);
    this.releaseRegion(this.systemSpace, this.systemSpace.regionAt(va)!);
  }

  contiguousAllocations(): ({ va: number } & ContiguousAllocation)[] {
    return [...this.contiguous].map(([va, c]) => ({ va, ...c }));
  }

  /**
   * MmMapIoSpace: a device's registers in system space, through system PTEs.
   * NULL when the range cannot be mapped, as Windows returns it: no system
   * PTEs left, or a range that is no physical range at all (a start a signed
   * PHYSICAL_ADDRESS makes negative, an end at or past the top of the
   * physical address space, one that wraps past 2^64 included). What the
   * driver does with the NULL is its own affair.
   */
  MmMapIoSpace(physicalAddress: number, numberOfBytes: number, _cacheType: MEMORY_CACHING_TYPE = 'MmNonCached'): number | null {
    if (!Number.isInteger(physicalAddress)) throw new RaisedStatus(STATUS.INVALID_PARAMETER, `MmMapIoSpace: physical address must be a whole number, got ${physicalAddress}`);
    if (!Number.isSafeInteger(numberOfBytes) || numberOfBytes <= 0) throw new RaisedStatus(STATUS.INVALID_PARAMETER, `MmMapIoSpace: size must be a positive whole number of bytes, got ${numberOfBytes}`);
    if (physicalAddress < 0 || physicalAddress + numberOfBytes > PHYSICAL_ADDRESS_LIMIT) return null;
    const offset = physicalAddress % PAGE_SIZE;
    const pages = Math.ceil((offset + numberOfBytes) / PAGE_SIZE);
    if (this.faults.shouldFail('MmMapIoSpace')) return null;
    const va = this.systemPtes.reserve(pages);
    if (va < 0) return null;
    this.systemSpace.insertRegion({ start: va, end: va + pages * PAGE_SIZE, kind: 'io-space', protection: 'readwrite', committed: true, physicalBase: physicalAddress - offset, label: `I/O space ${formatAddress(physicalAddress)}` });
    this.ioSpaceMappings.set(va, this.cpu.acquisition('MmMapIoSpace'));
    return va + offset;
  }

  MmUnmapIoSpace(baseAddress: number, _numberOfBytes: number): void {
    const region = this.systemSpace.regionAt(baseAddress);
    if (!region || region.kind !== 'io-space') this.bugCheck(0xc4, PROJECT_C4_CODES.UNMAP_NOT_IO_SPACE.parameter1, baseAddress, 0, 0, `MmUnmapIoSpace of ${formatAddress(baseAddress)}, which is not mapped I/O space`);
    this.ioSpaceMappings.delete(region.start);
    this.releaseRegion(this.systemSpace, region);
  }

  /** Where the I/O space still mapped was mapped, in mapping order (null for a mapping no driver code made). */
  ioSpaceMappedAt(): (Acquisition | null)[] {
    return [...this.ioSpaceMappings.values()];
  }

  // --- mappings of other owners' pages (MDL mappings) ------------------------

  /**
   * Map frames into `as` at a new address (system PTEs for system space).
   * Returns the base address, or -1 when the address space has no room.
   */
  mapFrames(as: AddressSpace, frames: readonly number[], label: string): number {
    const pages = frames.length;
    const va = as.isSystem ? this.systemPtes.reserve(pages) : as.findFreeRange(pages * PAGE_SIZE, ALLOCATION_GRANULARITY);
    if (va < 0) return -1;
    as.insertRegion({ start: va, end: va + pages * PAGE_SIZE, kind: 'locked-mapping', protection: 'readwrite', committed: true, label });
    if (as.isSystem && this.releasedMdlMappings.size > 0) for (let i = 0; i < pages; i++) this.releasedMdlMappings.delete(pageOf(va) + i);
    frames.forEach((pfn, i) => {
      as.ptes.set(pageOf(va) + i, validPte(pfn));
      this.physical.shareCount[pfn]!++;
      this.clock.charge(COST.mapSystemPtesPerPage.ns, 'mm:map');
    });
    return va;
  }

  unmapFrames(as: AddressSpace, va: number): void {
    const region = as.regionAt(va);
    if (!region || region.kind !== 'locked-mapping') throw new Error(`internal: ${formatAddress(va)} is not a mapping of locked pages in ${as.ownerName}`);
    this.releaseRegion(as, region);
    this.clock.charge(COST.tlbFlush.ns, 'mm:tlb-flush');
  }

  // --- files, sections, views ------------------------------------------------

  createFile(name: string, size: number, contents?: Uint8Array): SimulatedFile {
    if (!Number.isSafeInteger(size) || size < 0) throw new RaisedStatus(STATUS.INVALID_PARAMETER, `CreateFile ${name}: size must be a whole non-negative number of bytes, got ${size}`);
    const f = new SimulatedFile(name, size);
    if (contents) f.write(0, contents);
    this.files.set(name, f);
    return f;
  }

  createSection(file: SimulatedFile): Section {
    const s = this.physical.registerOwner((id) => new Section(id, `section of ${file.name}`, file)) as Section;
    this.sections.add(s);
    return s;
  }

  /** MapViewOfFile: map [fileOffset, fileOffset+size) of a section into a process. */
  mapViewOfSection(as: AddressSpace, section: Section, fileOffset: number, size: number): number {
    if (!Number.isSafeInteger(fileOffset) || fileOffset < 0 || fileOffset % ALLOCATION_GRANULARITY !== 0) throw new RaisedStatus(STATUS.INVALID_PARAMETER, `MapViewOfFile: offset ${fileOffset} is not a non-negative multiple of the allocation granularity`);
    if (!Number.isSafeInteger(size) || size < 0) throw new RaisedStatus(STATUS.INVALID_PARAMETER, `MapViewOfFile: size must be a whole non-negative number of bytes, got ${size}`);
    // Size 0 maps from the offset to the end of the file, as MapViewOfFile does.
    const length = size === 0 ? section.file.size - fileOffset : size;
    if (length <= 0) throw new RaisedStatus(STATUS.INVALID_PARAMETER, `MapViewOfFile: offset ${fileOffset} is at or past the end of ${section.file.name} (${section.file.size} bytes)`);
    const bytes = Math.ceil(length / PAGE_SIZE) * PAGE_SIZE;
    const va = as.findFreeRange(bytes, ALLOCATION_GRANULARITY);
    if (va < 0) throw new RaisedStatus(STATUS.NO_MEMORY, `MapViewOfFile: no room for ${bytes} bytes in ${as.ownerName}`);
    as.insertRegion({ start: va, end: va + bytes, kind: 'view', protection: 'readwrite', committed: true, view: { section, fileOffset }, label: `view of ${section.file.name}` });
    section.views++;
    return va;
  }

  /** FlushViewOfFile: write the view's dirty resident pages to the file (PAGE-4). */
  flushViewOfFile(as: AddressSpace, va: number, size: number): number {
    const region = as.regionAt(va);
    if (!region || region.kind !== 'view') throw new RaisedStatus(STATUS.INVALID_PARAMETER, `FlushViewOfFile: ${formatAddress(va)} is not in a mapped view`);
    if (!Number.isSafeInteger(size) || size < 0) throw new RaisedStatus(STATUS.INVALID_PARAMETER, `FlushViewOfFile: size must be a whole non-negative number of bytes, got ${size}`);
    const { section, fileOffset } = region.view!;
    // Size 0 flushes from va to the end of the view, as FlushViewOfFile does.
    const end = size === 0 ? region.end : Math.min(va + size, region.end);
    let written = 0;
    for (let vpn = pageOf(va); vpn <= pageOf(end - 1); vpn++) {
      const filePage = (fileOffset + vpn * PAGE_SIZE - region.start) / PAGE_SIZE;
      const pfn = section.prototypes.get(filePage);
      if (pfn === undefined || !(this.physical.flags[pfn]! & FrameFlag.Dirty)) continue;
      section.file.writePage(filePage, this.physical.pageImage(pfn));
      this.physical.flags[pfn]! &= ~FrameFlag.Dirty;
      this.clock.charge(COST.pageOutToDisk.ns, 'mm:flush');
      written++;
    }
    return written;
  }

  unmapViewOfSection(as: AddressSpace, va: number): void {
    const region = as.regionAt(va);
    if (!region || region.kind !== 'view' || region.start !== va) throw new RaisedStatus(STATUS.INVALID_PARAMETER, `UnmapViewOfFile: ${formatAddress(va)} is not the start of a view`);
    this.releaseRegion(as, region);
  }

  // --- releasing -------------------------------------------------------------

  /**
   * Drop a region and its pages. A frame still locked for I/O is not freed
   * here: it stays allocated until its last unlock (or leaks, if none comes).
   */
  private releaseRegion(as: AddressSpace, region: Region): void {
    for (let vpn = pageOf(region.start); vpn < pageOf(region.end); vpn++) {
      const pte = as.ptes.get(vpn);
      if (pte === undefined) continue;
      as.ptes.delete(vpn);
      as.workingSet.delete(vpn);
      if (pteKind(pte) === PTE_PAGEFILE) {
        this.pagingFile.release(ptePayload(pte));
        continue;
      }
      const pfn = ptePayload(pte);
      this.physical.shareCount[pfn]!--;
      this.releaseFrameIfUnused(region.kind, region, pfn);
    }
    if (region.kind === 'view') region.view!.section.views--;
    if (as.isSystem && region.start >= SYSTEM_PTE_BASE) this.systemPtes.release(region.start, (region.end - region.start) / PAGE_SIZE);
    as.removeRegion(region);
  }

  private releaseFrameIfUnused(kind: RegionKind, region: Region, pfn: number): void {
    if (this.physical.shareCount[pfn]! > 0) return;
    switch (kind) {
      case 'view':
        this.releaseSectionFrame(region.view!.section, pfn);
        return;
      case 'locked-mapping':
        // The pages belong to someone else; they go back only if their owner is gone and nothing locks them.
        this.releaseIfUnreferenced(pfn);
        return;
      case 'contiguous':
      case 'nonpaged-pool':
        // Non-paged memory freed under a device that still has it locked for I/O.
        if (this.physical.lockCount[pfn]! > 0) {
          this.bugCheck(0x4e, 0x9a, pfn, this.physical.state[pfn]!, this.physical.lockCount[pfn]!, `${region.label} at ${formatAddress(region.start)} freed while frame ${pfn} is still locked for I/O`);
        }
        this.physical.freeFrame(pfn);
        return;
      default:
        this.releaseIfUnreferenced(pfn);
    }
  }

  // --- introspection for the suite ------------------------------------------

  liveAddressSpaces(): AddressSpace[] {
    return [...this.addressSpaces];
  }

  regionKindAt(va: number): RegionKind | undefined {
    return this.spaceFor(va)?.regionAt(va)?.kind;
  }
}

/** Something on the bus that answers CPU accesses to non-RAM physical addresses (device registers). */
export interface IoSpaceDecoder {
  read(physicalAddress: number, length: number): Uint8Array;
  write(physicalAddress: number, data: Uint8Array): void;
}

/** POOL_TYPE values as bug-check parameters carry them. */
const POOL_TYPE_CODE: Record<PoolType, number> = { NonPagedPool: 0, PagedPool: 1 };

/** A pool tag as the ULONG a bug-check parameter shows ('Mdl ' -> 0x206C644D). */
function tagValue(tag: string | number): number {
  if (typeof tag === 'number') return tag >>> 0;
  let v = 0;
  for (let i = 0; i < 4; i++) v |= ((tag.charCodeAt(i) || 0) & 0xff) << (8 * i);
  return v >>> 0;
}

export const MEMORY_PRESSURES: readonly MemoryPressure[] = ['moderate', 'severe'];
export const CACHING_TYPES: readonly MEMORY_CACHING_TYPE[] = ['MmNonCached', 'MmCached', 'MmWriteCombined'];
export const PROCESSOR_MODES: readonly KPROCESSOR_MODE[] = ['KernelMode', 'UserMode'];

/** Drivers and steps run transpile-only: a misspelt mode must fail loudly, not fall into some default branch. */
export function oneOf<T extends string>(what: string, value: T, allowed: readonly T[]): void {
  if (!allowed.includes(value)) throw new RangeError(`${what} must be one of ${allowed.join(', ')}, got ${JSON.stringify(value)}`);
}

function checkAccess(what: string, va: number, length: number): void {
  if (!Number.isSafeInteger(va) || va < 0) throw new RangeError(`${what} at ${va}: a virtual address must be a whole non-negative number`);
  if (!Number.isSafeInteger(length) || length < 0) throw new RangeError(`${what} at ${formatAddress(va)}: length must be a whole non-negative number of bytes, got ${length}`);
}
