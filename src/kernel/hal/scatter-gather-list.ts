/**
 * The scatter/gather routines (SG-3, SG-4, SG-7): GetScatterGatherList,
 * PutScatterGatherList, CalculateScatterGatherList, BuildScatterGatherList.
 *
 * A list is (device address, length) elements in transfer order whose lengths
 * sum to the transfer length; pages that are physically adjacent merge into
 * one element. GetScatterGatherList allocates the list, and the HAL's private
 * tracking data, from non-paged pool; BuildScatterGatherList puts both into a
 * buffer the caller allocated beforehand and allocates nothing, which is what
 * lets a storage driver make forward progress (seed 001). The size the caller
 * needs comes from CalculateScatterGatherList, and the same formula decides
 * whether the buffer is big enough.
 */
import { FOUR_GIB } from '../../machine/boot-config';
import { COST } from '../../machine/cost-model';
import type { Acquisition } from '../../machine/driver-place';
import { DISPATCH_LEVEL, HIGH_LEVEL } from '../../machine/irql';
import { NtStatus, STATUS } from '../../machine/ntstatus';
import { ADDRESS_AND_SIZE_TO_SPAN_PAGES, PAGE_SIZE, formatAddress, pageOf } from '../../contracts/units';
import { MDL } from '../mm/mdl';
import type { DeviceMapping } from '../verifier/dma-verifier';
import { LIST_IN_BUFFER } from '../verifier/violation-catalog';
import type { DmaAdapter } from './dma-adapter';
import { DmaDeviceObject, currentIrpOf } from './dma-device-object';
import { MapRegisterBase } from './map-registers';
import { MdlPiece, firstUnlockedMdl, forEachPageChunk, transferPosition, walkMdlChain } from './mdl-pages';
import { detectionEnabled } from '../detections/detection-switch';

export interface SCATTER_GATHER_ELEMENT {
  /** The device-visible address the device must be programmed with. */
  readonly Address: number;
  readonly Length: number;
}

export interface SCATTER_GATHER_LIST {
  readonly NumberOfElements: number;
  readonly Elements: readonly SCATTER_GATHER_ELEMENT[];
}

/** The execution routine of GetScatterGatherList / BuildScatterGatherList, called at DISPATCH_LEVEL. */
export type DRIVER_LIST_CONTROL = (deviceObject: DmaDeviceObject, irp: unknown, scatterGather: SCATTER_GATHER_LIST, context: unknown) => void;

export interface ScatterGatherListSize {
  readonly status: NtStatus;
  /** Bytes BuildScatterGatherList needs for this transfer. */
  readonly scatterGatherListSize: number;
  readonly numberOfMapRegisters: number;
}

/** x64 layout: NumberOfElements and Reserved before the elements. */
export const SCATTER_GATHER_LIST_HEADER_BYTES = 16;
/** x64 layout: Address (8), Length (4, padded to 8), Reserved (8). */
export const SCATTER_GATHER_ELEMENT_BYTES = 24;
/** The HAL's private tracking data that travels with a list (assumption: queue links, adapter, base, counts). */
export const SCATTER_GATHER_PRIVATE_BYTES = 128;
/** Private tracking per map register the list holds (assumption). */
export const SCATTER_GATHER_PRIVATE_BYTES_PER_MAP_REGISTER = 8;

/**
 * The one size formula Calculate and Build share. The element count is the
 * worst case, one per page spanned, so it depends on where the buffer starts:
 * an unaligned buffer spans one page more than an aligned one of the same length.
 */
export function scatterGatherListBytes(pagesSpanned: number): number {
  return SCATTER_GATHER_LIST_HEADER_BYTES + SCATTER_GATHER_ELEMENT_BYTES * pagesSpanned
    + SCATTER_GATHER_PRIVATE_BYTES + SCATTER_GATHER_PRIVATE_BYTES_PER_MAP_REGISTER * pagesSpanned;
}

const POOL_TAG = 'DmaS';

