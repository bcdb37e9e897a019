/**
 * Reference driver 1, class read-write-direct (seeds 001, 003): direct-I/O
 * reads and writes on the DMA test device.
 *
 * - The device asks for direct I/O, so the I/O manager hands over each
 *   caller's buffer already probed and locked in Irp.MdlAddress, and unlocks
 *   it when the request completes (MDL-4). The driver never locks or unlocks
 *   it itself.
 * - A request is a transaction cut into transfers no longer than one
 *   scatter/gather list may map (the adapter's map registers; DEV-2). Each
 *   transfer gets its own list from GetScatterGatherList and is put back
 *   exactly once with PutScatterGatherList when the device is done with it,
 *   before the request completes (SG-3). The device gets the list's elements
 *   as descriptors, each no longer than its maximum transfer.
 * - The device runs one transfer at a time; the driver maps the next one
 *   while the device works (scatter/gather lists, unlike the adapter channel,
 *   may be held by several transfers at once, SG-2).
 * - A transfer the device never finishes (hung, removed) is noticed by a
 *   timer and aborted, so every request completes. A mapping that fails for
 *   lack of resources is retried once a transfer in flight gives its
 *   resources back; with nothing in flight the request fails with the status.
 * - Requests still queued at cleanup complete as cancelled; a transfer
 *   already on the device finishes by itself.
 *
 * The driver is built from the named steps of DirectIoDevice (its protected
 * methods); a faulty variant in faulty/ replaces one of them.
 */
import { DO_DIRECT_IO, IO_CSQ, IRP_MJ_CLEANUP, IRP_MJ_CLOSE, IRP_MJ_CREATE, IRP_MJ_READ, IRP_MJ_WRITE, KSPIN_LOCK, NT_SUCCESS, STATUS } from '../../personalities/wdm/contract';
import type { DEVICE_OBJECT, IRP, KernelApi, MDL, NtStatus, SCATTER_GATHER_ELEMENT, SCATTER_GATHER_LIST } from '../../personalities/wdm/contract';
import { MiB } from '../../contracts/units';
import {
  DriverIdentity, MajorFunctionTable, ReferenceDevice, TransferResult, TransferWatchdog, atDispatchLevel, completeRequest, referenceDriver, withSpinLock,
} from '../../personalities/wdm/driver-kit';

/** The longest request the driver serves; a longer one fails with STATUS_INVALID_PARAMETER. */
export const DIRECT_IO_MAXIMUM_REQUEST = 8 * MiB;
/** Transfers mapped ahead of the one on the device. */
export const DIRECT_IO_MAP_AHEAD = 1;
/** Assumption: a transfer of at most 8 MiB takes a few ms on the link; 100 ms without an interrupt means the device is stuck. */
export const DIRECT_IO_TRANSFER_TIMEOUT_MS = 100;

/** One application request (a DMA transaction) and how far it has got. */
export interface DirectIoRequest {
  readonly irp: IRP;
  /** A write request: the device reads the buffer. */
  readonly write: boolean;
  /** The locked MDL that describes the caller's buffer. */
  readonly mdl: MDL;
  /** The buffer's first byte, as the MDL describes it. */
  readonly va: number;
  readonly length: number;
  /** Device stream offset of the request's first byte. */
  readonly streamOffset: number;
  /** Bytes handed to transfers so far. */
  mapped: number;
  /** Transfers mapped or on the device that have not ended. */
  outstanding: number;
  /** The first failure, if any. */
  status: NtStatus;
  completed: boolean;
}

/** A piece of a request mapped by one scatter/gather list and run by the device as one transfer. */
export interface DirectIoTransfer {
  readonly request: DirectIoRequest;
  /** Offset of the transfer in the request. */
  readonly offset: number;
  readonly length: number;
  /** The elements the device is programmed with, once mapped. */
  elements: readonly SCATTER_GATHER_ELEMENT[] | null;
  /** What the mapping keeps to release it (the scatter/gather list, or the map register base of the old path). */
  mapping: unknown;
}

