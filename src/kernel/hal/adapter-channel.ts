/**
 * The old DMA path (SG-2): AllocateAdapterChannel, MapTransfer,
 * FlushAdapterBuffers, FreeAdapterChannel, FreeMapRegisters.
 *
 * An adapter has one channel. A request for it while it is held waits in the
 * adapter's queue, and its execution routine runs (at DISPATCH_LEVEL, in an
 * arbitrary thread context) once the holder frees it: only one request at a
 * time gets through, which is why the scatter/gather routines replaced it
 * (seed 001). MapTransfer maps one element per call, never across a break in
 * physical contiguity; each mapped element must be flushed before its map
 * registers are freed.
 */
import type { Acquisition } from '../../machine/driver-place';
import { COST } from '../../machine/cost-model';
import { DISPATCH_LEVEL } from '../../machine/irql';
import { NtStatus, STATUS } from '../../machine/ntstatus';
import { PAGE_SIZE, formatAddress, pageOf } from '../../contracts/units';
import { MDL, MmGetMdlVirtualAddress } from '../mm/mdl';
import type { DeviceMapping } from '../verifier/dma-verifier';
import type { DmaAdapter, Out, PHYSICAL_ADDRESS } from './dma-adapter';
import { DmaDeviceObject, currentIrpOf } from './dma-device-object';
import { PagePiece } from './device-address-space';
import { MapRegisterBase } from './map-registers';
import { mdlPagesAreLocked, forEachPageChunk } from './mdl-pages';
import { detectionEnabled } from '../detections/detection-switch';

export type IO_ALLOCATION_ACTION = 'KeepObject' | 'DeallocateObject' | 'DeallocateObjectKeepRegisters';

/** The execution routine AllocateAdapterChannel calls once the channel and map registers are the caller's. */
export type DRIVER_CONTROL = (deviceObject: DmaDeviceObject, irp: unknown, mapRegisterBase: MapRegisterBase, context: unknown) => IO_ALLOCATION_ACTION;

interface ChannelRequest {
  readonly deviceObject: DmaDeviceObject;
  readonly numberOfMapRegisters: number;
  readonly executionRoutine: DRIVER_CONTROL;
  readonly context: unknown;
  readonly driver: string | null;
  /** The driver's AllocateAdapterChannel call, for a channel or registers never given back. */
  readonly acquired: Acquisition | null;
}

/** A page copied through a bounce page, to copy back at flush for device-to-host transfers. */
interface BouncedPage {
  readonly originalPa: number;
  readonly bouncePa: number;
  readonly length: number;
}

/** One element MapTransfer returned and FlushAdapterBuffers has not yet covered. */
interface MappedTransfer {
  readonly mdl: MDL;
  readonly va: number;
  readonly length: number;
  readonly writeToDevice: boolean;
  readonly bounced: readonly BouncedPage[];
  readonly mapping: DeviceMapping;
  /** Undo the device-address mapping (IOVA pages with an IOMMU). */
  readonly release: () => void;
}

const VALID_ACTIONS: readonly IO_ALLOCATION_ACTION[] = ['KeepObject', 'DeallocateObject', 'DeallocateObjectKeepRegisters'];

export class AdapterChannel {
  private holder: ChannelRequest | null = null;
  /** Registers held together with the channel (during the routine, and after KeepObject). */
  private heldBase: MapRegisterBase | null = null;
  private readonly queue: ChannelRequest[] = [];
  /** Registers the driver kept after DeallocateObjectKeepRegisters; it frees them with FreeMapRegisters. */
  private readonly keptBases = new Map<MapRegisterBase, Acquisition | null>();
  private readonly transfers = new Map<MapRegisterBase, MappedTransfer[]>();
  private grantPending = false;
  /** Requests that had to wait for the channel, for reports and tests. */
  waitedRequests = 0;
  grantedRequests = 0;

  constructor(private readonly adapter: DmaAdapter) {}

  get outstandingChannels(): number {
    return (this.holder ? 1 : 0) + this.queue.length;
  }

  get outstandingMapRegisters(): number {
    let n = 0;
    for (const b of this.keptBases.keys()) n += b.count;
    return n;
  }

  get queuedRequests(): number {
    return this.queue.length;
  }

  /** Map register bases the driver holds (kept registers and the channel's), for leak checks. */
  get outstandingBases(): number {
    return this.keptBases.size + (this.heldBase ? 1 : 0);
  }

  /** Where the driver asked for the channel it holds or waits for, and for the registers it kept, oldest first. */
  outstandingAcquisitions(): (Acquisition | null)[] {
    return [...(this.holder ? [this.holder.acquired] : []), ...this.queue.map((r) => r.acquired), ...this.keptBases.values()];
  }

