/**
 * Reference driver 4, class storage-forward-progress (seed 001; REFERENCES.md
 * "Forward progress in real storage stacks"): a storage-style driver on the
 * DMA test device that never fails a request for lack of resources.
 *
 * - At start it sizes a reserve with CalculateScatterGatherList for its
 *   longest transfer at the worst start offset (a buffer that starts one byte
 *   into a page spans one page more than an aligned one, SG-4), and allocates
 *   it from non-paged pool while pool is still there.
 * - Normally each transfer gets its list from GetScatterGatherList, which
 *   allocates from pool. When that fails with STATUS_INSUFFICIENT_RESOURCES
 *   the driver builds the list into the reserve with BuildScatterGatherList,
 *   which allocates nothing.
 * - While the reserve holds a list, a transfer that cannot get one waits in a
 *   cancel-safe queue; every list put back (exactly once, SG-3) restarts the
 *   waiting transfers in order (SG-5).
 *
 * Requests are direct I/O. A request longer than the longest transfer is cut
 * into transfers (DEV-2), each mapped by its own list; the device runs one
 * transfer at a time from its descriptor ring while the driver keeps the
 * next ones mapped, as a storage adapter keeps commands queued.
 *
 * The driver is built from small named steps (the protected methods of
 * StorageDevice) so that a faulty variant in faulty/ replaces
 * exactly one of them.
 */
import { DO_DIRECT_IO, IO_CSQ, IRP_MJ_CLEANUP, IRP_MJ_CLOSE, IRP_MJ_CREATE, IRP_MJ_READ, IRP_MJ_WRITE, KSPIN_LOCK, NT_SUCCESS, STATUS } from '../../personalities/wdm/contract';
import type { DEVICE_OBJECT, DeviceResources, IRP, KernelApi, MDL, NtStatus, SCATTER_GATHER_LIST } from '../../personalities/wdm/contract';
import { DriverIdentity, MajorFunctionTable, ReferenceDevice, TransferResult, TransferWatchdog, completeRequest, referenceDriver, withSpinLock } from '../../personalities/wdm/driver-kit';
import { STORAGE_MAXIMUM_TRANSFER } from './interface';

/** Pool tag of the forward-progress reserve. */
export const STORAGE_RESERVE_TAG = 'SFPr';
/** Assumption: a 1 MiB transfer takes well under a millisecond on the link; 100 ms without an interrupt means the device is stuck. */
export const STORAGE_TRANSFER_TIMEOUT_MS = 100;
/** Assumption: a list that could not be built with nothing of the driver's in flight is tried again this much later. */
export const STORAGE_RETRY_MS = 1;

/** One application request and how far it has got. */
export interface StorageRequest {
  readonly irp: IRP;
  readonly write: boolean;
  readonly mdl: MDL;
  readonly length: number;
  /** Device stream offset of the request's first byte. */
  readonly byteOffset: number;
  /** Bytes handed to transfers so far. */
  mapped: number;
  /** Bytes the device has moved. */
  moved: number;
  /** The request's next transfer waits for a list (in the cancel-safe queue). */
  waiting: boolean;
}

/** A piece of a request mapped by one scatter/gather list. */
export interface StorageTransfer {
  readonly request: StorageRequest;
  /** Offset of the transfer in the request. */
  readonly offset: number;
  readonly length: number;
  list: SCATTER_GATHER_LIST | null;
  /** The list was built into the reserve rather than allocated from pool. */
  inReserve: boolean;
}

/**
 * One started device of the driver: its reserve and its queues, on the
 * reference device skeleton (adapter, descriptor ring, bus mastering, ISR).
 * The protected methods are the named steps a variant may replace.
 */
export class StorageDevice extends ReferenceDevice {
  protected readonly maximumTransferLength = STORAGE_MAXIMUM_TRANSFER;
  reserve: { va: number; bytes: number; holder: StorageTransfer | null } | null = null;
  readonly lock = new KSPIN_LOCK('storage device lock');
  /** Requests whose next transfer waits for a list; cancelable while they wait. */
  readonly waiting = new IO_CSQ();
  /** Transfers mapped and waiting for the device, in order. */
  readonly mapped: StorageTransfer[] = [];
  /** The transfer on the device. */
  active: StorageTransfer | null = null;
  readonly watchdog: TransferWatchdog;
  /** Restarts the waiting requests when no list of the driver's will come back to do it. */
  readonly retry: TransferWatchdog;
  /** Requests finished while the lock was held, completed once it is released. */
  private readonly finished: { request: StorageRequest; status: NtStatus; information: number }[] = [];

