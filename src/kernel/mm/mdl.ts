/**
 * Memory descriptor lists and the routines that build, lock, map and free
 * them, with the documented names, flags and failure modes (MDL-1..5,
 * PAGE-3, PAGE-5, PAGE-7; seed 003).
 *
 * Driver Verifier's MDL checks (bug check 0xC4) are always on for the driver
 * under test: that is how a driver writer runs a conformance suite.
 */
import { COST } from '../../machine/cost-model';
import { APC_LEVEL, DISPATCH_LEVEL, irqlName } from '../../machine/irql';
import { RaisedStatus, STATUS } from '../../machine/ntstatus';
import { ADDRESS_AND_SIZE_TO_SPAN_PAGES, PAGE_SIZE, formatAddress, pageOf } from '../../contracts/units';
import { AddressSpace } from './address-space';
import type { Acquisition } from '../../machine/driver-place';
import { isSystemAddress } from './layout';
import { CACHING_TYPES, KPROCESSOR_MODE, MEMORY_CACHING_TYPE, MemoryManager, MmProcess, PROCESSOR_MODES, oneOf } from './memory-manager';
import { FrameFlag, FrameState } from './physical-memory';
import { PROJECT_C4_CODES } from '../verifier/project-codes';

export const MDL_MAPPED_TO_SYSTEM_VA = 0x0001;
export const MDL_PAGES_LOCKED = 0x0002;
export const MDL_SOURCE_IS_NONPAGED_POOL = 0x0004;
export const MDL_ALLOCATED_FIXED_SIZE = 0x0008;
export const MDL_PARTIAL = 0x0010;
export const MDL_PARTIAL_HAS_BEEN_MAPPED = 0x0020;
export const MDL_IO_PAGE_READ = 0x0040;
export const MDL_WRITE_OPERATION = 0x0080;
/** The MDL describes device memory (a BAR mapped by MmMapIoSpace), which has no entry in the PFN database. */
export const MDL_IO_SPACE = 0x0800;
export const MDL_MAPPING_CAN_FAIL = 0x2000;

/** The largest buffer one MDL may describe on current Windows. */
export const MAXIMUM_MDL_LENGTH = 4 * 1024 * 1024 * 1024 - PAGE_SIZE;

export type LOCK_OPERATION = 'IoReadAccess' | 'IoWriteAccess' | 'IoModifyAccess';
const LOCK_OPERATIONS: readonly LOCK_OPERATION[] = ['IoReadAccess', 'IoWriteAccess', 'IoModifyAccess'];
export type MM_PAGE_PRIORITY = 'LowPagePriority' | 'NormalPagePriority' | 'HighPagePriority';

/** Ids for MDLs built outside IoAllocateMdl; IoAllocateMdl numbers its MDLs per machine so runs replay. */
let nextUnmanagedMdlId = 1_000_000;

export class MDL {
  /** A number that identifies the MDL in bug-check parameters (its "address"). */
  readonly id: number;
  Next: MDL | null = null;
  MdlFlags = 0;
  /** The process whose pages a probed MDL locked. */
  Process: MmProcess | null = null;
  MappedSystemVa = 0;
  /** Page-aligned start of the buffer. */
  readonly StartVa: number;
  readonly ByteCount: number;
  readonly ByteOffset: number;
  /** The page-frame numbers that follow the header in a real MDL. */
  readonly PfnArray: number[] = [];
  /** For a partial MDL: the MDL it was built from. */
  parent: MDL | null = null;
  /** Partial MDLs currently built over this one (MDL-2). */
  readonly partials = new Set<MDL>();
  /** The driver that locked the pages, for 0xCB. */
  lockedBy: string | null = null;
  /** Where the pages were locked: the locking address space. */
  lockedIn: AddressSpace | null = null;
  allocatedBy: string | null = null;
  /** The driver's calls that allocated the MDL, last locked its pages and mapped them to system space: what a check after the driver returned names when they were never undone. */
  allocatedAt: Acquisition | null = null;
  lockedAt: Acquisition | null = null;
  mappedAt: Acquisition | null = null;
  freed = false;
  /** Pool block the MDL header lives in. */
  poolVa = 0;
  /** Pages were locked by MmProbeAndLockPages at least once (tells "never locked" from "unlocked twice"). */
  wasLocked = false;
  /**
   * The MDL's size in bytes, fixed when it is allocated: a 48-byte header and
   * 8 bytes per page of the buffer it was allocated for. A partial MDL built
   * into it may describe fewer pages, never more.
   */
  readonly Size: number;