  AllocateAdapterChannel(deviceObject: DmaDeviceObject, numberOfMapRegisters: number, executionRoutine: DRIVER_CONTROL, context: unknown): NtStatus {
    const a = this.adapter;
    if (!a.enter('AllocateAdapterChannel', DISPATCH_LEVEL)) return STATUS.INVALID_PARAMETER;
    if (!(Number.isSafeInteger(numberOfMapRegisters) && numberOfMapRegisters >= 0)) return STATUS.INVALID_PARAMETER;
    if (typeof executionRoutine !== 'function') throw new TypeError('AllocateAdapterChannel: ExecutionRoutine must be a function');
    if (numberOfMapRegisters > a.numberOfMapRegisters) {
      a.verifier.report('VER-TOO-MANY-MAP-REGISTERS', numberOfMapRegisters, a.numberOfMapRegisters, a.id,
        `AllocateAdapterChannel asked ${a.label} for ${numberOfMapRegisters} map registers; IoGetDmaAdapter granted ${a.numberOfMapRegisters}`);
      return STATUS.INSUFFICIENT_RESOURCES;
    }
    const mine = (this.holder?.deviceObject === deviceObject ? 1 : 0) + this.queue.filter((r) => r.deviceObject === deviceObject).length;
    if (mine > 0) {
      a.verifier.report('VER-MULTIPLE-CHANNELS', mine, a.id, 0,
        `AllocateAdapterChannel on ${a.label} from a device object that already ${this.holder?.deviceObject === deviceObject ? 'holds the channel' : 'waits for it'}`);
    }
    if (a.kernel.faults.shouldFail('AllocateAdapterChannel', a.kernel.cpu.currentDriver ?? '')) return STATUS.INSUFFICIENT_RESOURCES;
    const request: ChannelRequest = { deviceObject, numberOfMapRegisters, executionRoutine, context, driver: a.kernel.cpu.currentDriver, acquired: a.kernel.cpu.acquisition('AllocateAdapterChannel') };
    this.queue.push(request);
    if (this.holder || this.grantPending || this.queue.length > 1) this.waitedRequests++;
    // On a machine that defers DMA callbacks the routine runs later even when the channel is free.
    if (a.kernel.config.deferDmaCallbacks && detectionEnabled('DEFERRED-DMA-CALLBACKS')) this.scheduleGrant();
    else if (!this.holder && !this.grantPending) this.grantNext(false);
    return STATUS.SUCCESS;
  }

  FreeAdapterChannel(): void {
    const a = this.adapter;
    if (!a.enter('FreeAdapterChannel', DISPATCH_LEVEL)) return;
    if (!this.holder) {
      a.verifier.report('VER-CHANNEL-DOUBLE-FREE', 1, a.id, 0, `FreeAdapterChannel on ${a.label}, whose channel is not allocated (already freed, or released when the execution routine returned DeallocateObject*)`);
      return;
    }
    const base = this.heldBase;
    this.holder = null;
    this.heldBase = null;
    if (base) this.releaseBase(base, 'FreeAdapterChannel');
    this.scheduleGrant();
  }

  FreeMapRegisters(base: MapRegisterBase, numberOfMapRegisters: number): void {
    const a = this.adapter;
    if (!a.enter('FreeMapRegisters', DISPATCH_LEVEL)) return;
    if (!this.keptBases.has(base)) {
      const why = base === this.heldBase ? 'they are held with the channel (KeepObject): FreeAdapterChannel frees them' : base?.freed ? 'they were freed already' : 'the adapter never allocated them';
      a.verifier.report('VER-MAP-REGISTERS-DOUBLE-FREE', numberOfMapRegisters, base && !base.freed ? base.count : 0, a.id,
        `FreeMapRegisters of ${numberOfMapRegisters} map register(s) on ${a.label}: ${why}`);
      return;
    }
    if (numberOfMapRegisters !== base.count) {
      a.verifier.report('VER-UNMAP-MISMATCH', 1, base.count, numberOfMapRegisters, `FreeMapRegisters of ${numberOfMapRegisters} map register(s), but the base holds ${base.count}`);
    }
    this.keptBases.delete(base);
    this.releaseBase(base, 'FreeMapRegisters');
    this.scheduleGrant();
  }