  constructor(k: KernelApi, fdo: DEVICE_OBJECT, pdo: DEVICE_OBJECT) {
    super(k, fdo, pdo);
    k.KeInitializeSpinLock(this.lock);
    k.IoCsqInitialize(this.waiting, null);
    this.watchdog = new TransferWatchdog(k, () => this.transferTimedOut(), () => this.registers?.progress() ?? 0);
    this.retry = new TransferWatchdog(k, () => this.locked(() => this.restartWaiting()));
  }

  override ioFlags(): number {
    return DO_DIRECT_IO;
  }

  // --- start and stop ----------------------------------------------------------

  /** StartDevice: the skeleton's adapter, ring and bus mastering, then the reserve, while pool is still there. */
  override start(resources: DeviceResources): NtStatus {
    const status = super.start(resources);
    if (!NT_SUCCESS(status)) return status;
    const bytes = this.reserveSize();
    // No size: CalculateScatterGatherList failed (a list's size always counts its header), and there is no reserve to make.
    const va = bytes > 0 ? this.k.ExAllocatePoolWithTag('NonPagedPool', bytes, STORAGE_RESERVE_TAG) : null;
    if (va === null) {
      super.stop();
      return STATUS.INSUFFICIENT_RESOURCES;
    }
    this.reserve = { va, bytes, holder: null };
    return STATUS.SUCCESS;
  }

  override stop(): void {
    this.retry.cancel();
    if (this.reserve) this.k.ExFreePoolWithTag(this.reserve.va, STORAGE_RESERVE_TAG);
    this.reserve = null;
    super.stop();
  }

  // --- dispatch ------------------------------------------------------------------

  protected override readonly majorFunctions: MajorFunctionTable = {
    [IRP_MJ_CREATE]: this.completeWithSuccess,
    [IRP_MJ_CLOSE]: this.completeWithSuccess,
    [IRP_MJ_READ]: this.readWrite,
    [IRP_MJ_WRITE]: this.readWrite,
    [IRP_MJ_CLEANUP]: this.cleanup,
  };

  private readWrite(irp: IRP): NtStatus {
    const k = this.k;
    const location = k.IoGetCurrentIrpStackLocation(irp);
    const length = location.Parameters.Read.Length;
    if (length === 0 || !irp.MdlAddress) return completeRequest(k, irp, STATUS.SUCCESS, 0);
    const request: StorageRequest = {
      irp, write: location.MajorFunction === IRP_MJ_WRITE, mdl: irp.MdlAddress, length, byteOffset: location.Parameters.Read.ByteOffset,
      mapped: 0, moved: 0, waiting: false,
    };
    irp.Tail.Overlay.DriverContext[0] = request;
    k.IoMarkIrpPending(irp);
    this.locked(() => {
      // Requests already waiting for resources go first.
      if (this.waiting.length > 0) this.waitForResources(request);
      else this.mapNextTransfer(request);
    });
    return STATUS.PENDING;
  }

  /** IRP_MJ_CLEANUP: requests of the handle still waiting for a list are cancelled; transfers on or queued for the device finish by themselves. */
  protected cleanup(irp: IRP): NtStatus {
    const k = this.k;
    const fileObject = k.IoGetCurrentIrpStackLocation(irp).FileObject;
    const cancelled: IRP[] = [];
    this.locked(() => {
      for (let waiting = k.IoCsqRemoveNextIrp(this.waiting, fileObject); waiting; waiting = k.IoCsqRemoveNextIrp(this.waiting, fileObject)) cancelled.push(waiting);
    });
    for (const waiting of cancelled) completeRequest(k, waiting, STATUS.CANCELLED);
    return completeRequest(k, irp, STATUS.SUCCESS);
  }

  // --- the named steps -----------------------------------------------------------