  constructor(virtualAddress: number, length: number, id = nextUnmanagedMdlId++) {
    this.id = id;
    this.StartVa = pageOf(virtualAddress) * PAGE_SIZE;
    this.ByteOffset = virtualAddress - this.StartVa;
    this.ByteCount = length;
    this.Size = MDL_HEADER_BYTES + 8 * this.pageCount;
  }

  get pageCount(): number {
    return ADDRESS_AND_SIZE_TO_SPAN_PAGES(this.StartVa + this.ByteOffset, this.ByteCount);
  }

  /** How many page numbers the MDL has room for. */
  get pageCapacity(): number {
    return (this.Size - MDL_HEADER_BYTES) / 8;
  }
}

const MDL_HEADER_BYTES = 48;

export function MmGetMdlVirtualAddress(mdl: MDL): number {
  return mdl.StartVa + mdl.ByteOffset;
}
export function MmGetMdlByteCount(mdl: MDL): number {
  return mdl.ByteCount;
}
export function MmGetMdlByteOffset(mdl: MDL): number {
  return mdl.ByteOffset;
}
export function MmGetMdlPfnArray(mdl: MDL): readonly number[] {
  return mdl.PfnArray;
}

/** An MDL's pages mapped into a process by MmMapLockedPagesSpecifyCache(UserMode). */
export interface UserMapping {
  readonly va: number;
  readonly mdl: MDL;
  readonly process: MmProcess;
  /** The driver's call that mapped them. */
  readonly mappedAt: Acquisition | null;
}

function userMappingKey(process: MmProcess, va: number): string {
  return `${process.processId}:${va}`;
}

/** The MDL routines of the kernel, bound to one machine's memory manager. */
export class MdlRoutines {
  private readonly live = new Set<MDL>();
  /** MDLs whose pages are locked now, freed or not: a freed MDL still names the driver at process exit. */
  private readonly locked = new Set<MDL>();
  /** The process each MDL ever locked in user space belonged to, by MDL id: a finding about a freed MDL can still name whose buffer it was. */
  readonly lockedForProcess = new Map<number, string>();
  private nextMdlId = 1;

  constructor(private readonly mm: MemoryManager) {}

  private verifierStop(p1: number, p2: number, p3: number, p4: number, reason: string): never {
    return this.mm.bugCheck(0xc4, p1, p2, p3, p4, reason);
  }

  /** Driver Verifier's IRQL checks: each routine has its own 0xC4 sub-code, with the current IRQL in P2. */
  private requireIrql(max: number, subCode: number, routine: string, p3: number, p4: number): void {
    const irql = this.mm.cpu.irql;
    if (irql > max) this.verifierStop(subCode, irql, p3, p4, `${routine} called at IRQL ${irqlName(irql)} (allowed up to ${irqlName(max)})`);
  }

  /**
   * IoAllocateMdl: NULL when the length exceeds the maximum or the pool has no
   * room (MDL-1). With an IRP, the MDL becomes Irp.MdlAddress, or is chained
   * after it when `secondaryBuffer` is set (MDL-5).
   */
  IoAllocateMdl(virtualAddress: number, length: number, secondaryBuffer: boolean, _chargeQuota: boolean, irp: { MdlAddress: MDL | null } | null, callSite = ''): MDL | null {
    if (!Number.isSafeInteger(virtualAddress) || virtualAddress < 0) throw new RangeError(`IoAllocateMdl: virtual address must be a whole non-negative number, got ${virtualAddress}`);
    if (!Number.isSafeInteger(length) || length <= 0) throw new RangeError(`IoAllocateMdl: length must be a positive whole number of bytes, got ${length}`);
    // The header comes from non-paged pool: the pool's IRQL rule applies (0xC4/0x02: P3 pool type 0, P4 the header's size).
    this.requireIrql(DISPATCH_LEVEL, 0x02, 'IoAllocateMdl', 0, MDL_HEADER_BYTES + 8 * ADDRESS_AND_SIZE_TO_SPAN_PAGES(virtualAddress, Math.min(length, MAXIMUM_MDL_LENGTH)));
    if (length > MAXIMUM_MDL_LENGTH) return null;
    this.mm.clock.charge(COST.mdlAllocate.ns, 'mm:mdl');
    if (this.mm.faults.shouldFail('IoAllocateMdl', callSite)) return null;
    const mdl = new MDL(virtualAddress, length, this.nextMdlId);
    const allocatedAt = this.mm.cpu.acquisition('IoAllocateMdl');
    const block = this.mm.ExAllocatePoolWithTag('NonPagedPool', mdl.Size, 'Mdl ', callSite, allocatedAt);
    if (block === null) return null;
    this.nextMdlId++;
    mdl.poolVa = block;
    mdl.allocatedBy = this.mm.cpu.currentDriver;
    mdl.allocatedAt = allocatedAt;
    if (irp) {
      if (secondaryBuffer && irp.MdlAddress) {
        let tail = irp.MdlAddress;
        while (tail.Next) tail = tail.Next;
        tail.Next = mdl;
      } else {
        irp.MdlAddress = mdl;
      }
    }
    this.live.add(mdl);
    return mdl;
  }