/** How a transfer's buffer is made reachable for the device and released again. */
export interface TransferMapping {
  /** Map the transfer; calls `mapped` (now or later) with the elements. A failure status means `mapped` is never called. */
  map(device: DirectIoDevice, transfer: DirectIoTransfer, mapped: (elements: readonly SCATTER_GATHER_ELEMENT[], mapping: unknown) => void): NtStatus;
  /** The device is done with the transfer: release what `map` took, before the request completes. */
  release(device: DirectIoDevice, transfer: DirectIoTransfer): void;
}

/**
 * The scatter/gather path: GetScatterGatherList per transfer,
 * PutScatterGatherList once when the device is done (SG-3), both with the
 * WriteToDevice `writeToDevice` gives for the request.
 */
export function scatterGatherMappingWith(writeToDevice: (request: DirectIoRequest) => boolean): TransferMapping {
  return {
    map(device, transfer, mapped) {
      const { request } = transfer;
      const adapter = device.adapter!;
      return adapter.DmaOperations.GetScatterGatherList(adapter, device.fdo, request.mdl, request.va + transfer.offset, transfer.length,
        (_device, _irp, list: SCATTER_GATHER_LIST) => mapped(list.Elements, list), null, writeToDevice(request));
    },
    release(device, transfer) {
      const adapter = device.adapter!;
      adapter.DmaOperations.PutScatterGatherList(adapter, transfer.mapping as SCATTER_GATHER_LIST, writeToDevice(transfer.request));
      transfer.mapping = null;
    },
  };
}

/** WriteToDevice is TRUE for a write request: the device reads the caller's buffer. */
export const scatterGatherMapping = scatterGatherMappingWith((request) => request.write);

export class DirectIoDevice extends ReferenceDevice {
  protected readonly maximumTransferLength = DIRECT_IO_MAXIMUM_REQUEST;
  /** Requests not yet started: cancelable, and completed as cancelled at cleanup. */
  readonly queue = new IO_CSQ();
  readonly lock = new KSPIN_LOCK('direct-io device lock');
  /** The request being cut into transfers. */
  splitting: DirectIoRequest | null = null;
  /** A transfer whose mapping failed for lack of resources, to map again when resources come back. */
  retry: DirectIoTransfer | null = null;
  /** Transfers asked to be mapped and not mapped yet (an adapter channel may make them wait). */
  mapping = 0;
  /** Mapped transfers waiting for the device, in order. */
  readonly prepared: DirectIoTransfer[] = [];
  /** The transfer on the device. */
  active: DirectIoTransfer | null = null;
  readonly watchdog: TransferWatchdog;

  protected override readonly majorFunctions: MajorFunctionTable = {
    [IRP_MJ_CREATE]: this.completeWithSuccess,
    [IRP_MJ_CLOSE]: this.completeWithSuccess,
    [IRP_MJ_READ]: this.readWrite,
    [IRP_MJ_WRITE]: this.readWrite,
    [IRP_MJ_CLEANUP]: this.cleanup,
  };

  constructor(k: KernelApi, fdo: DEVICE_OBJECT, pdo: DEVICE_OBJECT) {
    super(k, fdo, pdo);
    k.IoCsqInitialize(this.queue, null);
    k.KeInitializeSpinLock(this.lock);
    this.watchdog = new TransferWatchdog(k, () => this.transferTimedOut(), () => this.registers?.progress() ?? 0);
  }

  override ioFlags(): number {
    return DO_DIRECT_IO;
  }

  // --- the named steps --------------------------------------------------------------

  /** Dispatch of a read or write: check it, queue it, start what can start. */
  protected readWrite(irp: IRP): NtStatus {
    const length = this.k.IoGetCurrentIrpStackLocation(irp).Parameters.Read.Length;
    if (length === 0) return completeRequest(this.k, irp, STATUS.SUCCESS, 0);
    if (!this.takesLength(length)) return completeRequest(this.k, irp, STATUS.INVALID_PARAMETER);
    this.k.IoCsqInsertIrp(this.queue, irp, null); // marks it pending; cancelable while queued
    this.startTransfers();
    return STATUS.PENDING;
  }