  /**
   * The reserve's size (SG-4): what BuildScatterGatherList needs for the
   * longest transfer at the worst start offset. With no MDL,
   * CalculateScatterGatherList counts the pages the range spans, so a start
   * one byte into a page gives the worst case.
   */
  protected reserveSize(): number {
    return this.adapter!.DmaOperations.CalculateScatterGatherList(this.adapter!, null, 1, this.longestMappedTransfer).scatterGatherListSize;
  }
  /**
   * GetScatterGatherList could not allocate (SG-5): build the list into the
   * reserve when it is free; otherwise wait until a list is put back.
   */
  protected mappingFailed(transfer: StorageTransfer, _status: NtStatus): void {
    if (this.reserve && this.reserve.holder === null) this.buildIntoReserve(transfer);
    else this.waitForResources(transfer.request);
  }

  /** A list was put back, perhaps the reserve's (SG-5): start the transfers waiting for one, in order. */
  protected resourcesReturned(): void {
    this.restartWaiting();
  }

  /** The device is done with the transfer: its list goes back, exactly once (SG-3), before the CPU looks at the data. */
  protected putList(transfer: StorageTransfer): void {
    this.adapter!.DmaOperations.PutScatterGatherList(this.adapter!, transfer.list!, transfer.request.write);
    transfer.list = null;
  }

  // --- mapping ---------------------------------------------------------------------

  /** Map the request's next transfer (lock held, DISPATCH_LEVEL). */
  protected mapNextTransfer(request: StorageRequest): void {
    const length = Math.min(this.longestMappedTransfer, request.length - request.mapped);
    const transfer: StorageTransfer = { request, offset: request.mapped, length, list: null, inReserve: false };
    const status = this.adapter!.DmaOperations.GetScatterGatherList(
      this.adapter!, this.fdo, request.mdl, this.currentVa(transfer), length, (_d, _i, list, context) => this.transferMapped(context as StorageTransfer, list), transfer, request.write);
    if (NT_SUCCESS(status)) return;
    if (status === STATUS.INSUFFICIENT_RESOURCES) this.mappingFailed(transfer, status);
    else this.finish(request, status);
  }

  /** Build the transfer's list into the reserve (lock held). */
  protected buildIntoReserve(transfer: StorageTransfer): void {
    const reserve = this.reserve!;
    reserve.holder = transfer;
    transfer.inReserve = true;
    const status = this.adapter!.DmaOperations.BuildScatterGatherList(
      this.adapter!, this.fdo, transfer.request.mdl, this.currentVa(transfer), transfer.length,
      (_d, _i, list, context) => this.transferMapped(context as StorageTransfer, list), transfer, transfer.request.write, reserve.va, reserve.bytes);
    if (NT_SUCCESS(status)) return;
    reserve.holder = null;
    transfer.inReserve = false;
    if (status !== STATUS.INSUFFICIENT_RESOURCES) return this.finish(transfer.request, status);
    // Map registers in use by other lists: wait for one of them to come back. With none in flight, nothing
    // would restart the request, so a timer does (SG-5: it must not fail for lack of resources).
    this.waitForResources(transfer.request);
    if (!this.active && this.mapped.length === 0) this.armRetry();
  }

  /** Nothing of the driver's is in flight to restart the waiting requests: a timer does, each time a build fails (SG-5). */
  protected armRetry(): void {
    this.retry.arm(STORAGE_RETRY_MS);
  }

  /** The request's next transfer waits for a list (lock held). */
  protected waitForResources(request: StorageRequest): void {
    request.waiting = true;
    this.k.IoCsqInsertIrp(this.waiting, request.irp, null);
  }

  /** Retry waiting requests in order until one cannot be mapped yet (lock held). */
  protected restartWaiting(): void {
    const k = this.k;
    for (;;) {
      const irp = k.IoCsqRemoveNextIrp(this.waiting, null);
      if (!irp) return;
      const request = irp.Tail.Overlay.DriverContext[0] as StorageRequest;
      request.waiting = false;
      this.mapNextTransfer(request);
      if (request.waiting) return; // no list for it yet: the ones behind it keep waiting too
    }
  }

