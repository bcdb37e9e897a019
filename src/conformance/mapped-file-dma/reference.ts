/**
 * Reference driver 6, class mapped-file-dma (seed 000): DMA straight into (or
 * out of) a file the application has mapped.
 *
 * The application maps a file, empty or with contents, and passes the view's
 * address with a METHOD_NEITHER IOCTL. In the caller's context the driver
 * builds an MDL for the view and probes and locks it inside a try: the
 * memory manager reads every page that is not resident from the file first
 * (PAGE-4), and a bad address (a view already unmapped, a kernel address)
 * raises, which fails the request and leaves nothing locked (PAGE-3). Locked,
 * the view's pages stay in their frames whatever memory pressure does while
 * the device works (PAGE-1). Each transfer of the request gets a
 * scatter/gather list, put back when the device is done; when the last one
 * is done the driver unlocks the view and frees the MDL, exactly once
 * (PAGE-5), and completes the request. The application then flushes the view
 * and the file holds the device's data.
 *
 * The driver is built from small named steps (the protected methods of
 * MappedFileDevice) so that a faulty variant in faulty/ replaces
 * exactly one of them.
 */
import {
  IO_CSQ, IRP_MJ_CLEANUP, IRP_MJ_CLOSE, IRP_MJ_CREATE, IRP_MJ_DEVICE_CONTROL, KSPIN_LOCK,
  NT_SUCCESS, PAGE_SIZE, RaisedStatus, STATUS,
} from '../../personalities/wdm/contract';
import type { DEVICE_OBJECT, IRP, KernelApi, LOCK_OPERATION, MDL, NtStatus, SCATTER_GATHER_ELEMENT, SCATTER_GATHER_LIST } from '../../personalities/wdm/contract';
import { MiB } from '../../contracts/units';
import { IOCTL_MAPPED_FILE_FROM_DEVICE, IOCTL_MAPPED_FILE_TO_DEVICE, MAPPED_FILE_MAXIMUM_REQUEST, MAPPED_FILE_STREAM_OFFSET_BYTES } from './interface';
import { DriverIdentity, MajorFunctionTable, ReferenceDevice, TransferResult, TransferWatchdog, atDispatchLevel, completeRequest, referenceDriver, withSpinLock } from '../../personalities/wdm/driver-kit';

/** Assumption: a transfer of at most 8 MiB takes a few ms on the link; 100 ms without an interrupt means the device is stuck. */
export const MAPPED_FILE_TRANSFER_TIMEOUT_MS = 100;

/** One request: the view, locked through the driver's own MDL, and how far the device has got. */
export interface MappedFileRequest {
  readonly irp: IRP;
  /** The device writes into the view (a read of the device). */
  readonly intoView: boolean;
  readonly view: number;
  readonly length: number;
  readonly streamOffset: number;
  /** The MDL that describes and locks the view; null once unlocked and freed. */
  mdl: MDL | null;
  /** Bytes of the current transfer, and of all transfers done. */
  transferLength: number;
  done: number;
  /** What the current transfer's mapping keeps to release it (its scatter/gather list here). */
  mapping: unknown;
}

export class MappedFileDevice extends ReferenceDevice {
  protected readonly maximumTransferLength = 8 * MiB;
  readonly lock = new KSPIN_LOCK('mapped-file device lock');
  /** Requests locked and waiting for the device; cancelable (the cancel completion unlocks the view). */
  readonly queue = new IO_CSQ();
  current: MappedFileRequest | null = null;
  readonly watchdog: TransferWatchdog;

  constructor(k: KernelApi, fdo: DEVICE_OBJECT, pdo: DEVICE_OBJECT) {
    super(k, fdo, pdo);
    k.KeInitializeSpinLock(this.lock);
    k.IoCsqInitialize(this.queue, (_csq, irp) => this.cancelledWhileQueued(this.requestOf(irp)));
    this.watchdog = new TransferWatchdog(k, () => this.transferTimedOut(), () => this.registers?.progress() ?? 0);
  }

  /**
   * One list may span no more pages than the adapter has map registers, nor
   * need more descriptors than the ring holds (an element per page, and
   * elements cut at the device's maximum transfer).
   */
  override get longestMappedTransfer(): number {
    const ringBound = (Math.floor((this.ring?.capacity ?? 0) / 2) - 1) * Math.min(this.maxTransfer, PAGE_SIZE);
    return Math.min(super.longestMappedTransfer, Math.max(PAGE_SIZE, ringBound));
  }

  protected override readonly majorFunctions: MajorFunctionTable = {
    [IRP_MJ_CREATE]: this.completeWithSuccess,
    [IRP_MJ_CLOSE]: this.completeWithSuccess,
    [IRP_MJ_DEVICE_CONTROL]: this.deviceControl,
    [IRP_MJ_CLEANUP]: this.cleanup,
  };

