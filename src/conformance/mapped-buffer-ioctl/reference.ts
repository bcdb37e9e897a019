/**
 * Reference driver 3, class mapped-buffer-ioctl (seed 000): the driver
 * allocates a buffer that cannot be paged, maps it into the application's
 * address space by an IOCTL, and DMAs between it and the DMA test device.
 *
 * - IOCTL_MAPPED_MAP: the buffer comes from non-paged pool, so it is
 *   resident for as long as it exists (PAGE-1), and its MDL is built with
 *   MmBuildMdlForNonPagedPool, which is valid for non-paged memory only
 *   (PAGE-7). It is mapped with MmMapLockedPagesSpecifyCache(UserMode) in the
 *   dispatch routine, which runs in the requesting process's context, so the
 *   mapping lands in that process (CONT-6); a mapping that fails raises, and
 *   the exception becomes the request's status.
 * - IOCTL_MAPPED_TRANSFER: the part of the buffer a transfer covers is
 *   described by a partial MDL the driver allocated with the buffer and
 *   rebuilds for each transfer; a scatter/gather list maps it for the device
 *   and is put back once the device is done (SG-3). Transfers run one at a
 *   time, each cut into pieces one list may map (DEV-2).
 * - Cleanup (in the context of whichever process closed the last handle, the
 *   owner's or, after DuplicateHandle, another's): transfers of the handle
 *   are stopped or cancelled, the user mapping is undone in the process it
 *   was made in (attached to it when need be), then the partial MDL
 *   is freed before the MDL it was built from (MDL-2), then the buffer.
 *
 * The interface is src/workload/mapped-buffer-interface.ts. The driver is
 * built from the named steps of MappedBufferDevice (its protected methods).
 */
import { IO_CSQ, IRP_MJ_CLEANUP, IRP_MJ_CLOSE, IRP_MJ_CREATE, IRP_MJ_DEVICE_CONTROL, KAPC_STATE, NT_SUCCESS, RaisedStatus, STATUS } from '../../personalities/wdm/contract';
import type { DEVICE_OBJECT, FILE_OBJECT, IRP, KernelApi, MDL, NtStatus, PEPROCESS, SCATTER_GATHER_LIST } from '../../personalities/wdm/contract';
import {
  IOCTL_MAPPED_MAP, IOCTL_MAPPED_TRANSFER, MAPPED_BUFFER_MAXIMUM, MAP_OUTPUT_BYTES, TRANSFER_INPUT_BYTES, TransferOrder, decodeTransferOrder, encodeMapOutput,
} from './interface';
import {
  DriverIdentity, IoControlTable, MajorFunctionTable, ReferenceDevice, TransferWatchdog, atDispatchLevel, bufferedInput, bufferedOutput, completeRequest,
  handleContextOf, referenceDriver,
} from '../../personalities/wdm/driver-kit';

const POOL_TAG = 'MapB';
/** Assumption, as for the other reference drivers: 100 ms without an interrupt means the device is stuck. */
const TRANSFER_TIMEOUT_MS = 100;

/** The buffer of one handle: its memory, its MDLs and where it is mapped. */
export interface MappedBuffer {
  /** The buffer's system address (non-paged pool). */
  readonly systemVa: number;
  readonly bytes: number;
  /** Describes the whole buffer. */
  readonly mdl: MDL;
  /** Allocated with the buffer, rebuilt over each transfer's part of it. */
  readonly partial: MDL;
  /** Where the buffer is mapped in the application, and for which MDL. */
  userVa: number;
  /** The process the buffer is mapped into: cleanup may run in another one, after DuplicateHandle. */
  owner: PEPROCESS | null;
}

/** What the driver keeps per handle (FILE_OBJECT.FsContext). */
export interface MappedOpen {
  readonly file: FILE_OBJECT;
  buffer: MappedBuffer | null;
}

/** A transfer the device is running, piece by piece. */
interface ActiveTransfer {
  readonly irp: IRP;
  readonly open: MappedOpen;
  readonly order: TransferOrder;
  /** Bytes handed to the device so far. */
  done: number;
  list: SCATTER_GATHER_LIST | null;
  /** GetScatterGatherList was called and its execution routine has not run yet (it may run later, from a DPC). */
  mapping: boolean;
  /** The buffer to free once the list being built over it arrives (cleanup came first). */
  releaseWhenMapped: MappedBuffer | null;
}

export class MappedBufferDevice extends ReferenceDevice {
  protected readonly maximumTransferLength = MAPPED_BUFFER_MAXIMUM;
  /** Transfers waiting for the device. */
  readonly queue = new IO_CSQ();
  active: ActiveTransfer | null = null;
  readonly watchdog: TransferWatchdog;