  /**
   * MmProbeAndLockPages: make the buffer resident and lock it (PAGE-1). Raises
   * on an invalid address, an access-mode mismatch or a page-in error, leaving
   * nothing locked (PAGE-3). The caller must catch the exception.
   */
  MmProbeAndLockPages(mdl: MDL, accessMode: KPROCESSOR_MODE, operation: LOCK_OPERATION): void {
    this.checkLive(mdl, 'MmProbeAndLockPages');
    oneOf('MmProbeAndLockPages access mode', accessMode, PROCESSOR_MODES);
    oneOf('MmProbeAndLockPages operation', operation, LOCK_OPERATIONS);
    if (mdl.MdlFlags & (MDL_PAGES_LOCKED | MDL_SOURCE_IS_NONPAGED_POOL | MDL_PARTIAL)) {
      this.verifierStop(0xb0, mdl.id, mdl.MdlFlags, mdl.MdlFlags & (MDL_PAGES_LOCKED | MDL_SOURCE_IS_NONPAGED_POOL | MDL_PARTIAL), `MmProbeAndLockPages on an MDL whose flags (0x${mdl.MdlFlags.toString(16)}) say it is already locked, built for non-paged pool, or partial`);
    }
    const va = MmGetMdlVirtualAddress(mdl);
    if (this.mm.faults.shouldFail('MmProbeAndLockPages', mdl.allocatedBy ?? '')) {
      throw new RaisedStatus(STATUS.INSUFFICIENT_RESOURCES, `MmProbeAndLockPages of ${formatAddress(va)}: not enough resources to lock ${mdl.pageCount} page(s)`);
    }
    // User memory is pageable: it can be locked only at APC_LEVEL or below, whatever process is current (a DPC runs in none).
    if (!isSystemAddress(va) && this.mm.cpu.irql > APC_LEVEL) {
      this.mm.bugCheck(0xc4, 0x70, this.mm.cpu.irql, mdl.id, accessMode === 'UserMode' ? 1 : 0,
        `MmProbeAndLockPages of user address ${formatAddress(va)} at IRQL ${irqlName(this.mm.cpu.irql)}: user memory is pageable and may be locked only at APC_LEVEL or below`,
        { address: va, write: operation !== 'IoReadAccess', space: 'user', reason: 'user-memory-at-raised-irql' });
    }
    const as = this.mm.spaceFor(va);
    if (!as) {
      throw new RaisedStatus(STATUS.ACCESS_VIOLATION, `MmProbeAndLockPages of user address ${formatAddress(va)} with no process context`,
        { address: va, write: operation !== 'IoReadAccess', space: 'user', reason: 'no-process-context' });
    }
    const write = operation !== 'IoReadAccess';
    const frames = this.mm.lockRange(as, va, mdl.ByteCount, write, accessMode, mdl.id);
    mdl.PfnArray.length = 0;
    mdl.PfnArray.push(...frames);
    mdl.MdlFlags |= MDL_PAGES_LOCKED | (write ? MDL_WRITE_OPERATION : 0);
    mdl.Process = as.isSystem ? null : (this.mm.cpu.currentProcess as MmProcess);
    if (!as.isSystem) this.lockedForProcess.set(mdl.id, as.ownerName);
    mdl.lockedIn = as;
    mdl.lockedBy = this.mm.cpu.currentDriver;
    mdl.lockedAt = this.mm.cpu.acquisition('MmProbeAndLockPages');
    mdl.wasLocked = true;
    this.locked.add(mdl);
  }

