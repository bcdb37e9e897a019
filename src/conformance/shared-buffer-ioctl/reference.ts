/**
 * Reference driver 2, class shared-buffer-ioctl (seed 000, the inverted
 * call): long-lived application buffers filled by the DMA test device over
 * and over, with no locking or mapping per fill.
 *
 * - The application registers a shared queue (IOCTL_SHARED_QUEUE): the
 *   driver probes and locks the region itself, inside a handler for the
 *   exception the probe raises on a bad address (PAGE-3), and maps it into
 *   system space with the safe form, which returns NULL rather than stopping
 *   the machine when system PTEs run out (MDL-3).
 * - The application hands its buffers down once (IOCTL_SHARED_BUFFER,
 *   METHOD_OUT_DIRECT): the I/O manager locks each into the request's MDL,
 *   and the driver keeps the request pending, so the buffer stays locked for
 *   as long as the driver may fill it (PAGE-1, PAGE-2). It builds the
 *   buffer's scatter/gather list once and gives the same list to the device
 *   for every fill (PAGE-6) - unless the list needs bounce pages (a 32-bit
 *   device and a buffer page at or above 4 GiB): the device then fills the
 *   bounce pages, and only putting the list back copies the data into the
 *   buffer, so such a buffer gets a new list for every fill and puts it back
 *   when the fill ends (SG-6).
 * - Each fill ends in the DPC: an entry in the shared queue, and the
 *   application's pending wait (IOCTL_SHARED_WAIT) completes, which sets its
 *   event. A released buffer (IOCTL_SHARED_RELEASE) is filled again.
 * - At cleanup the driver stops the device if it is filling one of the
 *   handle's buffers, puts every list back once (SG-3), completes every held
 *   request, and unmaps, unlocks and frees the queue (PAGE-5). A held buffer
 *   whose request is cancelled is given back the same way.
 *
 * The interface is src/workload/shared-buffer-interface.ts. The driver is
 * built from the named steps of SharedBufferDevice (its protected methods).
 */
import {
  ADDRESS_AND_SIZE_TO_SPAN_PAGES, IO_CSQ, IRP_MJ_CLEANUP, IRP_MJ_CLOSE, IRP_MJ_CREATE, IRP_MJ_DEVICE_CONTROL, KSPIN_LOCK, NT_SUCCESS, RaisedStatus, STATUS,
} from '../../personalities/wdm/contract';
import type { DEVICE_OBJECT, FILE_OBJECT, IRP, KernelApi, MDL, NtStatus, SCATTER_GATHER_ELEMENT, SCATTER_GATHER_LIST } from '../../personalities/wdm/contract';
import { MiB } from '../../contracts/units';
import {
  IOCTL_SHARED_BUFFER, IOCTL_SHARED_QUEUE, IOCTL_SHARED_RELEASE, IOCTL_SHARED_WAIT, QUEUE_ENTRY_BYTES, QUEUE_HEADER_BYTES,
  decodeQueueRegistration, encodeQueueEntry, encodeU32, queueCapacity,
} from './interface';
import {
  DriverIdentity, IoControlTable, MajorFunctionTable, ReferenceDevice, TransferWatchdog, atDispatchLevel, bufferedInput, bufferedOutput, completeRequest,
  handleContextOf, referenceDriver, withSpinLock,
} from '../../personalities/wdm/driver-kit';

/** The largest buffer the driver takes. */
export const SHARED_BUFFER_MAXIMUM = 8 * MiB;
/** Assumption, as for direct I/O: a fill of at most 8 MiB takes a few ms; 100 ms without an interrupt means the device is stuck. */
const FILL_TIMEOUT_MS = 100;

/** The shared queue of one handle, locked and mapped into system space. */
export interface SharedQueue {
  readonly mdl: MDL;
  readonly systemVa: number;
  readonly capacity: number;
}

/** What the driver keeps per handle (FILE_OBJECT.FsContext). */
export interface SharedOpen {
  readonly file: FILE_OBJECT;
  queue: SharedQueue | null;
  /** Entries written to the queue so far. */
  produced: number;
  readonly buffers: Map<number, SharedBuffer>;
}