  constructor(k: KernelApi, fdo: DEVICE_OBJECT, pdo: DEVICE_OBJECT) {
    super(k, fdo, pdo);
    k.IoCsqInitialize(this.queue, null);
    this.watchdog = new TransferWatchdog(k, () => this.transferTimedOut(), () => this.registers?.progress() ?? 0);
  }

  protected override readonly majorFunctions: MajorFunctionTable = {
    [IRP_MJ_CREATE]: this.create,
    [IRP_MJ_CLOSE]: this.completeWithSuccess,
    [IRP_MJ_CLEANUP]: (irp) => this.cleanup(irp, this.openOf(irp)),
    [IRP_MJ_DEVICE_CONTROL]: this.dispatchIoControl,
  };

  protected override readonly ioControls: IoControlTable = {
    [IOCTL_MAPPED_MAP]: (irp) => this.map(irp, this.openOf(irp)),
    [IOCTL_MAPPED_TRANSFER]: (irp) => this.transfer(irp, this.openOf(irp)),
  };

  /** IRP_MJ_CREATE: the handle's state, in its file object. */
  private create(irp: IRP): NtStatus {
    const file = this.k.IoGetCurrentIrpStackLocation(irp).FileObject!;
    file.FsContext = { file, buffer: null } satisfies MappedOpen;
    return completeRequest(this.k, irp, STATUS.SUCCESS);
  }

  private openOf(irp: IRP): MappedOpen {
    return handleContextOf<MappedOpen>(this.k, irp);
  }

  // --- the named steps --------------------------------------------------------------

  /** IOCTL_MAPPED_MAP: a buffer for the handle, mapped into the calling process. */
  protected map(irp: IRP, open: MappedOpen): NtStatus {
    const k = this.k;
    const input = bufferedInput(k, irp, 4);
    const bytes = input?.getUint32(0, true) ?? 0;
    if (!input || open.buffer || !this.sizeAllowed(bytes)) return completeRequest(k, irp, STATUS.INVALID_PARAMETER);
    if (k.IoGetCurrentIrpStackLocation(irp).Parameters.DeviceIoControl.OutputBufferLength < MAP_OUTPUT_BYTES) return completeRequest(k, irp, STATUS.BUFFER_TOO_SMALL);
    const made = this.mappedBufferFor(bytes);
    if (typeof made === 'number') return completeRequest(k, irp, made);
    open.buffer = made;
    bufferedOutput(k, irp, encodeMapOutput(made.userVa, made.bytes));
    return completeRequest(k, irp, STATUS.SUCCESS, MAP_OUTPUT_BYTES);
  }

  /** The interface's sizes: 1 byte up to MAPPED_BUFFER_MAXIMUM, both ends included. */
  protected sizeAllowed(bytes: number): boolean {
    return bytes >= 1 && bytes <= MAPPED_BUFFER_MAXIMUM;
  }

  /** The transfer's range lies inside the buffer; the order's u32 fields are summed as numbers, so a hostile offset cannot wrap. */
  protected rangeInsideBuffer(order: TransferOrder, buffer: MappedBuffer): boolean {
    return order.bytes !== 0 && order.offset + order.bytes <= buffer.bytes;
  }

  /** A new buffer: allocated, described, and mapped into the current (requesting) process; or the failure status. */
  protected mappedBufferFor(bytes: number): MappedBuffer | NtStatus {
    const k = this.k;
    const systemVa = this.allocateBuffer(bytes);
    if (systemVa === null) return STATUS.INSUFFICIENT_RESOURCES;
    const mdl = k.IoAllocateMdl(systemVa, bytes, false, false, null);
    const partial = mdl ? k.IoAllocateMdl(systemVa, bytes, false, false, null) : null;
    if (!mdl || !partial) {
      this.freeUnfinishedBuffer(systemVa, mdl);
      return STATUS.INSUFFICIENT_RESOURCES;
    }
    k.MmBuildMdlForNonPagedPool(mdl);
    const buffer: MappedBuffer = { systemVa, bytes, mdl, partial, userVa: 0, owner: null };
    const status = this.mapIntoCaller(buffer);
    if (!NT_SUCCESS(status)) {
      k.IoFreeMdl(partial);
      k.IoFreeMdl(mdl);
      k.ExFreePoolWithTag(systemVa, POOL_TAG);
      return status;
    }
    return buffer;
  }