  /**
   * MmUnlockPages: one unlock per lock (PAGE-5). Unlocking a partial MDL or a
   * non-paged-pool MDL, or an MDL that is not locked, is a verifier stop;
   * unlocking a parent while partial MDLs over it live corrupts the PFN list
   * (0x4E, MDL-2).
   */
  MmUnlockPages(mdl: MDL): void {
    this.checkLive(mdl, 'MmUnlockPages');
    this.requireIrql(DISPATCH_LEVEL, 0x78, 'MmUnlockPages', mdl.id, 0);
    if (mdl.MdlFlags & MDL_PARTIAL) this.verifierStop(0xb4, mdl.id, mdl.MdlFlags, MDL_PARTIAL, 'MmUnlockPages on a partial MDL: free it with IoFreeMdl instead');
    if (mdl.MdlFlags & MDL_SOURCE_IS_NONPAGED_POOL) this.verifierStop(0x7d, mdl.id, mdl.MdlFlags, 0, 'MmUnlockPages on an MDL built by MmBuildMdlForNonPagedPool: it was never locked');
    if (!(mdl.MdlFlags & MDL_PAGES_LOCKED)) {
      if (!mdl.wasLocked) this.verifierStop(0x7c, mdl.id, mdl.MdlFlags, 0, `MmUnlockPages on MDL #${mdl.id}, whose pages were never successfully locked`);
      const stillLocked = mdl.lockedIn && !mdl.lockedIn.isSystem ? mdl.lockedIn.lockedPages : 0;
      this.mm.bugCheck(0x76, 1, mdl.id, stillLocked, 0, `MmUnlockPages on MDL #${mdl.id}, whose pages were unlocked already`);
    }
    this.checkNoLivePartials(mdl, 'unlocked');
    if (mdl.MdlFlags & MDL_MAPPED_TO_SYSTEM_VA) this.unmapSystem(mdl);
    // The pages of a lock for write access are modified now, whoever wrote them (a device's DMA sets no dirty bit);
    // those of a lock for read access are not, so a device write into them never reaches the file or the paging file.
    if (mdl.MdlFlags & MDL_WRITE_OPERATION) for (const pfn of mdl.PfnArray) this.mm.physical.flags[pfn]! |= FrameFlag.Dirty;
    for (const pfn of mdl.PfnArray) this.mm.unlockFrame(pfn, mdl.lockedIn!);
    mdl.MdlFlags &= ~(MDL_PAGES_LOCKED | MDL_WRITE_OPERATION);
    this.locked.delete(mdl);
  }

  /**
   * MmBuildMdlForNonPagedPool: fill in the frames of a non-paged buffer; it
   * cannot fail, and is valid only for non-paged memory (PAGE-7): on pageable
   * memory it is verifier stop 0xC4/0x7F. Device memory mapped into system
   * space by MmMapIoSpace is not pageable either: its page numbers are the
   * device's, and the MDL is marked MDL_IO_SPACE, as on Windows.
   */
  MmBuildMdlForNonPagedPool(mdl: MDL): void {
    this.checkLive(mdl, 'MmBuildMdlForNonPagedPool');
    const va = MmGetMdlVirtualAddress(mdl);
    const frames: number[] = [];
    let ioSpace = false;
    for (let vpn = pageOf(va); vpn <= pageOf(va + mdl.ByteCount - 1); vpn++) {
      const devicePfn = isSystemAddress(va) ? this.ioSpacePfn(vpn * PAGE_SIZE) : -1;
      if (devicePfn >= 0) {
        frames.push(devicePfn);
        ioSpace = true;
        continue;
      }
      const pfn = this.mm.translate(vpn * PAGE_SIZE, isSystemAddress(va) ? this.mm.systemSpace : this.mm.spaceFor(va));
      if (!isSystemAddress(va) || pfn < 0 || this.mm.physical.state[pfn] !== FrameState.NonPaged) {
        this.verifierStop(0x7f, this.mm.cpu.irql, mdl.id, mdl.MdlFlags, `MmBuildMdlForNonPagedPool over ${formatAddress(vpn * PAGE_SIZE)}, which is not non-paged memory`);
      }
      frames.push(pfn);
    }
    mdl.PfnArray.length = 0;
    mdl.PfnArray.push(...frames);
    mdl.MdlFlags |= MDL_SOURCE_IS_NONPAGED_POOL | (ioSpace ? MDL_IO_SPACE : 0);
    mdl.MappedSystemVa = va;
  }

