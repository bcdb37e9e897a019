/**
 * Reference driver 5, class boot-preallocated-contiguous (seed 002): a ring
 * of contiguous DMA buffers per open handle, taken from the buffers the
 * device's install configuration preallocated at boot.
 *
 * Contiguous memory fragments as the machine runs (CONT-2): a contiguous
 * buffer that is easy to get right after boot may be impossible to get an
 * hour later with plenty of memory free. So the install file reserves the
 * buffers at boot (at most 256 per direction, options 0x41 to the device and
 * 0x21 from it), and the first requests whose size and option flags match
 * receive them (CONT-3). An application sets up its ring with an IOCTL that
 * names the size, count and options; a request that matches no preallocated
 * buffer falls back to a run-time common buffer (which may fail), unless it
 * says GET_PREALLOCATED_BUFFERS_ONLY.
 *
 * Data moves between the ring and the application by CPU copy (buffered
 * I/O): a read fills the ring buffers by DMA and copies them out, a write
 * copies into them and lets the device read them. Each buffer is contiguous
 * for the CPU and for the device, whose descriptors carry the device-visible
 * address the buffer came with (CONT-1). The buffers are non-cached unless
 * the options allow caching, so the copies cost more CPU time (CONT-7).
 *
 * The driver is built from small named steps (the protected methods of
 * RingDevice) so that a faulty variant in faulty/ replaces exactly
 * one of them.
 */
import {
  DO_BUFFERED_IO, IO_CSQ, IRP_MJ_CLEANUP, IRP_MJ_CLOSE, IRP_MJ_CREATE, IRP_MJ_DEVICE_CONTROL,
  IRP_MJ_READ, IRP_MJ_WRITE, KSPIN_LOCK, STATUS,
} from '../../personalities/wdm/contract';
import type { DEVICE_OBJECT, FILE_OBJECT, IRP, KernelApi, NtStatus } from '../../personalities/wdm/contract';
import { DMA_OPTION } from '../../contracts/user-dma-options';
import { MiB } from '../../contracts/units';
import { IOCTL_RING_SETUP, RING_MAXIMUM_BUFFERS, RING_SETUP_INPUT_BYTES } from './interface';
import { DeviceDescriptor, DriverIdentity, MajorFunctionTable, ReferenceDevice, TransferResult, TransferWatchdog, bufferedInput, completeRequest, referenceDriver, withSpinLock } from '../../personalities/wdm/driver-kit';

/** Assumption: a batch of ring buffers takes a few ms at most on the link; 100 ms without an interrupt means the device is stuck. */
export const RING_TRANSFER_TIMEOUT_MS = 100;

/** One contiguous buffer of a ring. */
export interface RingBuffer {
  /** System virtual address. */
  readonly va: number;
  /** The device-visible address it came with. */
  readonly logical: number;
  readonly bytes: number;
  readonly options: number;
  /** Taken from the boot preallocation, rather than allocated at run time. */
  readonly preallocated: boolean;
}

/** The rings of one open handle (FILE_OBJECT.FsContext). */
export interface OpenRings {
  fromDevice: RingBuffer[] | null;
  toDevice: RingBuffer[] | null;
}

/** The request on the device and how far it has got. */
export interface RingRequest {
  readonly irp: IRP;
  readonly write: boolean;
  readonly ring: readonly RingBuffer[];
  readonly length: number;
  readonly byteOffset: number;
  /** Bytes moved so far. */
  done: number;
  /** The current batch: bytes placed in each ring buffer, in order. */
  batch: { buffer: RingBuffer; bytes: number }[];
}

export class RingDevice extends ReferenceDevice {
  /** No scatter/gather lists: the adapter serves the ring buffers' device addresses. */
  protected readonly maximumTransferLength = MiB;
  readonly lock = new KSPIN_LOCK('ring device lock');
  /** Requests not yet started: cancelable, and completed as cancelled at cleanup. */
  readonly queue = new IO_CSQ();
  current: RingRequest | null = null;
  readonly watchdog: TransferWatchdog;