/** mapping: handed down, its list not built yet (the HAL calls back later); idle: ready to fill. */
export type SharedBufferState = 'mapping' | 'idle' | 'filling' | 'filled';

/** One buffer an application handed down, held in its pending request. */
export interface SharedBuffer {
  readonly id: number;
  readonly open: SharedOpen;
  readonly irp: IRP;
  readonly mdl: MDL;
  readonly va: number;
  readonly length: number;
  /** Built once when the buffer is handed down, reused for every fill; for a bouncing buffer, the list of the fill in progress. */
  list: SCATTER_GATHER_LIST | null;
  /** The device cannot reach some page of the buffer: its list goes through bounce pages and cannot be reused (SG-6). */
  readonly bounces: boolean;
  state: SharedBufferState;
  /** The request was cancelled while the device was filling the buffer: give it back when the fill ends. */
  cancelRequested: boolean;
  /** The request has been completed (the buffer is no longer the driver's). */
  completed: boolean;
  /** Stream offset of the fill in progress. */
  streamOffset: number;
  /** GetScatterGatherList was called for the buffer and its execution routine has not run yet. */
  listPending: boolean;
  /** The buffer was given back while its list was being built: complete its request with this once the list is back. */
  givenBackWith: NtStatus | null;
}

/** How a fill's buffer is given to the device and released after the fill. */
export interface FillMapping {
  /** The elements to fill through; null when there are none; 'pending' when the list comes later (the fill starts then). */
  elements(device: SharedBufferDevice, buffer: SharedBuffer): readonly SCATTER_GATHER_ELEMENT[] | null | 'pending';
  fillEnded(device: SharedBufferDevice, buffer: SharedBuffer): void;
}

/**
 * The list built when the buffer was handed down, for every fill (PAGE-6);
 * a bouncing buffer's list is got for each fill and put back when it ends,
 * which copies the filled bounce pages into the buffer (SG-6).
 */
export const listBuiltOnce: FillMapping = {
  elements(device, buffer) {
    if (!buffer.list && buffer.bounces) device.getList(buffer);
    return buffer.listPending ? 'pending' : buffer.list?.Elements ?? null;
  },
  fillEnded(device, buffer) {
    if (buffer.bounces) device.putList(buffer);
  },
};

export class SharedBufferDevice extends ReferenceDevice {
  protected readonly maximumTransferLength = SHARED_BUFFER_MAXIMUM;
  readonly lock = new KSPIN_LOCK('shared-buffer device lock');
  /** Pending IOCTL_SHARED_WAIT requests. */
  readonly waits = new IO_CSQ();
  /** Buffers waiting to be filled, in order. */
  readonly idle: SharedBuffer[] = [];
  /** The buffer the device is filling. */
  active: SharedBuffer | null = null;
  /** Stream offset of the next fill. */
  streamCursor = 0;
  readonly watchdog: TransferWatchdog;

  constructor(k: KernelApi, fdo: DEVICE_OBJECT, pdo: DEVICE_OBJECT) {
    super(k, fdo, pdo);
    k.KeInitializeSpinLock(this.lock);
    k.IoCsqInitialize(this.waits, null);
    this.watchdog = new TransferWatchdog(k, () => this.fillTimedOut(), () => this.registers?.progress() ?? 0);
  }

  protected override readonly majorFunctions: MajorFunctionTable = {
    [IRP_MJ_CREATE]: this.create,
    [IRP_MJ_CLOSE]: this.completeWithSuccess,
    [IRP_MJ_CLEANUP]: (irp) => this.cleanup(irp, this.openOf(irp)),
    [IRP_MJ_DEVICE_CONTROL]: this.dispatchIoControl,
  };

  protected override readonly ioControls: IoControlTable = {
    [IOCTL_SHARED_QUEUE]: (irp) => this.registerQueue(irp, this.openOf(irp)),
    [IOCTL_SHARED_BUFFER]: (irp) => this.handDown(irp, this.openOf(irp)),
    [IOCTL_SHARED_RELEASE]: (irp) => this.release(irp, this.openOf(irp)),
    [IOCTL_SHARED_WAIT]: (irp) => this.wait(irp, this.openOf(irp)),
  };