  /** The device page behind a system address MmMapIoSpace mapped, or -1 (RAM, or not I/O space). */
  private ioSpacePfn(va: number): number {
    if (this.mm.systemSpace.regionAt(va)?.kind !== 'io-space') return -1;
    const pfn = Math.floor(this.mm.physicalAddressOf(va, this.mm.systemSpace) / PAGE_SIZE);
    return this.mm.physical.isRam(pfn) ? -1 : pfn;
  }

  /**
   * IoBuildPartialMdl: describe part of a locked source MDL (MDL-2). The range
   * must lie inside the source and fit the target; otherwise the machine stops
   * with TARGET_MDL_TOO_SMALL (0x40).
   */
  IoBuildPartialMdl(sourceMdl: MDL, targetMdl: MDL, virtualAddress: number, length: number): void {
    this.checkLive(sourceMdl, 'IoBuildPartialMdl');
    this.checkLive(targetMdl, 'IoBuildPartialMdl');
    if (!Number.isSafeInteger(virtualAddress) || virtualAddress < 0) throw new RangeError(`IoBuildPartialMdl: virtual address must be a whole non-negative number, got ${virtualAddress}`);
    if (!Number.isSafeInteger(length) || length < 0) throw new RangeError(`IoBuildPartialMdl: length must be a whole non-negative number of bytes, got ${length}`);
    if (sourceMdl === targetMdl) throw new RangeError(`IoBuildPartialMdl: MDL #${sourceMdl.id} cannot be its own partial MDL`);
    // The partial copies the source's page numbers: they mean something only while the source is locked or non-paged.
    if (!(sourceMdl.MdlFlags & (MDL_PAGES_LOCKED | MDL_SOURCE_IS_NONPAGED_POOL | MDL_PARTIAL))) {
      this.verifierStop(PROJECT_C4_CODES.PARTIAL_FROM_UNLOCKED_SOURCE.parameter1, sourceMdl.id, sourceMdl.MdlFlags, targetMdl.id, `IoBuildPartialMdl from MDL #${sourceMdl.id}, whose pages are neither locked nor non-paged`);
    }
    if (targetMdl.MdlFlags & MDL_MAPPED_TO_SYSTEM_VA) {
      this.verifierStop(PROJECT_C4_CODES.PARTIAL_INTO_BUSY_TARGET.parameter1, targetMdl.id, targetMdl.MdlFlags, sourceMdl.id, `IoBuildPartialMdl into MDL #${targetMdl.id}, which is still mapped to system space: call MmPrepareMdlForReuse first`);
    }
    if (targetMdl.MdlFlags & MDL_PAGES_LOCKED || targetMdl.partials.size > 0) {
      this.verifierStop(PROJECT_C4_CODES.PARTIAL_INTO_BUSY_TARGET.parameter1, targetMdl.id, targetMdl.MdlFlags, sourceMdl.id, `IoBuildPartialMdl into MDL #${targetMdl.id}, which describes locked pages of its own`);
    }
    const srcVa = MmGetMdlVirtualAddress(sourceMdl);
    const len = length === 0 ? srcVa + sourceMdl.ByteCount - virtualAddress : length;
    if (virtualAddress < srcVa || len <= 0 || virtualAddress + len > srcVa + sourceMdl.ByteCount) {
      this.mm.bugCheck(0x40, sourceMdl.id, targetMdl.id, virtualAddress, len, `IoBuildPartialMdl range ${formatAddress(virtualAddress)}+${len} is not inside the source MDL`);
    }
    const pages = ADDRESS_AND_SIZE_TO_SPAN_PAGES(virtualAddress, len);
    if (pages > targetMdl.pageCapacity) {
      this.mm.bugCheck(0x40, sourceMdl.id, targetMdl.id, virtualAddress, len, `IoBuildPartialMdl: the target MDL has room for ${targetMdl.pageCapacity} page(s) but the range spans ${pages}`);
    }
    // A target reused without MmPrepareMdlForReuse stops being a partial of its old source.
    targetMdl.parent?.partials.delete(targetMdl);
    const firstIndex = pageOf(virtualAddress) - pageOf(srcVa);
    (targetMdl as { StartVa: number }).StartVa = pageOf(virtualAddress) * PAGE_SIZE;
    (targetMdl as { ByteOffset: number }).ByteOffset = virtualAddress % PAGE_SIZE;
    (targetMdl as { ByteCount: number }).ByteCount = len;
    targetMdl.PfnArray.length = 0;
    targetMdl.PfnArray.push(...sourceMdl.PfnArray.slice(firstIndex, firstIndex + pages));
    targetMdl.MdlFlags = MDL_PARTIAL | (sourceMdl.MdlFlags & (MDL_WRITE_OPERATION | MDL_SOURCE_IS_NONPAGED_POOL));
    // Non-paged memory is mapped already: the partial's system address lies inside the source's.
    targetMdl.MappedSystemVa = sourceMdl.MdlFlags & MDL_SOURCE_IS_NONPAGED_POOL ? sourceMdl.MappedSystemVa + (virtualAddress - srcVa) : 0;
    targetMdl.Process = sourceMdl.Process;
    targetMdl.parent = sourceMdl;
    sourceMdl.partials.add(targetMdl);
  }