  /**
   * MapTransfer: map the next piece of the transfer and return its device
   * address; `length` comes back as the bytes this one element covers.
   */
  MapTransfer(mdl: MDL, base: MapRegisterBase, currentVa: number, length: Out<number>, writeToDevice: boolean): PHYSICAL_ADDRESS {
    const a = this.adapter;
    const none = (): PHYSICAL_ADDRESS => {
      length.value = 0;
      return { QuadPart: 0 };
    };
    if (!a.enter('MapTransfer', DISPATCH_LEVEL)) return none();
    if (base !== this.heldBase && !this.keptBases.has(base)) {
      throw new Error(`MapTransfer on ${a.label} with map register base #${base?.id ?? 0}, which the adapter does not hold (never allocated, or freed already)`);
    }
    const wanted = length.value;
    if (!(wanted > 0)) {
      a.verifier.report('VER-ZERO-LENGTH-MAP', mdl.id, currentVa, 0, `MapTransfer of ${wanted} bytes of MDL #${mdl.id}`);
      return none();
    }
    const start = MmGetMdlVirtualAddress(mdl);
    if (currentVa < start || currentVa + wanted > start + mdl.ByteCount) {
      a.verifier.reportAddressNotInMdl(currentVa < start || currentVa >= start + mdl.ByteCount ? currentVa : start + mdl.ByteCount, mdl.id, `MapTransfer of ${formatAddress(currentVa)} + ${wanted} bytes, not inside MDL #${mdl.id} (${formatAddress(start)} + ${mdl.ByteCount} bytes)`);
      return none();
    }
    if (!mdlPagesAreLocked(mdl) && detectionEnabled('MAP-TRANSFER-UNLOCKED-MDL')) {
      a.verifier.report('VER-UNLOCKED-DMA', mdl.id, 0, writeToDevice ? 0 : 1, `MapTransfer of MDL #${mdl.id}, whose pages are not locked`);
    }
    const firstRegister = pageOf(currentVa) - pageOf(mdl.StartVa);
    if (firstRegister >= base.count) {
      a.verifier.report('VER-TOO-MANY-MAP-REGISTERS', firstRegister + 1, base.count, a.id,
        `MapTransfer at page ${firstRegister} of MDL #${mdl.id} needs map register ${firstRegister}, but the base holds ${base.count}`);
      return none();
    }
    const regs = a.mapRegisters;
    const pieces: PagePiece[] = [];
    let previousPfn = -1;
    const bounced: BouncedPage[] = [];
    let register = firstRegister;
    forEachPageChunk([{ mdl, va: currentVa, length: wanted }], (chunk) => {
      if (register >= base.count || chunk.pfn < 0) return false;
      const pa = chunk.pfn * PAGE_SIZE + chunk.offset;
      const bounce = regs.needsBounce(pa, chunk.length);
      if (pieces.length > 0 && (bounce || chunk.pfn !== previousPfn + 1)) return false; // one element: stop at a break in contiguity
      if (bounce) {
        const bouncePa = regs.bouncePage(base, register).pa + chunk.offset;
        if (writeToDevice) regs.copy(pa, bouncePa, chunk.length, true);
        bounced.push({ originalPa: pa, bouncePa, length: chunk.length });
        pieces.push({ physicalAddress: bouncePa, length: chunk.length });
        return false; // a bounce page stands alone
      }
      pieces.push({ physicalAddress: pa, length: chunk.length });
      previousPfn = chunk.pfn;
      register++;
      return true;
    });
    if (pieces.length === 0) return none(); // the MDL describes no frames (never locked)
    const device = a.addressing.map(pieces, !writeToDevice);
    if (!device) return none(); // the device's IOVA space is exhausted
    const address = device.addresses[0]!;
    const mapped = pieces.reduce((n, p) => n + p.length, 0);
    a.kernel.clock.charge(COST.sgElementBuild.ns, 'hal:sg-element');
    const mapping = a.map('map-transfer', [{ address, length: mapped }], mdl.id, writeToDevice, `MapTransfer of MDL #${mdl.id} at ${formatAddress(currentVa)}`);
    const list = this.transfers.get(base);
    const t: MappedTransfer = { mdl, va: currentVa, length: mapped, writeToDevice, bounced, mapping, release: device.release };
    if (list) list.push(t);
    else this.transfers.set(base, [t]);
    length.value = mapped;
    return { QuadPart: address };
  }