  /** IRP_MJ_CREATE: the handle's state, in its file object. */
  private create(irp: IRP): NtStatus {
    const file = this.k.IoGetCurrentIrpStackLocation(irp).FileObject!;
    file.FsContext = { file, queue: null, produced: 0, buffers: new Map() } satisfies SharedOpen;
    return completeRequest(this.k, irp, STATUS.SUCCESS);
  }

  private openOf(irp: IRP): SharedOpen {
    return handleContextOf<SharedOpen>(this.k, irp);
  }

  // --- the named steps --------------------------------------------------------------

  /** IOCTL_SHARED_QUEUE: lock the caller's queue region and map it into system space. */
  protected registerQueue(irp: IRP, open: SharedOpen): NtStatus {
    const k = this.k;
    const input = bufferedInput(k, irp, 12);
    if (!input) return completeRequest(k, irp, STATUS.INVALID_PARAMETER);
    if (open.queue) return completeRequest(k, irp, STATUS.INVALID_PARAMETER);
    const { address, bytes } = decodeQueueRegistration(input);
    const capacity = this.queueCapacityOf(bytes);
    if (capacity < 1) return completeRequest(k, irp, STATUS.INVALID_PARAMETER);
    const mdl = k.IoAllocateMdl(address, bytes, false, false, null);
    if (!mdl) return completeRequest(k, irp, STATUS.INSUFFICIENT_RESOURCES);
    const locked = this.lockQueue(mdl);
    if (!NT_SUCCESS(locked)) {
      k.IoFreeMdl(mdl);
      return completeRequest(k, irp, locked);
    }
    const systemVa = this.mapQueue(mdl);
    if (systemVa === null) {
      this.unlockUnmappedQueue(mdl);
      return completeRequest(k, irp, STATUS.INSUFFICIENT_RESOURCES);
    }
    k.RtlZeroMemory(systemVa, QUEUE_HEADER_BYTES);
    open.queue = { mdl, systemVa, capacity };
    return completeRequest(k, irp, STATUS.SUCCESS);
  }

  /** Whole entries the region holds after its header: a partial entry at the end is no room (the interface's queueCapacity). */
  protected queueCapacityOf(bytes: number): number {
    return queueCapacity(bytes);
  }

  /** Probe and lock the queue region for the caller; a bad address raises, which is caught and becomes the request's status (PAGE-3). */
  protected lockQueue(mdl: MDL): NtStatus {
    try {
      this.k.MmProbeAndLockPages(mdl, 'UserMode', 'IoWriteAccess');
      return STATUS.SUCCESS;
    } catch (e) {
      if (e instanceof RaisedStatus) return e.status;
      throw e;
    }
  }

  /** A system address for the locked queue, usable from the DPC; null when system PTEs run out (MDL-3). */
  protected mapQueue(mdl: MDL): number | null {
    return this.k.MmGetSystemAddressForMdlSafe(mdl, 'NormalPagePriority');
  }

  /** The queue was locked but could not be mapped: undo the lock, then free the MDL (PAGE-5). */
  protected unlockUnmappedQueue(mdl: MDL): void {
    this.k.MmUnlockPages(mdl);
    this.k.IoFreeMdl(mdl);
  }

  /** Undo registerQueue: unlocking unmaps the system mapping too; then free the MDL (PAGE-5). */
  protected releaseQueue(open: SharedOpen): void {
    if (!open.queue) return;
    this.k.MmUnlockPages(open.queue.mdl);
    this.k.IoFreeMdl(open.queue.mdl);
    open.queue = null;
  }