  /**
   * MmPrepareMdlForReuse: make a partial MDL reusable, as a driver that keeps
   * a preallocated partial MDL does after each transfer: its system mapping
   * is released and it no longer lives over its source, which may then be
   * unlocked or freed (MDL-2).
   */
  MmPrepareMdlForReuse(mdl: MDL): void {
    this.checkLive(mdl, 'MmPrepareMdlForReuse');
    if (!(mdl.MdlFlags & MDL_PARTIAL)) return;
    if (mdl.MdlFlags & MDL_PARTIAL_HAS_BEEN_MAPPED) this.unmapSystem(mdl);
    mdl.parent?.partials.delete(mdl);
    mdl.parent = null;
    mdl.MdlFlags &= ~(MDL_PARTIAL | MDL_PARTIAL_HAS_BEEN_MAPPED | MDL_MAPPED_TO_SYSTEM_VA | MDL_WRITE_OPERATION | MDL_SOURCE_IS_NONPAGED_POOL);
    mdl.MappedSystemVa = 0;
    mdl.PfnArray.length = 0;
  }

  /**
   * MmGetSystemAddressForMdlSafe: map the MDL's pages into system space so any
   * context (an ISR included) can reach them; NULL when system PTEs run out
   * (MDL-3). The pages must be locked.
   */
  MmGetSystemAddressForMdlSafe(mdl: MDL, _priority: MM_PAGE_PRIORITY = 'NormalPagePriority'): number | null {
    this.checkLive(mdl, 'MmGetSystemAddressForMdlSafe');
    // A macro over MmMapLockedPagesSpecifyCache(KernelMode): that routine's IRQL sub-code.
    this.requireIrql(DISPATCH_LEVEL, 0x76, 'MmGetSystemAddressForMdlSafe', mdl.id, 0);
    if (mdl.MdlFlags & (MDL_MAPPED_TO_SYSTEM_VA | MDL_SOURCE_IS_NONPAGED_POOL)) return mdl.MappedSystemVa;
    // A partial's pages are locked through the MDL at the root of its chain of sources.
    let root = mdl;
    while (root.MdlFlags & MDL_PARTIAL && root.parent) root = root.parent;
    const lockedSource = (root.MdlFlags & (root === mdl ? MDL_PAGES_LOCKED : MDL_PAGES_LOCKED | MDL_SOURCE_IS_NONPAGED_POOL)) !== 0;
    if (!lockedSource) this.mapOfUnlockedPages('MmGetSystemAddressForMdlSafe', mdl);
    if (this.mm.faults.shouldFail('MmGetSystemAddressForMdlSafe', mdl.allocatedBy ?? '')) return null;
    const va = this.mm.mapFrames(this.mm.systemSpace, mdl.PfnArray, `MDL #${mdl.id} mapped to system space`);
    if (va < 0) return null;
    mdl.MappedSystemVa = va + mdl.ByteOffset;
    mdl.mappedAt = this.mm.cpu.acquisition('MmGetSystemAddressForMdlSafe');
    mdl.MdlFlags |= mdl.MdlFlags & MDL_PARTIAL ? MDL_PARTIAL_HAS_BEEN_MAPPED | MDL_MAPPED_TO_SYSTEM_VA : MDL_MAPPED_TO_SYSTEM_VA;
    return mdl.MappedSystemVa;
  }