/** A list the HAL gave out, and what it needs to put it back. */
interface ListRecord {
  readonly adapter: DmaAdapter;
  readonly list: SCATTER_GATHER_LIST;
  readonly writeToDevice: boolean;
  readonly base: MapRegisterBase;
  readonly bounced: readonly { originalPa: number; bouncePa: number; length: number; mdl: MDL }[];
  readonly mapping: DeviceMapping;
  /** Undo the device-address mapping (IOVA pages with an IOMMU). */
  readonly release: () => void;
  /** Pool block of a GetScatterGatherList list; 0 for a list built in the caller's buffer. */
  readonly poolVa: number;
  /** The caller's buffer of a BuildScatterGatherList list. */
  readonly callerBuffer: { readonly va: number; readonly length: number } | null;
  readonly mdlId: number;
  /** The driver's Get/BuildScatterGatherList call, for a list never put back. */
  readonly acquired: Acquisition | null;
  put: boolean;
  /** The HAL deferred the list's execution routine and has not run it yet: the driver's transfer has not started. */
  routinePending: boolean;
}

type TransferWalk = { readonly pieces: readonly MdlPiece[]; readonly pages: number };

/** A GetScatterGatherList call waiting for map registers: its execution routine runs once they come back. */
interface WaitingList {
  readonly deviceObject: DmaDeviceObject;
  readonly walk: TransferWalk;
  readonly writeToDevice: boolean;
  readonly poolVa: number;
  readonly mdlId: number;
  readonly executionRoutine: DRIVER_LIST_CONTROL;
  readonly context: unknown;
  readonly driver: string | null;
  readonly acquired: Acquisition | null;
}

/** Every list ever handed out, so a put to the wrong adapter or a second put is recognised. */
const records = new WeakMap<SCATTER_GATHER_LIST, ListRecord>();

export class ScatterGatherLists {
  private readonly live = new Set<ListRecord>();
  /** GetScatterGatherList calls queued until map registers come back, oldest first. */
  private readonly waiting: WaitingList[] = [];
  private retryPending = false;
  allocatedCount = 0;
  freedCount = 0;
  /** GetScatterGatherList calls that had to wait for map registers. */
  waitedCount = 0;

  constructor(private readonly adapter: DmaAdapter) {}

  /** Lists handed out and not put back, and those promised to callers still waiting for map registers. */
  get outstandingCount(): number {
    // Every check of lists not put back (leftovers, unload, PutDmaAdapter, the accounting) counts through here.
    return detectionEnabled('LISTS-NOT-PUT-BACK') ? this.live.size + this.waiting.length : 0;
  }

  /** Lists not yet put back, oldest first. */
  outstanding(): SCATTER_GATHER_LIST[] {
    return [...this.live].map((r) => r.list);
  }

  /** Where the driver asked for each list not yet put back (or still waiting for map registers), oldest first. */
  outstandingAcquisitions(): (Acquisition | null)[] {
    return [...[...this.live].map((r) => r.acquired), ...this.waiting.map((w) => w.acquired)];
  }

  /** The MDL each list not yet put back was built for, oldest first: a list whose MDL is gone has outlived its transfer. */
  outstandingMdlIds(): number[] {
    return [...this.live].map((r) => r.mapping.mdlId);
  }

  CalculateScatterGatherList(mdl: MDL | null, currentVa: number, length: number): ScatterGatherListSize {
    const a = this.adapter;
    const fail = (status: NtStatus): ScatterGatherListSize => ({ status, scatterGatherListSize: 0, numberOfMapRegisters: 0 });
    if (!a.enter('CalculateScatterGatherList', HIGH_LEVEL)) return fail(STATUS.INVALID_PARAMETER);
    if (!(Number.isSafeInteger(length) && length > 0)) return fail(STATUS.INVALID_PARAMETER);
    let pages: number;
    if (mdl === null) {
      pages = ADDRESS_AND_SIZE_TO_SPAN_PAGES(currentVa, length);
    } else {
      const walk = walkMdlChain(mdl, currentVa, length);
      if (!walk.ok) {
        a.verifier.reportAddressNotInMdl(walk.outsideVa, mdl.id, `CalculateScatterGatherList: ${walk.why}`);
        return fail(STATUS.INVALID_PARAMETER);
      }
      pages = walk.pages;
    }
    if (a.kernel.faults.shouldFail('CalculateScatterGatherList', a.kernel.cpu.currentDriver ?? '')) return fail(STATUS.INSUFFICIENT_RESOURCES);
    return { status: STATUS.SUCCESS, scatterGatherListSize: scatterGatherListBytes(pages), numberOfMapRegisters: pages };
  }