  /** IOCTL_SHARED_BUFFER: keep the buffer, locked in its pending request, with its list built once. */
  protected handDown(irp: IRP, open: SharedOpen): NtStatus {
    const k = this.k;
    const input = bufferedInput(k, irp, 4);
    const length = k.IoGetCurrentIrpStackLocation(irp).Parameters.DeviceIoControl.OutputBufferLength;
    if (!input || !open.queue || !irp.MdlAddress || length === 0 || length > SHARED_BUFFER_MAXIMUM) return completeRequest(k, irp, STATUS.INVALID_PARAMETER);
    const id = input.getUint32(0, true);
    if (open.buffers.has(id)) return completeRequest(k, irp, STATUS.INVALID_PARAMETER);
    if (open.buffers.size >= open.queue.capacity) return completeRequest(k, irp, STATUS.INSUFFICIENT_RESOURCES);
    const mdl = irp.MdlAddress;
    const buffer: SharedBuffer = {
      id, open, irp, mdl, va: k.MmGetMdlVirtualAddress(mdl), length, list: null, bounces: this.needsBouncePages(mdl),
      state: 'idle', cancelRequested: false, completed: false, streamOffset: 0, listPending: false, givenBackWith: null,
    };
    // A bouncing buffer holds no list (nor bounce pages) between fills; it must still fit in the adapter's map registers.
    const status = buffer.bounces
      ? (ADDRESS_AND_SIZE_TO_SPAN_PAGES(buffer.va, length) > this.mapRegisters ? STATUS.INSUFFICIENT_RESOURCES : STATUS.SUCCESS)
      : atDispatchLevel(k, () => this.getList(buffer));
    if (!NT_SUCCESS(status)) return completeRequest(k, irp, status);
    irp.Tail.Overlay.DriverContext[0] = buffer;
    open.buffers.set(id, buffer);
    const returned = this.holdBuffer(buffer);
    if (buffer.listPending) buffer.state = 'mapping'; // its list arrives later: listArrived makes it fillable
    else if (open.buffers.has(id)) { // not given back already (a request cancelled as it arrived)
      this.idle.push(buffer);
      this.startNextFill();
    }
    return returned;
  }

  /**
   * Whether the buffer's list is got for each fill and put back after it
   * (SG-6) rather than kept: on a device that addresses only 32 bits the HAL
   * may bounce any page above 4 GiB, and every list of such an adapter holds
   * map registers (bounce pages) while it lives, so lists kept between fills
   * would starve the fill that needs them. A 64-bit device keeps one list per
   * buffer for all its fills (PAGE-6).
   */
  protected needsBouncePages(_mdl: MDL): boolean {
    return !this.registers!.addressing64Bit;
  }


  /** Get the buffer's scatter/gather list (at DISPATCH_LEVEL); the execution routine runs before this returns, or later. */
  getList(buffer: SharedBuffer): NtStatus {
    const adapter = this.adapter!;
    buffer.listPending = true;
    const status = adapter.DmaOperations.GetScatterGatherList(adapter, this.fdo, buffer.mdl, buffer.va, buffer.length,
      (_d, _i, list: SCATTER_GATHER_LIST) => this.listArrived(buffer, list), null, false);
    if (!NT_SUCCESS(status)) buffer.listPending = false;
    return status;
  }

  /** The execution routine (DISPATCH_LEVEL): the buffer becomes fillable, or its waiting fill starts, or it goes back. */
  private listArrived(buffer: SharedBuffer, list: SCATTER_GATHER_LIST): void {
    buffer.listPending = false;
    buffer.list = list;
    if (buffer.givenBackWith !== null) return this.giveBack(buffer, buffer.givenBackWith);
    if (buffer.state === 'mapping') {
      buffer.state = 'idle';
      this.idle.push(buffer);
      this.startNextFill();
    } else if (this.active === buffer) {
      this.beginFill(buffer, list.Elements);
    }
  }

  /** Put the buffer's list back, once (SG-3): for device-to-host data this copies bounced pages into the buffer (SG-6). */
  putList(buffer: SharedBuffer): void {
    if (!buffer.list) return;
    const adapter = this.adapter!;
    adapter.DmaOperations.PutScatterGatherList(adapter, buffer.list, false);
    buffer.list = null;
  }