  /**
   * FlushAdapterBuffers: the transfer is over. Data bounced for a
   * device-to-host transfer is copied back to the caller's pages now (SG-6).
   */
  FlushAdapterBuffers(mdl: MDL, base: MapRegisterBase, currentVa: number, length: number, writeToDevice: boolean): boolean {
    const a = this.adapter;
    if (!a.enter('FlushAdapterBuffers', DISPATCH_LEVEL)) return false;
    const all = this.transfers.get(base) ?? [];
    const hit = all.filter((t) => t.mdl === mdl && t.va < currentVa + length && t.va + t.length > currentVa);
    if (hit.length === 0) {
      a.verifier.report('VER-SYNC-OUTSIDE-MAPPING', mdl?.id ?? 0, currentVa, length,
        `FlushAdapterBuffers of ${formatAddress(currentVa)} + ${length} bytes of MDL #${mdl?.id ?? 0} on ${a.label}: nothing of it is mapped by MapTransfer with this map register base`);
      return false;
    }
    for (const t of hit) {
      if (t.writeToDevice !== writeToDevice) {
        a.verifier.report('VER-UNMAP-MISMATCH', 2, t.writeToDevice ? 1 : 0, writeToDevice ? 1 : 0,
          `FlushAdapterBuffers with WriteToDevice=${writeToDevice} for an element MapTransfer mapped with WriteToDevice=${t.writeToDevice}`);
      }
      // The HAL copies back according to what the caller says, as the real one does.
      if (!writeToDevice) this.copyBack(t);
      a.unmap(t.mapping);
      t.release();
    }
    const left = all.filter((t) => !hit.includes(t));
    if (left.length) this.transfers.set(base, left);
    else this.transfers.delete(base);
    return true;
  }

  /** PutDmaAdapter in record mode: requests still waiting will never run. */
  cancelQueued(): void {
    this.queue.length = 0;
  }

  private copyBack(t: MappedTransfer): void {
    const a = this.adapter;
    for (const b of t.bounced) {
      const pfn = Math.floor(b.originalPa / PAGE_SIZE);
      if (!a.kernel.mm.isLockedOrNonPaged(pfn)) {
        a.verifier.report('VER-UNLOCKED-DMA', t.mdl.id, pfn, 1, `FlushAdapterBuffers copies bounced data back into frame ${pfn} of MDL #${t.mdl.id}, which is no longer locked`);
      }
      a.mapRegisters.copy(b.bouncePa, b.originalPa, b.length, false);
    }
  }

  private releaseBase(base: MapRegisterBase, routine: string): void {
    const a = this.adapter;
    const unflushed = this.transfers.get(base) ?? [];
    if (unflushed.length > 0) {
      a.verifier.report('VER-NOT-FLUSHED', unflushed.length, a.id, 0,
        `${routine} on ${a.label} while ${unflushed.length} element(s) mapped by MapTransfer were never flushed with FlushAdapterBuffers`);
      for (const t of unflushed) {
        a.unmap(t.mapping);
        t.release();
      }
      this.transfers.delete(base);
    }
    a.mapRegisters.release(base);
    a.lists.registersReturned();
  }

  /** The channel or registers came free: the next waiting request runs after a HAL call's time. */
  private scheduleGrant(): void {
    if (this.grantPending || this.holder || this.queue.length === 0) return;
    this.grantPending = true;
    this.adapter.kernel.clock.schedule(COST.adapterCall.ns, `${this.adapter.label}: adapter channel to the next request`, () => {
      this.grantPending = false;
      if (!this.adapter.released) this.grantNext(true);
    });
  }

  /** A grant to the request at the head of the queue is scheduled: scatter/gather lists waiting for registers let it go first. */
  get grantScheduled(): boolean {
    return this.grantPending;
  }

  /** Registers were returned elsewhere (a scatter/gather list): a request waiting for them may run. */
  registersReturned(): void {
    this.scheduleGrant();
  }

  private grantNext(deferred: boolean): void {
    if (this.holder) return;
    const request = this.queue[0];
    if (!request) return;
    const base = this.adapter.mapRegisters.allocate(request.numberOfMapRegisters);
    if (!base) return; // bounce registers busy in scatter/gather lists: wait for them
    this.queue.shift();
    this.holder = request;
    this.heldBase = base;
    this.grantedRequests++;
    const k = this.adapter.kernel;
    const run = () => k.cpu.inDriver(request.driver, () => k.cpu.atIrql(DISPATCH_LEVEL, () =>
      request.executionRoutine(request.deviceObject, currentIrpOf(request.deviceObject), base, request.context)));
    const action = deferred ? k.cpu.inProcess(null, run) : run();
    if (!VALID_ACTIONS.includes(action)) {
      throw new TypeError(`the execution routine given to AllocateAdapterChannel returned ${String(action)}; it must return KeepObject, DeallocateObject or DeallocateObjectKeepRegisters`);
    }
    if (this.holder !== request) return; // the routine freed the channel itself
    if (action === 'KeepObject') return;
    this.holder = null;
    this.heldBase = null;
    if (action === 'DeallocateObject') this.releaseBase(base, 'the execution routine returning DeallocateObject');
    else this.keptBases.set(base, request.acquired);
    this.scheduleGrant();
  }
}