  /**
   * MmMapLockedPagesSpecifyCache into user space (the mapped-buffer pattern of
   * seed 000) or system space. User mappings go into the *current* process:
   * calling it from the wrong context maps the pages into the wrong process.
   */
  MmMapLockedPagesSpecifyCache(mdl: MDL, accessMode: KPROCESSOR_MODE, _cacheType: MEMORY_CACHING_TYPE, _requestedAddress: number | null, bugCheckOnFailure: boolean, _priority: MM_PAGE_PRIORITY = 'NormalPagePriority'): number | null {
    this.checkLive(mdl, 'MmMapLockedPagesSpecifyCache');
    oneOf('MmMapLockedPagesSpecifyCache access mode', accessMode, PROCESSOR_MODES);
    oneOf('MmMapLockedPagesSpecifyCache cache type', _cacheType, CACHING_TYPES);
    if (!(mdl.MdlFlags & (MDL_PAGES_LOCKED | MDL_SOURCE_IS_NONPAGED_POOL | MDL_PARTIAL))) {
      this.mapOfUnlockedPages('MmMapLockedPagesSpecifyCache', mdl);
    }
    if (accessMode === 'KernelMode') {
      const va = this.MmGetSystemAddressForMdlSafe(mdl);
      if (va === null && bugCheckOnFailure) {
        this.mm.bugCheck(0x3f, 0, mdl.pageCount, this.mm.systemPtes.free, this.mm.systemPtes.count, `MmMapLockedPagesSpecifyCache(KernelMode) with BugCheckOnFailure could not map MDL #${mdl.id}: no run of ${mdl.pageCount} free system PTEs`);
      }
      return va;
    }
    this.requireIrql(APC_LEVEL, 0x77, 'MmMapLockedPagesSpecifyCache(UserMode)', mdl.id, 1);
    const process = this.mm.cpu.currentProcess as MmProcess | null;
    // A user-mode mapping that fails raises an exception, whatever BugCheckOnFailure says.
    const fail = (why: string): never => {
      throw new RaisedStatus(STATUS.INSUFFICIENT_RESOURCES, why);
    };
    if (!process) return fail('MmMapLockedPagesSpecifyCache(UserMode) with no process context');
    if (this.mm.faults.shouldFail('MmMapLockedPagesSpecifyCache', mdl.allocatedBy ?? '')) return fail('injected low-resources failure');
    const va = this.mm.mapFrames(process.addressSpace, mdl.PfnArray, `MDL #${mdl.id} mapped into ${process.name}`);
    if (va < 0) return fail(`no free virtual range in ${process.name} (CONT-6)`);
    this.userMappings.set(userMappingKey(process, va), { va, mdl, process, mappedAt: this.mm.cpu.acquisition('MmMapLockedPagesSpecifyCache') });
    return va + mdl.ByteOffset;
  }

  /**
   * Mapping an MDL whose pages are not locked: Driver Verifier's 0xC4/0x85
   * (MmMapLockedPages without the pages locked down; MmGetSystemAddressForMdlSafe
   * and MmMapLockedPagesSpecifyCache map through the same path). P3 is the
   * number of pages to map, P4 the first page frame that is not locked, 0 when
   * the MDL was never probed and so names no frame yet.
   */
  private mapOfUnlockedPages(routine: string, mdl: MDL): never {
    const unlocked = mdl.PfnArray.find((pfn) => !this.mm.isLockedOrNonPaged(pfn)) ?? 0;
    return this.verifierStop(0x85, mdl.id, mdl.pageCount, unlocked, `${routine} on MDL #${mdl.id}, whose pages are not locked`);
  }

  /** User mappings by process and address: two processes may get the same address. */
  private readonly userMappings = new Map<string, UserMapping>();

  /** MmUnmapLockedPages: undo a mapping; a user mapping must be undone in its own process. */
  MmUnmapLockedPages(baseAddress: number, mdl: MDL): void {
    this.checkLive(mdl, 'MmUnmapLockedPages');
    if (isSystemAddress(baseAddress)) {
      if (!(mdl.MdlFlags & MDL_MAPPED_TO_SYSTEM_VA)) this.verifierStop(PROJECT_C4_CODES.UNMAP_NOT_MAPPED.parameter1, mdl.id, baseAddress, 0, 'MmUnmapLockedPages of a system address the MDL is not mapped at');
      this.unmapSystem(mdl);
      return;
    }
    const base = pageOf(baseAddress) * PAGE_SIZE;
    const current = this.mm.cpu.currentProcess as MmProcess | null;
    const m = current ? this.userMappings.get(userMappingKey(current, base)) : undefined;
    if (!m || m.mdl !== mdl) {
      const elsewhere = [...this.userMappings.values()].find((o) => o.va === base && o.mdl === mdl);
      if (elsewhere) this.verifierStop(PROJECT_C4_CODES.UNMAP_IN_OTHER_PROCESS.parameter1, mdl.id, baseAddress, 0, `MmUnmapLockedPages in ${current?.name ?? 'no process'}, but the mapping belongs to ${elsewhere.process.name}`);
      this.verifierStop(PROJECT_C4_CODES.UNMAP_NOT_MAPPED.parameter1, mdl.id, baseAddress, 0, `MmUnmapLockedPages of ${formatAddress(baseAddress)}, which is not a user mapping of MDL #${mdl.id} in ${current?.name ?? 'any process'}`);
    }
    this.mm.unmapFrames(m.process.addressSpace, base);
    this.userMappings.delete(userMappingKey(m.process, base));
  }