  /** The IOCTL, in the caller's context at PASSIVE_LEVEL: read the offset, lock the view, queue the request. */
  private deviceControl(irp: IRP): NtStatus {
    const k = this.k;
    const p = k.IoGetCurrentIrpStackLocation(irp).Parameters.DeviceIoControl;
    if (p.IoControlCode !== IOCTL_MAPPED_FILE_FROM_DEVICE && p.IoControlCode !== IOCTL_MAPPED_FILE_TO_DEVICE) return completeRequest(k, irp, STATUS.INVALID_DEVICE_REQUEST);
    const view = irp.UserBuffer;
    const length = p.OutputBufferLength;
    if (view === null || length === 0) return completeRequest(k, irp, STATUS.SUCCESS, 0);
    if (!this.takesLength(length)) return completeRequest(k, irp, STATUS.INVALID_PARAMETER);
    let streamOffset = 0;
    if (p.InputBufferLength > 0) {
      if (p.InputBufferLength < MAPPED_FILE_STREAM_OFFSET_BYTES || p.Type3InputBuffer === null) return completeRequest(k, irp, STATUS.BUFFER_TOO_SMALL);
      const input = new Uint8Array(MAPPED_FILE_STREAM_OFFSET_BYTES);
      try {
        k.ProbeForRead(p.Type3InputBuffer, MAPPED_FILE_STREAM_OFFSET_BYTES, 1);
        k.RtlCopyMemory(input, p.Type3InputBuffer, MAPPED_FILE_STREAM_OFFSET_BYTES);
      } catch (e) {
        if (e instanceof RaisedStatus) return completeRequest(k, irp, e.status);
        throw e;
      }
      streamOffset = Number(new DataView(input.buffer).getBigUint64(0, true));
    }
    const request: MappedFileRequest = {
      irp, intoView: p.IoControlCode === IOCTL_MAPPED_FILE_FROM_DEVICE, view, length, streamOffset, mdl: null, transferLength: 0, done: 0, mapping: null,
    };
    const locked = this.lockView(request);
    if (!NT_SUCCESS(locked)) return completeRequest(k, irp, locked);
    irp.Tail.Overlay.DriverContext[0] = request;
    k.IoCsqInsertIrp(this.queue, irp, null); // marks it pending; cancelable while queued
    this.startNext();
    return STATUS.PENDING;
  }

  /** Cleanup: the handle's queued requests are cancelled (their views unlocked); the one on the device finishes by itself. */
  protected cleanup(irp: IRP): NtStatus {
    const k = this.k;
    const fileObject = k.IoGetCurrentIrpStackLocation(irp).FileObject;
    for (let queued = k.IoCsqRemoveNextIrp(this.queue, fileObject); queued; queued = k.IoCsqRemoveNextIrp(this.queue, fileObject)) {
      this.finish(this.requestOf(queued), STATUS.CANCELLED);
    }
    return completeRequest(k, irp, STATUS.SUCCESS);
  }

  // --- the named steps -----------------------------------------------------------

  /** A view of 1 byte up to the class's largest request, that included, is served; a longer one is refused. */
  protected takesLength(length: number): boolean {
    return length <= MAPPED_FILE_MAXIMUM_REQUEST;
  }

  /**
   * Lock the view for the device (PAGE-1, PAGE-4), in the caller's context:
   * MmProbeAndLockPages reads pages that are not resident from the file, and
   * raises for an address the caller does not own (PAGE-3), leaving nothing
   * locked.
   */
  protected lockView(request: MappedFileRequest): NtStatus {
    const k = this.k;
    const mdl = k.IoAllocateMdl(request.view, request.length, false, false, null);
    if (!mdl) return STATUS.INSUFFICIENT_RESOURCES;
    try {
      k.MmProbeAndLockPages(mdl, request.irp.RequestorMode, this.lockOperation(request));
    } catch (e) {
      k.IoFreeMdl(mdl);
      if (e instanceof RaisedStatus) return e.status;
      throw e;
    }
    request.mdl = mdl;
    return STATUS.SUCCESS;
  }

  /** The device writes the view: lock it for write access, so its pages count as modified. */
  protected lockOperation(request: MappedFileRequest): LOCK_OPERATION {
    return request.intoView ? 'IoWriteAccess' : 'IoReadAccess';
  }

  /**
   * Map the request's current transfer (DISPATCH_LEVEL): `mapped` gets its
   * elements, now or later, unless a failure status comes back. Here a
   * scatter/gather list per transfer.
   */
  protected mapTransfer(request: MappedFileRequest, mapped: (elements: readonly SCATTER_GATHER_ELEMENT[]) => void): NtStatus {
    const adapter = this.adapter!;
    return adapter.DmaOperations.GetScatterGatherList(adapter, this.fdo, request.mdl!, request.view + request.done, request.transferLength, (_d, _i, list: SCATTER_GATHER_LIST) => {
      request.mapping = list;
      mapped(list.Elements);
    }, null, !request.intoView);
  }