  GetScatterGatherList(deviceObject: DmaDeviceObject, mdl: MDL, currentVa: number, length: number, executionRoutine: DRIVER_LIST_CONTROL, context: unknown, writeToDevice: boolean): NtStatus {
    const a = this.adapter;
    if (!a.enter('GetScatterGatherList', DISPATCH_LEVEL)) return STATUS.INVALID_PARAMETER;
    const walk = this.checkTransfer('GetScatterGatherList', mdl, currentVa, length, writeToDevice);
    if (typeof walk === 'number') return walk;
    if (!this.withinGrant('GetScatterGatherList', mdl, walk.pages)) return STATUS.INSUFFICIENT_RESOURCES;
    const callSite = a.kernel.cpu.currentDriver ?? '';
    if (a.kernel.faults.shouldFail('GetScatterGatherList', callSite, transferPosition(mdl, currentVa, walk.pieces))) return STATUS.INSUFFICIENT_RESOURCES;
    const acquired = a.kernel.cpu.acquisition('GetScatterGatherList');
    const poolVa = a.kernel.faults.onBehalf(() => a.kernel.mm.ExAllocatePoolWithTag('NonPagedPool', scatterGatherListBytes(walk.pages), POOL_TAG, callSite, acquired));
    if (poolVa === null) return STATUS.INSUFFICIENT_RESOURCES;
    if (typeof executionRoutine !== 'function') throw new TypeError('the ExecutionRoutine of a scatter/gather routine must be a function');
    const request: WaitingList = { deviceObject, walk, writeToDevice, poolVa, mdlId: mdl.id, executionRoutine, context, driver: a.kernel.cpu.currentDriver, acquired };
    // Map registers busy (bounce pages held by other lists): Windows queues the request and calls the routine once they come back.
    if (this.waiting.length > 0 || !this.tryGrant(request, false)) {
      this.waitedCount++;
      this.waiting.push(request);
      this.scheduleRetry();
    }
    return STATUS.SUCCESS;
  }

  /** Map registers came back (a list was put, a channel freed its registers): a waiting request may now get its list. */
  registersReturned(): void {
    this.scheduleRetry();
  }

  /** PutDmaAdapter in record mode: requests still waiting never get their lists. */
  cancelWaiting(): void {
    for (const w of this.waiting.splice(0)) this.adapter.kernel.mm.ExFreePoolWithTag(w.poolVa, POOL_TAG);
  }

  private scheduleRetry(): void {
    if (this.retryPending || this.waiting.length === 0) return;
    this.retryPending = true;
    this.adapter.kernel.clock.schedule(COST.adapterCall.ns, `${this.adapter.label}: scatter/gather lists to waiting requests`, () => {
      this.retryPending = false;
      // Adapter-channel requests waiting for registers were queued first: their grant goes before any list.
      if (this.adapter.channel.grantScheduled) return this.scheduleRetry();
      while (!this.adapter.released && this.waiting.length > 0 && this.tryGrant(this.waiting[0]!, true)) this.waiting.shift();
    });
  }

  /** Map registers and the list for a request, then its execution routine (`later`: from the retry, not the caller's call). */
  private tryGrant(w: WaitingList, later: boolean): boolean {
    const a = this.adapter;
    const base = a.mapRegisters.allocate(w.walk.pages);
    if (!base) return false;
    const list = this.build(w.walk.pieces, base, w.writeToDevice, w.poolVa, null, w.mdlId, w.acquired);
    if (!list) {
      a.mapRegisters.release(base);
      return false;
    }
    this.runExecutionRoutine(w.deviceObject, list, w.executionRoutine, w.context, later, w.driver);
    return true;
  }