  /** Keep the request pending until cleanup: the I/O manager keeps the buffer locked until it completes (MDL-4). */
  protected holdBuffer(buffer: SharedBuffer): NtStatus {
    const k = this.k;
    k.IoMarkIrpPending(buffer.irp);
    k.IoSetCancelRoutine(buffer.irp, (_device, irp) => this.bufferCancelled(irp));
    if (buffer.irp.Cancel && k.IoSetCancelRoutine(buffer.irp, null) !== null) this.giveBack(buffer, STATUS.CANCELLED);
    return STATUS.PENDING;
  }

  /** How each fill reaches the buffer. */
  protected fillMapping(): FillMapping {
    return listBuiltOnce;
  }

  /** Cleanup of a handle: stop its fill, give back its buffers, cancel its waits, release its queue. */
  protected cleanup(irp: IRP, open: SharedOpen): NtStatus {
    const k = this.k;
    for (let w = k.IoCsqRemoveNextIrp(this.waits, open.file); w; w = k.IoCsqRemoveNextIrp(this.waits, open.file)) completeRequest(k, w, STATUS.CANCELLED);
    if (this.active?.open === open) {
      this.registers!.abort(); // the device stops now; its error interrupt finds nothing active
      this.watchdog.cancel();
      const stopped = this.active;
      this.active = null;
      atDispatchLevel(k, () => this.fillMapping().fillEnded(this, stopped));
    }
    for (const buffer of [...open.buffers.values()]) {
      // A null previous routine means the cancel routine owns the buffer now and gives it back itself.
      if (buffer.completed || k.IoSetCancelRoutine(buffer.irp, null) !== null) this.giveBack(buffer, STATUS.SUCCESS);
    }
    this.releaseQueue(open);
    completeRequest(k, irp, STATUS.SUCCESS);
    this.startNextFill();
    return STATUS.SUCCESS;
  }

  // --- the machinery ------------------------------------------------------------------

  private release(irp: IRP, open: SharedOpen): NtStatus {
    const input = bufferedInput(this.k, irp, 4);
    const buffer = input ? open.buffers.get(input.getUint32(0, true)) : undefined;
    if (!buffer || buffer.state !== 'filled') return completeRequest(this.k, irp, STATUS.INVALID_PARAMETER);
    buffer.state = 'idle';
    this.idle.push(buffer);
    completeRequest(this.k, irp, STATUS.SUCCESS);
    this.startNextFill();
    return STATUS.SUCCESS;
  }

  private wait(irp: IRP, open: SharedOpen): NtStatus {
    const input = bufferedInput(this.k, irp, 4);
    if (!input || this.k.IoGetCurrentIrpStackLocation(irp).Parameters.DeviceIoControl.OutputBufferLength < 4) return completeRequest(this.k, irp, STATUS.BUFFER_TOO_SMALL);
    if (open.produced > input.getUint32(0, true)) {
      bufferedOutput(this.k, irp, encodeU32(open.produced));
      return completeRequest(this.k, irp, STATUS.SUCCESS, 4);
    }
    irp.Tail.Overlay.DriverContext[0] = input.getUint32(0, true);
    this.k.IoCsqInsertIrp(this.waits, irp, null);
    return STATUS.PENDING;
  }

  /** Start the device on the next idle buffer, if it is free. */
  private startNextFill(): void {
    const buffer = withSpinLock(this.k, this.lock, () => {
      if (this.active || !this.registers) return null;
      const next = this.idle.shift() ?? null;
      if (next) {
        next.state = 'filling';
        this.active = next;
      }
      return next;
    });
    if (!buffer) return;
    const elements = atDispatchLevel(this.k, () => this.fillMapping().elements(this, buffer));
    if (elements !== 'pending') this.beginFill(buffer, elements);
  }

  /** Program the device to fill the active buffer through `elements` (none: the fill ends empty). */
  private beginFill(buffer: SharedBuffer, elements: readonly SCATTER_GATHER_ELEMENT[] | null): void {
    if (!elements) {
      this.active = null;
      this.fillEnded(buffer, 0);
      return;
    }
    buffer.streamOffset = this.streamCursor;
    this.streamCursor += buffer.length;
    const count = this.ring!.write(this.descriptorsFor(elements));
    this.registers!.startRing(this.ring!.logicalAddress, count, { toDevice: false, streamOffset: buffer.streamOffset });
    this.watchdog.arm(FILL_TIMEOUT_MS);
  }