  /** A buffer whose second MDL (or first) could not be had: the MDL it has, then the memory. */
  protected freeUnfinishedBuffer(systemVa: number, mdl: MDL | null): void {
    if (mdl) this.k.IoFreeMdl(mdl);
    this.k.ExFreePoolWithTag(systemVa, POOL_TAG);
  }

  /** Memory that cannot be paged: non-paged pool (PAGE-1, PAGE-7). */
  protected allocateBuffer(bytes: number): number | null {
    return this.k.ExAllocatePoolWithTag('NonPagedPool', bytes, POOL_TAG);
  }

  /** Map the buffer into the process this request came from; a failure raises and becomes the status (CONT-6). */
  protected mapIntoCaller(buffer: MappedBuffer): NtStatus {
    try {
      const va = this.k.MmMapLockedPagesSpecifyCache(buffer.mdl, 'UserMode', 'MmCached', null, false, 'NormalPagePriority');
      if (va === null) return STATUS.INSUFFICIENT_RESOURCES;
      buffer.userVa = va;
      buffer.owner = this.k.IoGetCurrentProcess();
      return STATUS.SUCCESS;
    } catch (e) {
      if (e instanceof RaisedStatus) return e.status;
      throw e;
    }
  }

  /** Cleanup's part for the buffer: unmap it from its process, then the partial MDL before its source (MDL-2), then the memory. */
  protected releaseBuffer(buffer: MappedBuffer): void {
    this.unmapFromOwner(buffer);
    this.freeBuffer(buffer);
  }

  /**
   * Undo the user mapping in the process it was made in (CONT-6). Cleanup
   * runs in the process that closed the last handle, which after
   * DuplicateHandle or inheritance need not be that one: attach to it then.
   * A process that has begun exiting takes its mappings with its address
   * space, so there is nothing to undo from elsewhere.
   */
  protected unmapFromOwner(buffer: MappedBuffer): void {
    const k = this.k;
    const owner = buffer.owner;
    if (owner === null || k.IoGetCurrentProcess() === owner) {
      k.MmUnmapLockedPages(buffer.userVa, buffer.mdl);
      return;
    }
    if (k.PsGetProcessExitProcessCalled(owner)) return;
    const state = new KAPC_STATE();
    k.KeStackAttachProcess(owner, state);
    try {
      k.MmUnmapLockedPages(buffer.userVa, buffer.mdl);
    } finally {
      k.KeUnstackDetachProcess(state);
    }
  }

  /** The partial MDL before its source (MDL-2), then the memory: in any context, once no list is being built over them. */
  protected freeBuffer(buffer: MappedBuffer): void {
    const k = this.k;
    k.IoFreeMdl(buffer.partial);
    k.IoFreeMdl(buffer.mdl);
    k.ExFreePoolWithTag(buffer.systemVa, POOL_TAG);
  }

  /** Cleanup of a handle: stop its transfer, cancel its queued ones, release its buffer. */
  protected cleanup(irp: IRP, open: MappedOpen): NtStatus {
    const k = this.k;
    for (let q = k.IoCsqRemoveNextIrp(this.queue, open.file); q; q = k.IoCsqRemoveNextIrp(this.queue, open.file)) completeRequest(k, q, STATUS.CANCELLED);
    let waitingForList: ActiveTransfer | null = null;
    if (this.active?.open === open) {
      this.registers!.abort(); // stops now; its error interrupt finds nothing active
      this.watchdog.cancel();
      const stopped = this.active;
      this.active = null;
      this.putList(stopped);
      if (stopped.mapping) waitingForList = stopped;
      completeRequest(k, stopped.irp, STATUS.CANCELLED);
    }
    if (open.buffer && waitingForList) {
      // A list is still being built over the buffer: unmap it now, from its process (CONT-6); free it when the list comes.
      this.unmapFromOwner(open.buffer);
      waitingForList.releaseWhenMapped = open.buffer;
    } else if (open.buffer) {
      this.releaseBuffer(open.buffer);
    }
    open.buffer = null;
    completeRequest(k, irp, STATUS.SUCCESS);
    this.startNext();
    return STATUS.SUCCESS;
  }

  // --- the machinery ------------------------------------------------------------------

  private transfer(irp: IRP, open: MappedOpen): NtStatus {
    const input = bufferedInput(this.k, irp, TRANSFER_INPUT_BYTES);
    const order = input ? decodeTransferOrder(input) : null;
    const buffer = open.buffer;
    if (!order || !buffer || !this.rangeInsideBuffer(order, buffer)) return completeRequest(this.k, irp, STATUS.INVALID_PARAMETER);
    irp.Tail.Overlay.DriverContext[0] = order;
    this.k.IoCsqInsertIrp(this.queue, irp, null);
    this.startNext();
    return STATUS.PENDING;
  }