  BuildScatterGatherList(deviceObject: DmaDeviceObject, mdl: MDL, currentVa: number, length: number, executionRoutine: DRIVER_LIST_CONTROL, context: unknown, writeToDevice: boolean, scatterGatherBuffer: number, scatterGatherLength: number): NtStatus {
    const a = this.adapter;
    if (!a.enter('BuildScatterGatherList', DISPATCH_LEVEL)) return STATUS.INVALID_PARAMETER;
    const walk = this.checkTransfer('BuildScatterGatherList', mdl, currentVa, length, writeToDevice);
    if (typeof walk === 'number') return walk;
    const needed = scatterGatherListBytes(walk.pages);
    if (!(scatterGatherLength >= needed)) return STATUS.BUFFER_TOO_SMALL;
    this.checkCallerBuffer(scatterGatherBuffer, needed);
    if (!this.withinGrant('BuildScatterGatherList', mdl, walk.pages)) return STATUS.INSUFFICIENT_RESOURCES;
    if (a.kernel.faults.shouldFail('BuildScatterGatherList', a.kernel.cpu.currentDriver ?? '', transferPosition(mdl, currentVa, walk.pieces))) return STATUS.INSUFFICIENT_RESOURCES;
    const base = a.mapRegisters.allocate(walk.pages);
    if (!base) return STATUS.INSUFFICIENT_RESOURCES;
    const list = this.build(walk.pieces, base, writeToDevice, 0, { va: scatterGatherBuffer, length: needed }, mdl.id, a.kernel.cpu.acquisition('BuildScatterGatherList'));
    if (!list) {
      a.mapRegisters.release(base);
      return STATUS.INSUFFICIENT_RESOURCES;
    }
    this.runExecutionRoutine(deviceObject, list, executionRoutine, context);
    return STATUS.SUCCESS;
  }

  /**
   * One list may span no more pages than IoGetDmaAdapter granted map
   * registers (SG-1): a driver must cut longer transfers itself. The call
   * fails as on Windows, and the verifier names the mistake.
   */
  private withinGrant(routine: string, mdl: MDL, pages: number): boolean {
    const a = this.adapter;
    if (pages <= a.numberOfMapRegisters) return true;
    a.verifier.report('VER-MAP-REGISTERS-BEYOND-GRANT', pages, a.numberOfMapRegisters, a.id,
      `${routine} of MDL #${mdl.id} spans ${pages} page(s), but IoGetDmaAdapter granted ${a.label} ${a.numberOfMapRegisters} map register(s)`);
    return false;
  }

  PutScatterGatherList(list: SCATTER_GATHER_LIST, writeToDevice: boolean): void {
    const a = this.adapter;
    if (!a.enter('PutScatterGatherList', DISPATCH_LEVEL)) return;
    const r = list ? records.get(list) : undefined;
    if (r && r.adapter !== a) {
      a.verifier.report('VER-UNMAP-MISMATCH', 3, r.adapter.id, a.id, `PutScatterGatherList on ${a.label} of a list that ${r.adapter.label} built`);
      return;
    }
    if (!r || r.put) {
      a.verifier.report('VER-SG-DOUBLE-PUT', this.allocatedCount, this.freedCount + 1, a.id,
        `PutScatterGatherList on ${a.label} of ${r ? 'a list that was already put back' : 'an object that is not a scatter/gather list the HAL built'}`);
      return;
    }
    if (r.writeToDevice !== writeToDevice) {
      a.verifier.report('VER-UNMAP-MISMATCH', 2, r.writeToDevice ? 1 : 0, writeToDevice ? 1 : 0,
        `PutScatterGatherList with WriteToDevice=${writeToDevice} for a list built with WriteToDevice=${r.writeToDevice}`);
    }
    // Bounced device-to-host data comes back now, as the caller's direction says (SG-6).
    if (!writeToDevice) this.copyBack(r);
    r.put = true;
    this.live.delete(r);
    this.freedCount++;
    a.unmap(r.mapping);
    r.release();
    a.mapRegisters.release(r.base);
    if (r.poolVa) a.kernel.mm.ExFreePoolWithTag(r.poolVa, POOL_TAG);
    a.channel.registersReturned();
    this.registersReturned();
  }

  /**
   * Sync a live list's bounced pages without putting it back: the user DMA
   * library's syncCpu (device-to-host data to the caller's pages) and syncIo
   * (the caller's pages to the bounce pages).
   */
  syncBounced(list: SCATTER_GATHER_LIST, towardDevice: boolean): boolean {
    const r = records.get(list);
    if (!r || r.put || r.adapter !== this.adapter) return false;
    if (towardDevice) for (const b of r.bounced) this.adapter.mapRegisters.copy(b.originalPa, b.bouncePa, b.length, true);
    else this.copyBack(r);
    return true;
  }