  /** The DPC: the fill in progress ended. */
  transferInterrupt(_pending: number): void {
    const result = this.registers!.result();
    if (result.busy) return;
    const buffer = this.active;
    if (!buffer) return; // the error interrupt of a fill stopped at cleanup
    this.active = null;
    this.watchdog.cancel();
    atDispatchLevel(this.k, () => this.fillMapping().fillEnded(this, buffer));
    this.fillEnded(buffer, result.done ? buffer.length : 0);
  }

  /** Record the fill in the queue, signal the handle's waits, and go on with the next buffer. */
  private fillEnded(buffer: SharedBuffer, bytes: number): void {
    const { open } = buffer;
    if (buffer.cancelRequested) {
      this.giveBack(buffer, STATUS.CANCELLED);
    } else if (open.queue) {
      buffer.state = 'filled';
      const at = open.queue.systemVa + QUEUE_HEADER_BYTES + (open.produced % open.queue.capacity) * QUEUE_ENTRY_BYTES;
      this.k.RtlCopyMemory(at, encodeQueueEntry({ bufferId: buffer.id, bytes, streamOffset: buffer.streamOffset }), QUEUE_ENTRY_BYTES);
      open.produced++;
      this.k.RtlCopyMemory(open.queue.systemVa, encodeU32(open.produced), 4);
      for (let w = this.k.IoCsqRemoveNextIrp(this.waits, open.file); w; w = this.k.IoCsqRemoveNextIrp(this.waits, open.file)) {
        bufferedOutput(this.k, w, encodeU32(open.produced));
        completeRequest(this.k, w, STATUS.SUCCESS, 4);
      }
    }
    this.startNextFill();
  }

  /** The cancel routine of a held buffer: give it back now, or when the fill on it ends. */
  protected bufferCancelled(irp: IRP): void {
    this.k.IoReleaseCancelSpinLock(irp.CancelIrql);
    const buffer = irp.Tail.Overlay.DriverContext[0] as SharedBuffer;
    if (this.active === buffer) {
      buffer.cancelRequested = true;
      return;
    }
    this.giveBack(buffer, STATUS.CANCELLED);
  }

  /** The buffer is no longer the driver's: its list goes back once (SG-3), then its request completes (unlocking it). */
  private giveBack(buffer: SharedBuffer, status: NtStatus): void {
    const index = this.idle.indexOf(buffer);
    if (index >= 0) this.idle.splice(index, 1);
    buffer.open.buffers.delete(buffer.id);
    if (buffer.listPending) {
      // The HAL is building a list over the buffer: its request (and the lock on its pages) ends when the list is back.
      buffer.givenBackWith = status;
      return;
    }
    if (buffer.list) atDispatchLevel(this.k, () => this.putList(buffer));
    if (!buffer.completed) {
      buffer.completed = true;
      completeRequest(this.k, buffer.irp, status, 0);
    }
  }

  /** The watchdog: a fill that never ends (hung or removed device) is stopped and recorded as empty. */
  private fillTimedOut(): void {
    const buffer = this.active;
    if (!buffer) return;
    const result = this.registers!.result();
    if (result.busy) {
      this.registers!.abort(); // the error interrupt ends the fill
      return;
    }
    this.transferInterrupt(0);
  }
}

/** The shared-buffer driver built from a SharedBufferDevice class (the reference one, or a variant of it). */
export function sharedBufferDriver(identity: DriverIdentity, Device: new (k: KernelApi, fdo: DEVICE_OBJECT, pdo: DEVICE_OBJECT) => SharedBufferDevice = SharedBufferDevice) {
  return referenceDriver({ identity, conformanceClasses: ['shared-buffer-ioctl'], createDevice: (k, fdo, pdo) => new Device(k, fdo, pdo) });
}

export default sharedBufferDriver({
  name: 'shared-buffer',
  description: 'Long-lived application buffers held locked in pending requests, each with its scatter/gather list built once and reused; fills signalled through a shared queue and waits.',
});