  constructor(k: KernelApi, fdo: DEVICE_OBJECT, pdo: DEVICE_OBJECT) {
    super(k, fdo, pdo);
    k.KeInitializeSpinLock(this.lock);
    k.IoCsqInitialize(this.queue, null);
    this.watchdog = new TransferWatchdog(k, () => this.batchTimedOut(), () => this.registers?.progress() ?? 0);
  }

  override ioFlags(): number {
    return DO_BUFFERED_IO;
  }

  // --- dispatch ------------------------------------------------------------------

  protected override readonly majorFunctions: MajorFunctionTable = {
    [IRP_MJ_CREATE]: this.create,
    [IRP_MJ_CLOSE]: this.close,
    [IRP_MJ_DEVICE_CONTROL]: this.deviceControl,
    [IRP_MJ_READ]: this.readWrite,
    [IRP_MJ_WRITE]: this.readWrite,
    [IRP_MJ_CLEANUP]: this.cleanup,
  };

  private create(irp: IRP): NtStatus {
    const fileObject = this.k.IoGetCurrentIrpStackLocation(irp).FileObject!;
    const rings: OpenRings = { fromDevice: null, toDevice: null };
    fileObject.FsContext = rings;
    return this.completeNow(irp, STATUS.SUCCESS, 0);
  }

  /** IRP_MJ_CLOSE: every request of the handle is over; its ring buffers go back. */
  private close(irp: IRP): NtStatus {
    const fileObject = this.k.IoGetCurrentIrpStackLocation(irp).FileObject!;
    const rings = fileObject.FsContext as OpenRings | null;
    for (const ring of [rings?.fromDevice, rings?.toDevice]) for (const buffer of ring ?? []) this.releaseRingBuffer(buffer);
    fileObject.FsContext = null;
    return this.completeNow(irp, STATUS.SUCCESS, 0);
  }

  private deviceControl(irp: IRP): NtStatus {
    const k = this.k;
    const location = k.IoGetCurrentIrpStackLocation(irp);
    const p = location.Parameters.DeviceIoControl;
    if (p.IoControlCode !== IOCTL_RING_SETUP) return this.completeNow(irp, STATUS.INVALID_DEVICE_REQUEST, 0);
    const view = bufferedInput(k, irp, RING_SETUP_INPUT_BYTES);
    if (!view) return this.completeNow(irp, STATUS.BUFFER_TOO_SMALL, 0);
    const bytes = view.getUint32(0, true);
    const count = view.getUint32(4, true);
    const options = view.getUint32(8, true) | DMA_OPTION.KERNEL_BUFFER_ALLOC;
    const fromDevice = (options & DMA_OPTION.FROM_DEVICE) !== 0;
    const toDevice = (options & DMA_OPTION.TO_DEVICE) !== 0;
    // Exactly one direction per ring.
    if (!this.ringShapeAllowed(bytes, count) || fromDevice === toDevice) return this.completeNow(irp, STATUS.INVALID_PARAMETER, 0);
    const rings = location.FileObject!.FsContext as OpenRings;
    if ((fromDevice ? rings.fromDevice : rings.toDevice) !== null) return this.completeNow(irp, STATUS.INVALID_DEVICE_REQUEST, 0);
    const ring: RingBuffer[] = [];
    for (let i = 0; i < count; i++) {
      const buffer = this.takeRingBuffer(bytes, options);
      if (!buffer) {
        this.giveBackUnfinishedRing(ring);
        return this.completeNow(irp, STATUS.INSUFFICIENT_RESOURCES, 0);
      }
      ring.push(buffer);
    }
    if (fromDevice) rings.fromDevice = ring;
    else rings.toDevice = ring;
    return this.completeNow(irp, STATUS.SUCCESS, 0);
  }

  private readWrite(irp: IRP): NtStatus {
    const k = this.k;
    const location = k.IoGetCurrentIrpStackLocation(irp);
    const length = location.Parameters.Read.Length;
    if (length === 0) return this.completeNow(irp, STATUS.SUCCESS, 0);
    const write = location.MajorFunction === IRP_MJ_WRITE;
    const rings = location.FileObject!.FsContext as OpenRings;
    const ring = write ? rings.toDevice : rings.fromDevice;
    if (!ring) return this.completeNow(irp, STATUS.INVALID_DEVICE_REQUEST, 0);
    irp.Tail.Overlay.DriverContext[0] = { irp, write, ring, length, byteOffset: location.Parameters.Read.ByteOffset, done: 0, batch: [] } satisfies RingRequest;
    k.IoCsqInsertIrp(this.queue, irp, null);
    withSpinLock(k, this.lock, () => this.startNext());
    return STATUS.PENDING;
  }