  /** The device is done with the current transfer: release its mapping (the list goes back). */
  protected releaseTransfer(request: MappedFileRequest): void {
    const adapter = this.adapter!;
    adapter.DmaOperations.PutScatterGatherList(adapter, request.mapping as SCATTER_GATHER_LIST, !request.intoView);
    request.mapping = null;
  }

  /** The device has been started on a transfer. */
  protected transferStarted(_request: MappedFileRequest): void {
    this.watchdog.arm(MAPPED_FILE_TRANSFER_TIMEOUT_MS);
  }

  /** The queue's cancel completion: a request cancelled before the device took it ends like any other (its view unlocked). */
  protected cancelledWhileQueued(request: MappedFileRequest): void {
    this.finish(request, STATUS.CANCELLED);
  }

  /** The request is over: unlock the view and free the MDL, exactly once (PAGE-5), then complete it. */
  protected finish(request: MappedFileRequest, status: NtStatus): void {
    this.unlockView(request);
    request.irp.Tail.Overlay.DriverContext[0] = null;
    completeRequest(this.k, request.irp, status, NT_SUCCESS(status) ? request.done : 0);
  }

  protected unlockView(request: MappedFileRequest): void {
    if (!request.mdl) return;
    this.k.MmUnlockPages(request.mdl);
    this.k.IoFreeMdl(request.mdl);
    request.mdl = null;
  }

  // --- the device ------------------------------------------------------------------

  private requestOf(irp: IRP): MappedFileRequest {
    return irp.Tail.Overlay.DriverContext[0] as MappedFileRequest;
  }

  /** Start the next queued request when the device is idle. */
  private startNext(): void {
    const request = withSpinLock(this.k, this.lock, () => {
      if (this.current) return null;
      const irp = this.k.IoCsqRemoveNextIrp(this.queue, null);
      this.current = irp ? this.requestOf(irp) : null;
      return this.current;
    });
    if (request) this.startTransfer(request);
  }

  /** Map the request's next transfer and give it to the device. */
  private startTransfer(request: MappedFileRequest): void {
    request.transferLength = Math.min(this.longestMappedTransfer, request.length - request.done);
    const status = atDispatchLevel(this.k, () => this.mapTransfer(request, (elements) => this.transferMapped(request, elements)));
    if (!NT_SUCCESS(status)) {
      this.current = null;
      this.finish(request, status);
      this.startNext();
    }
  }

  /** The execution routine (DISPATCH_LEVEL), before the mapping call returns or later: give the piece to the device. */
  private transferMapped(request: MappedFileRequest, elements: readonly SCATTER_GATHER_ELEMENT[]): void {
    const count = this.ring!.write(this.descriptorsFor(elements));
    this.registers!.startRing(this.ring!.logicalAddress, count, { toDevice: !request.intoView, streamOffset: request.streamOffset + request.done });
    this.transferStarted(request);
  }

  /** The DPC: the device finished (or failed) the current transfer. */
  transferInterrupt(_pending: number): void {
    const result = this.registers!.result();
    if (result.busy) return; // the interrupt of an aborted transfer, seen after the next one started
    this.transferEnded(result);
  }

  private transferEnded(result: TransferResult): void {
    const request = this.current;
    if (!request) return;
    this.watchdog.cancel();
    this.releaseTransfer(request);
    if (result.done) request.done += request.transferLength;
    if (result.done && request.done < request.length && !request.irp.Cancel) {
      this.startTransfer(request);
      return;
    }
    this.current = null;
    const status = !result.done ? (result.removed ? STATUS.DEVICE_NOT_CONNECTED : STATUS.IO_DEVICE_ERROR) : request.done === request.length ? STATUS.SUCCESS : STATUS.CANCELLED;
    this.finish(request, status);
    this.startNext();
  }


  /** The timer's DPC: the device has not interrupted in time. Abort it unless it is still moving data; a device that is gone never interrupts again. */
  private transferTimedOut(): void {
    if (!this.current) return;
    const result = this.registers!.result();
    if (result.busy) {
      // The watchdog saw no progress for a whole period: the device is stuck.
      this.registers!.abort(); // the device stops with an error and interrupts
      return;
    }
    this.transferEnded(result);
  }

}

export type MappedFileDeviceClass = new (k: KernelApi, fdo: DEVICE_OBJECT, pdo: DEVICE_OBJECT) => MappedFileDevice;

/** The mapped-file driver built from a MappedFileDevice class (the reference one, or a variant of it). */
export function mappedFileDriver(identity: DriverIdentity, Device: MappedFileDeviceClass = MappedFileDevice) {
  return referenceDriver({ identity, conformanceClasses: ['mapped-file-dma'], createDevice: (k, fdo, pdo) => new Device(k, fdo, pdo) });
}

export default mappedFileDriver({
  name: 'mapped-file',
  description: 'DMA into (or out of) a mapped file view passed by a METHOD_NEITHER IOCTL: the driver locks the view, which reads it from the file, and unlocks it at completion; the application flushes the view to the file (seed 000).',
});