  /** The checks both Get and Build make; a status when the transfer cannot be mapped. */
  private checkTransfer(routine: string, mdl: MDL, currentVa: number, length: number, writeToDevice: boolean): NtStatus | TransferWalk {
    const a = this.adapter;
    if (!(mdl instanceof MDL)) throw new TypeError(`${routine}: Mdl must be an MDL from IoAllocateMdl`);
    if (!(length > 0)) {
      a.verifier.report('VER-ZERO-LENGTH-MAP', mdl.id, currentVa, 0, `${routine} of ${length} bytes of MDL #${mdl.id}`);
      return STATUS.INVALID_PARAMETER;
    }
    const walk = walkMdlChain(mdl, currentVa, length);
    if (!walk.ok) {
      a.verifier.reportAddressNotInMdl(walk.outsideVa, mdl.id, `${routine}: ${walk.why}`);
      return STATUS.INVALID_PARAMETER;
    }
    const unlocked = firstUnlockedMdl(walk.pieces);
    if (unlocked) {
      a.verifier.report('VER-UNLOCKED-DMA', unlocked.id, 0, writeToDevice ? 0 : 1, `${routine} of MDL #${unlocked.id}, whose pages are not locked (PAGE-1)`);
      // Recording only: go on with whatever frames the MDL still names, as the real HAL would.
      let unmapped = false;
      forEachPageChunk(walk.pieces, (c) => !(unmapped = c.pfn < 0));
      if (unmapped) return STATUS.INVALID_PARAMETER;
    }
    return walk;
  }

  /**
   * The caller's buffer must be resident: the HAL writes the list into it at
   * DISPATCH_LEVEL, where touching a page that is not resident stops the
   * machine (0xD1), and it must not hold a list still in use.
   */
  private checkCallerBuffer(va: number, bytes: number): void {
    const a = this.adapter;
    for (let p = pageOf(va); p <= pageOf(va + bytes - 1); p++) {
      if (a.kernel.mm.translate(p * PAGE_SIZE) < 0) {
        a.kernel.mm.bugCheck(0xd1, p * PAGE_SIZE, DISPATCH_LEVEL, 1, 0, `BuildScatterGatherList writes the list into ${formatAddress(va)} + ${bytes} bytes at DISPATCH_LEVEL, and ${formatAddress(p * PAGE_SIZE)} is not resident`);
      }
    }
    for (const r of this.live) {
      const b = r.callerBuffer;
      if (b && b.va < va + bytes && va < b.va + b.length) {
        // P3 and P4 say whose list is there and whether its transfer has started: one not started is still in use (SG-5), not a list never put back.
        const state = r.routinePending ? LIST_IN_BUFFER.routineDeferred : a.verifier.deviceReached(r.mapping) ? LIST_IN_BUFFER.moved : LIST_IN_BUFFER.notStarted;
        const how = state === LIST_IN_BUFFER.routineDeferred ? ', whose execution routine the HAL deferred and has not run yet' : state === LIST_IN_BUFFER.notStarted ? ', through which the device has moved nothing yet' : '';
        a.verifier.report('VER-SG-BUFFER-IN-USE', va, r.mdlId, state, `BuildScatterGatherList into ${formatAddress(va)}, which still holds a list of MDL #${r.mdlId} not put back${how} (its private data is overwritten)`);
        return;
      }
    }
  }