  private cleanup(irp: IRP): NtStatus {
    const k = this.k;
    const fileObject: FILE_OBJECT | null = k.IoGetCurrentIrpStackLocation(irp).FileObject;
    for (let queued = k.IoCsqRemoveNextIrp(this.queue, fileObject); queued; queued = k.IoCsqRemoveNextIrp(this.queue, fileObject)) {
      this.completeNow(queued, STATUS.CANCELLED, 0);
    }
    return this.completeNow(irp, STATUS.SUCCESS, 0); // the request on the device finishes by itself
  }

  // --- the named steps -----------------------------------------------------------

  /**
   * The ring a set-up may ask for: 1 to RING_MAXIMUM_BUFFERS buffers (both
   * ends included) of at least a byte each, every buffer fitting the
   * descriptor ring. The count and the size are checked apart, so their
   * product, which may pass 4 GiB, is never computed.
   */
  protected ringShapeAllowed(bytes: number, count: number): boolean {
    return bytes !== 0 && count !== 0 && count <= RING_MAXIMUM_BUFFERS && Math.ceil(bytes / this.maxTransfer) <= this.ring!.capacity;
  }

  /** A set-up that failed part-way gives back every buffer it took, boot-preallocated ones included (CONT-3). */
  protected giveBackUnfinishedRing(ring: readonly RingBuffer[]): void {
    for (const b of ring) this.releaseRingBuffer(b);
  }

  /**
   * One contiguous ring buffer (CONT-3): a boot-preallocated one whose size
   * and options match, else a run-time common buffer, unless the caller
   * takes preallocated buffers only.
   */
  protected takeRingBuffer(bytes: number, options: number): RingBuffer | null {
    const k = this.k;
    const logical = { QuadPart: 0 };
    const preallocated = k.takePreallocatedBuffer(this.adapter!, bytes, options, logical);
    if (preallocated !== null) return { va: preallocated, logical: logical.QuadPart, bytes, options, preallocated: true };
    if (options & DMA_OPTION.GET_PREALLOCATED_BUFFERS_ONLY) return null;
    const va = this.adapter!.DmaOperations.AllocateCommonBuffer(this.adapter!, bytes, logical, (options & DMA_OPTION.ALLOW_CACHE) !== 0);
    return va === null ? null : { va, logical: logical.QuadPart, bytes, options, preallocated: false };
  }

  protected releaseRingBuffer(buffer: RingBuffer): void {
    if (buffer.preallocated) this.k.returnPreallocatedBuffer(this.adapter!, buffer.va);
    else this.adapter!.DmaOperations.FreeCommonBuffer(this.adapter!, buffer.bytes, { QuadPart: buffer.logical }, buffer.va, (buffer.options & DMA_OPTION.ALLOW_CACHE) !== 0);
  }

  /**
   * The byte count of a request the device failed (DEV-3): none, since the
   * batch's data stayed in the ring; never the batch the device did not finish.
   */
  protected bytesOnError(_request: RingRequest, _batchBytes: number): number {
    return 0;
  }

  /** The address the device is programmed with (CONT-1): the device-visible address the buffer came with. */
  protected deviceAddressOf(buffer: RingBuffer): number {
    return buffer.logical;
  }

  // --- the device ------------------------------------------------------------------

  /** Start the next queued request when the device is idle (lock held). */
  private startNext(): void {
    if (this.current) return;
    const irp = this.k.IoCsqRemoveNextIrp(this.queue, null);
    if (!irp) return;
    this.current = irp.Tail.Overlay.DriverContext[0] as RingRequest;
    this.startBatch(this.current);
  }