  /** A request of up to the class's largest, that included, is served; a longer one is refused. */
  protected takesLength(length: number): boolean {
    return length <= DIRECT_IO_MAXIMUM_REQUEST;
  }

  /** The request an IRP asks for: the caller's buffer is the MDL the I/O manager locked (MDL-4). */
  protected requestFor(irp: IRP): DirectIoRequest {
    const location = this.k.IoGetCurrentIrpStackLocation(irp);
    const mdl = irp.MdlAddress!;
    return {
      irp, mdl, write: location.MajorFunction === IRP_MJ_WRITE, va: this.k.MmGetMdlVirtualAddress(mdl), length: location.Parameters.Read.Length,
      streamOffset: location.Parameters.Read.ByteOffset, mapped: 0, outstanding: 0, status: STATUS.SUCCESS, completed: false,
    };
  }

  /** How transfers are mapped for the device. */
  protected transferMapping(): TransferMapping {
    return scatterGatherMapping;
  }

  /** The device has been started on a transfer. */
  protected transferStarted(_transfer: DirectIoTransfer): void {
    this.watchdog.arm(DIRECT_IO_TRANSFER_TIMEOUT_MS);
  }

  /** The device is done with a transfer (`status` says how it ended): give its mapping back (before the request can complete). */
  protected releaseTransfer(transfer: DirectIoTransfer, _status: NtStatus = STATUS.SUCCESS): void {
    this.transferMapping().release(this, transfer);
  }

  /** Cleanup: complete the handle's queued requests as cancelled; transfers already mapped finish by themselves. */
  protected cleanup(irp: IRP): NtStatus {
    const fileObject = this.k.IoGetCurrentIrpStackLocation(irp).FileObject;
    for (let queued = this.k.IoCsqRemoveNextIrp(this.queue, fileObject); queued; queued = this.k.IoCsqRemoveNextIrp(this.queue, fileObject)) {
      completeRequest(this.k, queued, STATUS.CANCELLED);
    }
    return completeRequest(this.k, irp, STATUS.SUCCESS);
  }

  /** Complete the request once its last transfer has ended. */
  protected completeIfDone(request: DirectIoRequest): void {
    if (request.completed || request.outstanding > 0) return;
    if (NT_SUCCESS(request.status) && request.mapped < request.length) return;
    request.completed = true;
    const ok = NT_SUCCESS(request.status);
    completeRequest(this.k, request.irp, request.status, ok ? request.length : 0);
  }

  // --- the machinery ------------------------------------------------------------------

  private inFlight(): number {
    return this.mapping + this.prepared.length + (this.active ? 1 : 0);
  }

  /** The next transfer to map: the retried one, the rest of the request being cut, or the next queued request's first. */
  private nextTransfer(): DirectIoTransfer | null {
    if (this.retry) {
      const t = this.retry;
      this.retry = null;
      return t;
    }
    if (!this.splitting || this.splitting.mapped >= this.splitting.length || !NT_SUCCESS(this.splitting.status)) {
      const irp = this.k.IoCsqRemoveNextIrp(this.queue, null);
      if (!irp) return null;
      this.splitting = this.requestFor(irp);
    }
    const request = this.splitting;
    const offset = request.mapped;
    const length = Math.min(this.longestMappedTransfer, request.length - offset);
    request.mapped += length;
    request.outstanding++;
    return { request, offset, length, elements: null, mapping: null };
  }

  /** Map transfers ahead of the device, then start the device if it is idle. */
  protected startTransfers(): void {
    for (;;) {
      const transfer = withSpinLock(this.k, this.lock, () => (this.inFlight() <= DIRECT_IO_MAP_AHEAD ? this.nextTransfer() : null));
      if (!transfer) break;
      this.mapping++;
      const status = atDispatchLevel(this.k, () => this.transferMapping().map(this, transfer, (elements, mapping) => this.transferMapped(transfer, elements, mapping)));
      if (NT_SUCCESS(status)) continue;
      this.mapping--;
      if (status === STATUS.INSUFFICIENT_RESOURCES && this.inFlight() > 0) {
        this.retry = transfer; // resources come back when a transfer in flight ends
        break;
      }
      this.transferFailed(transfer, status);
    }
    this.startDeviceIfIdle();
  }