  /** Start the next queued transfer if the device is free. */
  private startNext(): void {
    while (!this.active) {
      const irp = this.k.IoCsqRemoveNextIrp(this.queue, null);
      if (!irp) return;
      const open = this.openOf(irp);
      if (!open.buffer) {
        completeRequest(this.k, irp, STATUS.INVALID_PARAMETER);
        continue;
      }
      this.active = { irp, open, order: irp.Tail.Overlay.DriverContext[0] as TransferOrder, done: 0, list: null, mapping: false, releaseWhenMapped: null };
      const status = this.startPiece(this.active);
      if (!NT_SUCCESS(status)) this.finish(status);
    }
  }

  /** Map the next piece of the active transfer through the partial MDL and start the device on it. */
  private startPiece(t: ActiveTransfer): NtStatus {
    const k = this.k;
    const buffer = t.open.buffer!;
    const length = Math.min(this.longestMappedTransfer, t.order.bytes - t.done);
    const va = buffer.systemVa + t.order.offset + t.done;
    k.IoBuildPartialMdl(buffer.mdl, buffer.partial, va, length);
    const adapter = this.adapter!;
    t.mapping = true;
    const status = atDispatchLevel(k, () => adapter.DmaOperations.GetScatterGatherList(adapter, this.fdo, buffer.partial, va, length,
      (_d, _i, list: SCATTER_GATHER_LIST) => this.pieceMapped(t, list, length), null, t.order.toDevice));
    if (!NT_SUCCESS(status)) t.mapping = false;
    return status;
  }

  /**
   * The execution routine (DISPATCH_LEVEL), before GetScatterGatherList
   * returns or later: start the device on the piece. A transfer that cleanup
   * stopped meanwhile gives the list straight back, and then its buffer.
   */
  private pieceMapped(t: ActiveTransfer, list: SCATTER_GATHER_LIST, length: number): void {
    t.mapping = false;
    t.list = list;
    if (this.active !== t) {
      this.putList(t);
      if (t.releaseWhenMapped) this.freeBuffer(t.releaseWhenMapped);
      return;
    }
    const count = this.ring!.write(this.descriptorsFor(list.Elements));
    this.registers!.startRing(this.ring!.logicalAddress, count, { toDevice: t.order.toDevice, streamOffset: t.order.streamOffset + t.done });
    t.done += length;
    this.watchdog.arm(TRANSFER_TIMEOUT_MS);
  }

  private putList(t: ActiveTransfer): void {
    if (!t.list) return;
    const adapter = this.adapter!;
    atDispatchLevel(this.k, () => adapter.DmaOperations.PutScatterGatherList(adapter, t.list!, t.order.toDevice));
    t.list = null;
  }

  /** The DPC: the piece on the device ended. */
  transferInterrupt(_pending: number): void {
    const result = this.registers!.result();
    if (result.busy) return;
    const t = this.active;
    if (!t) return;
    this.watchdog.cancel();
    this.putList(t);
    if (!result.done) return this.finish(result.removed ? STATUS.DEVICE_NOT_CONNECTED : STATUS.IO_DEVICE_ERROR);
    if (t.done < t.order.bytes) {
      const status = this.startPiece(t);
      if (!NT_SUCCESS(status)) this.finish(status);
      return;
    }
    this.finish(STATUS.SUCCESS);
  }

  private finish(status: NtStatus): void {
    const t = this.active!;
    this.active = null;
    this.putList(t);
    completeRequest(this.k, t.irp, status, NT_SUCCESS(status) ? t.order.bytes : 0);
    this.startNext();
  }

  private transferTimedOut(): void {
    if (!this.active) return;
    const result = this.registers!.result();
    if (result.busy) {
      this.registers!.abort();
      return;
    }
    this.transferInterrupt(0);
  }
}

/** The mapped-buffer driver built from a MappedBufferDevice class (the reference one, or a variant of it). */
export function mappedBufferDriver(identity: DriverIdentity, Device: new (k: KernelApi, fdo: DEVICE_OBJECT, pdo: DEVICE_OBJECT) => MappedBufferDevice = MappedBufferDevice) {
  return referenceDriver({ identity, conformanceClasses: ['mapped-buffer-ioctl'], createDevice: (k, fdo, pdo) => new Device(k, fdo, pdo) });
}

export default mappedBufferDriver({
  name: 'mapped-buffer',
  description: 'A driver-allocated non-paged buffer mapped into the requesting process by an IOCTL, filled and read by DMA through a partial MDL per transfer, unmapped at cleanup.',
});