  /** The execution routine (DISPATCH_LEVEL, lock held): the transfer is mapped; queue it for the device. */
  private transferMapped(transfer: StorageTransfer, list: SCATTER_GATHER_LIST): void {
    transfer.list = list;
    transfer.request.mapped += transfer.length;
    this.mapped.push(transfer);
    this.startDevice();
  }

  private currentVa(transfer: StorageTransfer): number {
    return this.k.MmGetMdlVirtualAddress(transfer.request.mdl) + transfer.offset;
  }

  // --- the device ------------------------------------------------------------------

  /** Give the next mapped transfer to the device when it is idle (lock held). */
  private startDevice(): void {
    if (this.active) return;
    const transfer = this.mapped.shift();
    if (!transfer) return;
    this.active = transfer;
    const count = this.ring!.write(this.descriptorsFor(transfer.list!.Elements));
    this.registers!.startRing(this.ring!.logicalAddress, count, { toDevice: transfer.request.write, streamOffset: transfer.request.byteOffset + transfer.offset });
    this.watchdog.arm(STORAGE_TRANSFER_TIMEOUT_MS);
  }

  /** The DPC: the device finished (or failed) the active transfer. */
  transferInterrupt(_pending: number): void {
    const result = this.registers!.result();
    if (result.busy) return; // the interrupt of an aborted transfer, seen after the next one started
    this.activeTransferEnded(result);
  }

  /** The device is done with the active transfer: put its list back, let waiting transfers have lists, go on. */
  private activeTransferEnded(result: TransferResult): void {
    this.locked(() => {
      const transfer = this.active;
      this.active = null;
      if (!transfer) return;
      this.watchdog.cancel();
      this.putList(transfer);
      if (transfer.inReserve) {
        this.reserve!.holder = null;
        transfer.inReserve = false;
      }
      const request = transfer.request;
      if (!result.done) {
        request.moved += Math.min(result.bytes, transfer.length);
        this.finish(request, result.removed ? STATUS.DEVICE_NOT_CONNECTED : STATUS.IO_DEVICE_ERROR, request.moved);
      } else {
        request.moved += transfer.length;
        if (request.moved === request.length) this.finish(request, STATUS.SUCCESS, request.length);
        else if (request.irp.Cancel) this.finish(request, STATUS.CANCELLED, 0); // its handle was closed: no next transfer
        else this.mapNextTransfer(request);
      }
      this.resourcesReturned();
      this.startDevice();
    });
  }


  /** The timer's DPC: the device has not interrupted in time. Abort it unless it is still moving data; a device that is gone never interrupts again. */
  private transferTimedOut(): void {
    if (!this.active) return;
    const result = this.registers!.result();
    if (result.busy) {
      // The watchdog saw no progress for a whole period: the device is stuck.
      this.registers!.abort(); // the device stops with an error and interrupts
      return;
    }
    this.activeTransferEnded(result);
  }


  // --- completion ------------------------------------------------------------------

  /** The request is over (lock held): complete it once the lock is released. */
  protected finish(request: StorageRequest, status: NtStatus, information = 0): void {
    this.finished.push({ request, status, information });
  }

  /** Run `fn` under the device lock, then complete the requests it finished. */
  private locked(fn: () => void): void {
    withSpinLock(this.k, this.lock, fn);
    for (let f = this.finished.shift(); f; f = this.finished.shift()) {
      f.request.irp.Tail.Overlay.DriverContext[0] = null;
      completeRequest(this.k, f.request.irp, f.status, f.information);
    }
  }
}

export type StorageDeviceClass = new (k: KernelApi, fdo: DEVICE_OBJECT, pdo: DEVICE_OBJECT) => StorageDevice;

/** The storage driver built from a StorageDevice class (the reference one, or a variant of it). */
export function storageForwardProgressDriver(identity: DriverIdentity, Device: StorageDeviceClass = StorageDevice) {
  return referenceDriver({ identity, conformanceClasses: ['storage-forward-progress'], createDevice: (k, fdo, pdo) => new Device(k, fdo, pdo) });
}

export default storageForwardProgressDriver({
  name: 'storage-forward-progress',
  description: 'Storage-style direct I/O that never fails for lack of resources: a reserve sized with CalculateScatterGatherList, lists built into it when pool allocation fails, requests queued while it is busy (seed 001).',
});