  /** The list for the pieces, registered with the verifier; null when the device's IOVA space is exhausted. */
  private build(pieces: readonly MdlPiece[], base: MapRegisterBase, writeToDevice: boolean, poolVa: number, callerBuffer: ListRecord['callerBuffer'], mdlId: number, acquired: Acquisition | null): SCATTER_GATHER_LIST | null {
    const a = this.adapter;
    const regs = a.mapRegisters;
    // Page by page, the physical address and length: two arrays of numbers rather than an object per page.
    const physical: number[] = [];
    const lengths: number[] = [];
    const bounced: { originalPa: number; bouncePa: number; length: number; mdl: MDL }[] = [];
    let register = 0;
    forEachPageChunk(pieces, (c) => {
      const pa = c.pfn * PAGE_SIZE + c.offset;
      if (regs.needsBounce(pa, c.length)) {
        const bouncePa = regs.bouncePage(base, register).pa + c.offset;
        bounced.push({ originalPa: pa, bouncePa, length: c.length, mdl: c.mdl });
        physical.push(bouncePa);
      } else {
        physical.push(pa);
      }
      lengths.push(c.length);
      register++;
    });
    const device = a.addressing.mapAddresses(physical, !writeToDevice);
    if (!device) return null;
    if (writeToDevice) for (const b of bounced) regs.copy(b.originalPa, b.bouncePa, b.length, true);
    const elements: { Address: number; Length: number }[] = [];
    let last: { Address: number; Length: number } | undefined;
    for (let i = 0; i < lengths.length; i++) {
      const address = device.addresses[i]!;
      if (last && last.Address + last.Length === address) last.Length += lengths[i]!;
      else elements.push((last = { Address: address, Length: lengths[i]! }));
    }
    a.kernel.clock.charge(COST.sgElementBuild.ns * elements.length, 'hal:sg-element');
    const list: SCATTER_GATHER_LIST = { NumberOfElements: elements.length, Elements: elements };
    const ranges = new Array<{ address: number; length: number }>(elements.length);
    for (let i = 0; i < elements.length; i++) ranges[i] = { address: elements[i]!.Address, length: elements[i]!.Length };
    const mapping = a.map('scatter-gather-list', ranges, mdlId, writeToDevice, `scatter/gather list of MDL #${mdlId}`);
    const r: ListRecord = { adapter: a, list, writeToDevice, base, bounced, mapping, release: device.release, poolVa, callerBuffer, mdlId, acquired, put: false, routinePending: false };
    records.set(list, r);
    this.live.add(r);
    this.allocatedCount++;
    return list;
  }

  /**
   * The execution routine, at DISPATCH_LEVEL: at once, inside the caller's
   * own call, or `later` from a DPC in no particular process (a request that
   * waited for map registers). A machine that defers DMA callbacks calls
   * every routine later.
   */
  private runExecutionRoutine(deviceObject: DmaDeviceObject, list: SCATTER_GATHER_LIST, routine: DRIVER_LIST_CONTROL, context: unknown, later = false, driver = this.adapter.kernel.cpu.currentDriver): void {
    if (typeof routine !== 'function') throw new TypeError('the ExecutionRoutine of a scatter/gather routine must be a function');
    const k = this.adapter.kernel;
    const call = () => routine(deviceObject, currentIrpOf(deviceObject), list, context);
    if (!later && !(k.config.deferDmaCallbacks && detectionEnabled('DEFERRED-DMA-CALLBACKS'))) {
      k.cpu.atIrql(Math.max(k.cpu.irql, DISPATCH_LEVEL), call);
      return;
    }
    const fromDpc = () => k.cpu.inProcess(null, () => k.cpu.inDriver(driver, () => k.cpu.atIrql(DISPATCH_LEVEL, call)));
    if (later) return fromDpc();
    const record = [...this.live].find((r) => r.list === list);
    if (record) record.routinePending = true;
    k.clock.schedule(COST.adapterCall.ns, `${this.adapter.label}: the execution routine of a scatter/gather list, deferred`, () => {
      if (record) record.routinePending = false;
      fromDpc();
    });
  }

  private copyBack(r: ListRecord): void {
    const a = this.adapter;
    for (const b of r.bounced) {
      const pfn = Math.floor(b.originalPa / PAGE_SIZE);
      if (!a.kernel.mm.isLockedOrNonPaged(pfn)) {
        a.verifier.report('VER-UNLOCKED-DMA', b.mdl.id, pfn, 1, `bounced data is copied back into frame ${pfn} of MDL #${b.mdl.id}, which is no longer locked`);
      }
      a.mapRegisters.copy(b.bouncePa, b.originalPa, b.length, false);
    }
  }
}

/** Addresses a device with 32-bit addressing can reach, for tests and reports. */
export function reachableBy32BitDevice(address: number, length: number): boolean {
  return address + length <= FOUR_GIB;
}