  /** Fill the ring buffers with the request's next bytes and start the device on them (lock held). */
  private startBatch(request: RingRequest): void {
    const k = this.k;
    const perBuffer = Math.ceil(request.ring[0]!.bytes / this.maxTransfer);
    const buffers = Math.min(request.ring.length, Math.floor(this.ring!.capacity / perBuffer));
    request.batch = [];
    const descriptors: DeviceDescriptor[] = [];
    let at = request.done;
    for (let i = 0; i < buffers && at < request.length; i++) {
      const buffer = request.ring[i]!;
      const bytes = Math.min(buffer.bytes, request.length - at);
      // A write copies the data into the ring first; the device reads it from there.
      if (request.write) k.RtlCopyMemory(buffer.va, request.irp.AssociatedIrp.SystemBuffer! + at, bytes);
      request.batch.push({ buffer, bytes });
      descriptors.push(...this.descriptorsFor([{ Address: this.deviceAddressOf(buffer), Length: bytes }]));
      at += bytes;
    }
    const count = this.ring!.write(descriptors);
    this.registers!.startRing(this.ring!.logicalAddress, count, { toDevice: request.write, streamOffset: request.byteOffset + request.done });
    this.watchdog.arm(RING_TRANSFER_TIMEOUT_MS);
  }

  /** The DPC: the device finished (or failed) a batch. */
  transferInterrupt(_pending: number): void {
    const result = this.registers!.result();
    if (result.busy) return; // the interrupt of an aborted batch, seen after the next one started
    this.batchEnded(result);
  }

  /** Copy a read's data out of the ring, then the next batch or the next request. */
  private batchEnded(result: TransferResult): void {
    const k = this.k;
    let finished: { irp: IRP; status: NtStatus; information: number } | null = null;
    withSpinLock(k, this.lock, () => {
      const request = this.current;
      if (!request) return;
      this.watchdog.cancel();
      const batchBytes = request.batch.reduce((sum, b) => sum + b.bytes, 0);
      if (!request.write && result.done) {
        let at = request.done;
        for (const { buffer, bytes } of request.batch) {
          k.RtlCopyMemory(request.irp.AssociatedIrp.SystemBuffer! + at, buffer.va, bytes);
          at += bytes;
        }
      }
      if (result.done) request.done += batchBytes;
      if (!result.done || request.done === request.length || request.irp.Cancel) {
        this.current = null;
        request.irp.Tail.Overlay.DriverContext[0] = null;
        // Cancelled: the request's handle was closed while it was under way.
        const outcome = !result.done ? (result.removed ? STATUS.DEVICE_NOT_CONNECTED : STATUS.IO_DEVICE_ERROR) : request.done === request.length ? STATUS.SUCCESS : STATUS.CANCELLED;
        finished = { irp: request.irp, status: outcome, information: outcome === STATUS.SUCCESS ? request.done : this.bytesOnError(request, batchBytes) };
        this.startNext();
      } else {
        this.startBatch(request);
      }
    });
    if (finished) {
      const f: { irp: IRP; status: NtStatus; information: number } = finished;
      completeRequest(k, f.irp, f.status, f.information);
    }
  }


  /** The timer's DPC: the device has not interrupted in time. Abort it unless it is still moving data; a device that is gone never interrupts again. */
  private batchTimedOut(): void {
    if (!this.current) return;
    const result = this.registers!.result();
    if (result.busy) {
      // The watchdog saw no progress for a whole period: the device is stuck.
      this.registers!.abort(); // the device stops with an error and interrupts
      return;
    }
    this.batchEnded(result);
  }


  private completeNow(irp: IRP, status: NtStatus, information: number): NtStatus {
    return completeRequest(this.k, irp, status, information);
  }
}

export type RingDeviceClass = new (k: KernelApi, fdo: DEVICE_OBJECT, pdo: DEVICE_OBJECT) => RingDevice;

/** The ring driver built from a RingDevice class (the reference one, or a variant of it). */
export function commonBufferRingDriver(identity: DriverIdentity, Device: RingDeviceClass = RingDevice) {
  return referenceDriver({ identity, conformanceClasses: ['boot-preallocated-contiguous'], createDevice: (k, fdo, pdo) => new Device(k, fdo, pdo) });
}

export default commonBufferRingDriver({
  name: 'common-buffer-ring',
  description: 'A ring of contiguous DMA buffers per handle, taken from the buffers the install configuration preallocated at boot; data copied between the ring and buffered I/O (seed 002).',
});