  private transferMapped(transfer: DirectIoTransfer, elements: readonly SCATTER_GATHER_ELEMENT[], mapping: unknown): void {
    transfer.elements = elements;
    transfer.mapping = mapping;
    withSpinLock(this.k, this.lock, () => {
      this.mapping--;
      this.prepared.push(transfer);
    });
    this.startDeviceIfIdle();
  }

  private startDeviceIfIdle(): void {
    for (;;) {
      const next = withSpinLock(this.k, this.lock, () => {
        if (this.active || this.prepared.length === 0) return null;
        this.active = this.prepared.shift()!;
        return this.active;
      });
      if (!next) return;
      if (!NT_SUCCESS(next.request.status)) {
        // An earlier transfer of the request failed: give this one back unstarted.
        this.active = null;
        this.releaseTransfer(next);
        this.transferEnded(next, next.request.status);
        // Its list's map registers are back: a transfer waiting for a transfer in flight to end may be the one that waited for them.
        if (this.retry) {
          this.startTransfers();
          return;
        }
        continue;
      }
      const count = this.ring!.write(this.descriptorsFor(next.elements!));
      this.registers!.startRing(this.ring!.logicalAddress, count, { toDevice: next.request.write, streamOffset: next.request.streamOffset + next.offset });
      this.transferStarted(next);
      return;
    }
  }

  /** The DPC: the device finished (or failed) the active transfer. */
  transferInterrupt(_pending: number): void {
    const result = this.registers!.result();
    if (result.busy) return; // the interrupt of an aborted transfer, seen after the next one started
    this.activeTransferEnded(result);
  }

  private activeTransferEnded(result: TransferResult): void {
    const transfer = withSpinLock(this.k, this.lock, () => {
      const t = this.active;
      this.active = null;
      return t;
    });
    if (!transfer) return;
    this.watchdog.cancel();
    const status = result.done ? STATUS.SUCCESS : result.removed ? STATUS.DEVICE_NOT_CONNECTED : STATUS.IO_DEVICE_ERROR;
    this.releaseTransfer(transfer, status);
    this.transferEnded(transfer, status);
    this.startTransfers();
  }

  private transferEnded(transfer: DirectIoTransfer, status: NtStatus): void {
    const request = transfer.request;
    request.outstanding--;
    if (!NT_SUCCESS(status) && NT_SUCCESS(request.status)) request.status = status;
    this.completeIfDone(request);
  }

  /** A transfer that could not be mapped ends with `status` (the request keeps the first failure). */
  protected transferFailed(transfer: DirectIoTransfer, status: NtStatus): void {
    this.transferEnded(transfer, status);
  }

  /** The timer's DPC: the device has not interrupted in time. Abort it; a device that is gone never interrupts again. */
  private transferTimedOut(): void {
    if (!this.active) return;
    const result = this.registers!.result();
    if (result.busy) {
      this.registers!.abort(); // the device stops with an error and interrupts
      return;
    }
    this.activeTransferEnded(result);
  }
}

/** The direct-I/O driver built from a DirectIoDevice class (the reference one, or a variant of it). */
export function directIoDriver(identity: DriverIdentity, Device: new (k: KernelApi, fdo: DEVICE_OBJECT, pdo: DEVICE_OBJECT) => DirectIoDevice = DirectIoDevice) {
  return referenceDriver({ identity, conformanceClasses: ['read-write-direct'], createDevice: (k, fdo, pdo) => new Device(k, fdo, pdo) });
}

export default directIoDriver({
  name: 'direct-io',
  description: 'Direct-I/O reads and writes on the DMA test device: a scatter/gather list per transfer, descriptors cut at the device\'s maximum transfer, completion by interrupt and DPC.',
});