  /** User mappings still in place for `mdl` (or for all MDLs). */
  outstandingUserMappings(process?: MmProcess): UserMapping[] {
    return [...this.userMappings.values()].filter((m) => !process || m.process === process).map((m) => ({ ...m }));
  }

  /** Forget user mappings of a process that is going away (its address space goes with it); returns those it had. */
  dropUserMappings(process: MmProcess): Omit<UserMapping, 'process'>[] {
    const dropped: Omit<UserMapping, 'process'>[] = [];
    for (const [key, m] of this.userMappings) {
      if (m.process !== process) continue;
      dropped.push({ va: m.va, mdl: m.mdl, mappedAt: m.mappedAt });
      this.userMappings.delete(key);
    }
    return dropped;
  }

  /**
   * IoFreeMdl: free the MDL. A partial MDL is unmapped first. A non-partial
   * MDL still mapped to system space is verifier stop 0xC4/0xB8. Freeing a
   * parent while partial MDLs over it live corrupts the PFN list (MDL-2). A
   * locked MDL freed without unlocking leaks its lock (found at process exit).
   */
  IoFreeMdl(mdl: MDL): void {
    if (mdl.freed || !this.live.has(mdl)) this.mm.bugCheck(0xc2, 0x07, 0, 0, mdl.poolVa, `IoFreeMdl of MDL #${mdl.id}, which was already freed`);
    this.checkNoLivePartials(mdl, 'freed');
    if (mdl.MdlFlags & MDL_PARTIAL) {
      if (mdl.MdlFlags & MDL_MAPPED_TO_SYSTEM_VA) this.unmapSystem(mdl);
      mdl.parent?.partials.delete(mdl);
    } else if (mdl.MdlFlags & MDL_MAPPED_TO_SYSTEM_VA) {
      this.verifierStop(0xb8, mdl.id, mdl.MdlFlags, 0, `IoFreeMdl of MDL #${mdl.id} while its pages are still mapped to system space`);
    }
    mdl.freed = true;
    this.live.delete(mdl);
    if (mdl.poolVa) this.mm.ExFreePoolWithTag(mdl.poolVa, 'Mdl ');
  }

  /** MDLs allocated and not freed (for leak checks), optionally by one driver. */
  liveMdls(driver?: string): MDL[] {
    return [...this.live].filter((m) => driver === undefined || m.allocatedBy === driver);
  }

  /** The MDL that holds locked pages in `as`, for naming the culprit at process exit. */
  lockingMdlIn(as: AddressSpace): MDL | undefined {
    for (const m of this.locked) if (m.lockedIn === as) return m;
    return undefined;
  }

  private unmapSystem(mdl: MDL): void {
    const base = pageOf(mdl.MappedSystemVa) * PAGE_SIZE;
    this.mm.unmapFrames(this.mm.systemSpace, base);
    this.mm.noteReleasedMdlMapping(base, mdl.PfnArray.length, mdl.id);
    mdl.MappedSystemVa = 0;
    mdl.MdlFlags &= ~(MDL_MAPPED_TO_SYSTEM_VA | MDL_PARTIAL_HAS_BEEN_MAPPED);
  }

  private checkNoLivePartials(mdl: MDL, what: string): void {
    if (mdl.partials.size === 0) return;
    const partial = [...mdl.partials][0]!;
    const pfn = partial.PfnArray[0] ?? 0;
    this.mm.bugCheck(0x4e, 0x9a, pfn, this.mm.physical.state[pfn] ?? 0, this.mm.physical.lockCount[pfn] ?? 0, `MDL #${mdl.id} was ${what} while partial MDL #${partial.id} built over it still exists`);
  }

  private checkLive(mdl: MDL, routine: string): void {
    if (!mdl || mdl.freed) this.verifierStop(PROJECT_C4_CODES.MDL_USED_AFTER_FREE.parameter1, mdl?.id ?? 0, 0, 0, `${routine} on MDL #${mdl?.id ?? 0}, which was already freed`);
  }
}
