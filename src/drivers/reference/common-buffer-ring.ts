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
 * RingDevice) so that a faulty variant in src/drivers/faulty replaces exactly
 * one of them.
 */
import {
  CTL_CODE, DEVICE_DESCRIPTION_VERSION3, DO_BUFFERED_IO, DO_DEVICE_INITIALIZING, FILE_ANY_ACCESS, FILE_DEVICE_UNKNOWN, FILE_OBJECT, IO_CSQ,
  IRP_MJ_CLEANUP, IRP_MJ_CLOSE, IRP_MJ_CREATE, IRP_MJ_DEVICE_CONTROL, IRP_MJ_READ, IRP_MJ_WRITE, KSPIN_LOCK, METHOD_BUFFERED, PAGE_SIZE, STATUS,
} from '../contract';
import type { DEVICE_OBJECT, DMA_ADAPTER, DRIVER_OBJECT, DeviceResources, DriverModule, IRP, KernelApi, NtStatus } from '../contract';
import { DMA_OPTION } from '../../kernel/hal/user-dma-options';
import { DESCRIPTOR_SIZE, DescriptorFlag, DmaCapability, DmaControl, DmaRegister, DmaState, DmaStatusBit } from '../../pci/dma-device';

/**
 * IOCTL_RING_SETUP (METHOD_BUFFERED): set up the handle's ring for one
 * direction. Input: three little-endian 32-bit words, the bytes of each
 * buffer, the number of buffers, and the option flags (FROM_DEVICE or
 * TO_DEVICE, optionally ALLOW_CACHE, GET_PREALLOCATED_BUFFERS_ONLY ...; the
 * driver adds KERNEL_BUFFER_ALLOC itself). No output.
 */
export const IOCTL_RING_SETUP = CTL_CODE(FILE_DEVICE_UNKNOWN, 0x900, METHOD_BUFFERED, FILE_ANY_ACCESS);
export const RING_SETUP_INPUT_BYTES = 12;
/** At most this many buffers per direction, as the install configuration allows. */
export const RING_MAXIMUM_BUFFERS = 256;

/** The input of IOCTL_RING_SETUP. */
export function ringSetupInput(bufferBytes: number, bufferCount: number, options: number): Uint8Array {
  const input = new Uint8Array(RING_SETUP_INPUT_BYTES);
  const view = new DataView(input.buffer);
  view.setUint32(0, bufferBytes, true);
  view.setUint32(4, bufferCount, true);
  view.setUint32(8, options, true);
  return input;
}

/** One page of descriptors: always available contiguously, even late in uptime. */
const DESCRIPTOR_RING_BYTES = PAGE_SIZE;
const DESCRIPTORS = DESCRIPTOR_RING_BYTES / DESCRIPTOR_SIZE;
const PCI_COMMAND = 0x04;
const PCI_COMMAND_BUS_MASTER = 0x4;

/** How a driver built from RingDevice presents itself. */
export interface DriverIdentity {
  readonly name: string;
  readonly description: string;
  readonly breaksRule?: string;
}

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
interface RingRequest {
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

export class RingDevice {
  registers = 0;
  deviceMaximumTransfer = 0;
  adapter: DMA_ADAPTER | null = null;
  descriptors: { va: number; logical: number } | null = null;
  readonly lock = new KSPIN_LOCK();
  readonly queue = new IO_CSQ();
  current: RingRequest | null = null;

  constructor(readonly k: KernelApi, readonly fdo: DEVICE_OBJECT, readonly pdo: DEVICE_OBJECT) {
    k.KeInitializeSpinLock(this.lock);
    k.IoCsqInitialize(this.queue, null);
  }

  // --- start and stop ----------------------------------------------------------

  start(resources: DeviceResources): NtStatus {
    const k = this.k;
    const bar0 = resources.memory.find((m) => m.bar === 0);
    if (!bar0) return STATUS.DEVICE_NOT_CONNECTED;
    this.registers = bar0.Start;
    this.deviceMaximumTransfer = k.READ_REGISTER_ULONG(this.registers + DmaRegister.MaxTransferLength);
    const capabilities = k.READ_REGISTER_ULONG(this.registers + DmaRegister.Capabilities);
    const granted = { value: 0 };
    this.adapter = k.IoGetDmaAdapter(this.pdo, {
      Version: DEVICE_DESCRIPTION_VERSION3, Master: true, ScatterGather: true, InterfaceType: 'PCIBus', MaximumLength: DESCRIPTORS * this.deviceMaximumTransfer,
      Dma32BitAddresses: true, Dma64BitAddresses: (capabilities & DmaCapability.Addressing64Bit) !== 0,
    }, granted);
    if (!this.adapter) return STATUS.INSUFFICIENT_RESOURCES;
    const logical = { QuadPart: 0 };
    const va = this.adapter.DmaOperations.AllocateCommonBuffer(this.adapter, DESCRIPTOR_RING_BYTES, logical, false);
    if (va === null) return STATUS.INSUFFICIENT_RESOURCES;
    this.descriptors = { va, logical: logical.QuadPart };
    this.setBusMaster(true);
    return STATUS.SUCCESS;
  }

  remove(): void {
    const k = this.k;
    this.setBusMaster(false);
    if (this.descriptors) this.adapter!.DmaOperations.FreeCommonBuffer(this.adapter!, DESCRIPTOR_RING_BYTES, { QuadPart: this.descriptors.logical }, this.descriptors.va, false);
    this.descriptors = null;
    this.adapter?.DmaOperations.PutDmaAdapter(this.adapter);
    this.adapter = null;
    k.IoDetachDevice(this.pdo);
    k.IoDeleteDevice(this.fdo);
  }

  // --- dispatch ------------------------------------------------------------------

  create(irp: IRP): NtStatus {
    const fileObject = this.k.IoGetCurrentIrpStackLocation(irp).FileObject!;
    const rings: OpenRings = { fromDevice: null, toDevice: null };
    fileObject.FsContext = rings;
    return this.completeNow(irp, STATUS.SUCCESS, 0);
  }

  /** IRP_MJ_CLOSE: every request of the handle is over; its ring buffers go back. */
  close(irp: IRP): NtStatus {
    const fileObject = this.k.IoGetCurrentIrpStackLocation(irp).FileObject!;
    const rings = fileObject.FsContext as OpenRings | null;
    for (const ring of [rings?.fromDevice, rings?.toDevice]) for (const buffer of ring ?? []) this.releaseRingBuffer(buffer);
    fileObject.FsContext = null;
    return this.completeNow(irp, STATUS.SUCCESS, 0);
  }

  deviceControl(irp: IRP): NtStatus {
    const k = this.k;
    const location = k.IoGetCurrentIrpStackLocation(irp);
    const p = location.Parameters.DeviceIoControl;
    if (p.IoControlCode !== IOCTL_RING_SETUP) return this.completeNow(irp, STATUS.INVALID_DEVICE_REQUEST, 0);
    if (p.InputBufferLength < RING_SETUP_INPUT_BYTES) return this.completeNow(irp, STATUS.BUFFER_TOO_SMALL, 0);
    const input = new Uint8Array(RING_SETUP_INPUT_BYTES);
    k.RtlCopyMemory(input, irp.AssociatedIrp.SystemBuffer!, RING_SETUP_INPUT_BYTES);
    const view = new DataView(input.buffer);
    const bytes = view.getUint32(0, true);
    const count = view.getUint32(4, true);
    const options = view.getUint32(8, true) | DMA_OPTION.KERNEL_BUFFER_ALLOC;
    const fromDevice = (options & DMA_OPTION.FROM_DEVICE) !== 0;
    const toDevice = (options & DMA_OPTION.TO_DEVICE) !== 0;
    // Every buffer must fit the descriptor ring; exactly one direction per ring.
    if (bytes === 0 || count === 0 || count > RING_MAXIMUM_BUFFERS || fromDevice === toDevice || Math.ceil(bytes / this.deviceMaximumTransfer) > DESCRIPTORS) {
      return this.completeNow(irp, STATUS.INVALID_PARAMETER, 0);
    }
    const rings = location.FileObject!.FsContext as OpenRings;
    if ((fromDevice ? rings.fromDevice : rings.toDevice) !== null) return this.completeNow(irp, STATUS.INVALID_DEVICE_REQUEST, 0);
    const ring: RingBuffer[] = [];
    for (let i = 0; i < count; i++) {
      const buffer = this.takeRingBuffer(bytes, options);
      if (!buffer) {
        for (const b of ring) this.releaseRingBuffer(b);
        return this.completeNow(irp, STATUS.INSUFFICIENT_RESOURCES, 0);
      }
      ring.push(buffer);
    }
    if (fromDevice) rings.fromDevice = ring;
    else rings.toDevice = ring;
    return this.completeNow(irp, STATUS.SUCCESS, 0);
  }

  readWrite(irp: IRP): NtStatus {
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
    this.locked(() => this.startNext());
    return STATUS.PENDING;
  }

  cleanup(irp: IRP): NtStatus {
    const k = this.k;
    const fileObject: FILE_OBJECT | null = k.IoGetCurrentIrpStackLocation(irp).FileObject;
    for (let queued = k.IoCsqRemoveNextIrp(this.queue, fileObject); queued; queued = k.IoCsqRemoveNextIrp(this.queue, fileObject)) {
      this.completeNow(queued, STATUS.CANCELLED, 0);
    }
    return this.completeNow(irp, STATUS.SUCCESS, 0); // the request on the device finishes by itself
  }

  // --- the named steps -----------------------------------------------------------

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

  /** Fill the ring with the request's next bytes and start the device on it (lock held). */
  private startBatch(request: RingRequest): void {
    const k = this.k;
    const perBuffer = Math.ceil(request.ring[0]!.bytes / this.deviceMaximumTransfer);
    const buffers = Math.min(request.ring.length, Math.floor(DESCRIPTORS / perBuffer));
    request.batch = [];
    let at = request.done;
    for (let i = 0; i < buffers && at < request.length; i++) {
      const buffer = request.ring[i]!;
      const bytes = Math.min(buffer.bytes, request.length - at);
      // A write copies the data into the ring first; the device reads it from there.
      if (request.write) k.RtlCopyMemory(buffer.va, request.irp.AssociatedIrp.SystemBuffer! + at, bytes);
      request.batch.push({ buffer, bytes });
      at += bytes;
    }
    const descriptors = new Uint8Array(DESCRIPTOR_RING_BYTES);
    const view = new DataView(descriptors.buffer);
    let n = 0;
    for (const { buffer, bytes } of request.batch) {
      const base = this.deviceAddressOf(buffer);
      for (let done = 0; done < bytes; done += this.deviceMaximumTransfer, n++) {
        const address = base + done;
        view.setUint32(n * DESCRIPTOR_SIZE, address % 2 ** 32, true);
        view.setUint32(n * DESCRIPTOR_SIZE + 4, Math.floor(address / 2 ** 32), true);
        view.setUint32(n * DESCRIPTOR_SIZE + 8, Math.min(this.deviceMaximumTransfer, bytes - done), true);
      }
    }
    view.setUint32((n - 1) * DESCRIPTOR_SIZE + 12, DescriptorFlag.Last, true);
    k.RtlCopyMemory(this.descriptors!.va, descriptors, n * DESCRIPTOR_SIZE);
    const offset = request.byteOffset + request.done;
    const r = this.registers;
    k.WRITE_REGISTER_ULONG(r + DmaRegister.RingBaseLow, this.descriptors!.logical % 2 ** 32);
    k.WRITE_REGISTER_ULONG(r + DmaRegister.RingBaseHigh, Math.floor(this.descriptors!.logical / 2 ** 32));
    k.WRITE_REGISTER_ULONG(r + DmaRegister.RingCount, n);
    k.WRITE_REGISTER_ULONG(r + DmaRegister.StreamOffsetLow, offset % 2 ** 32);
    k.WRITE_REGISTER_ULONG(r + DmaRegister.StreamOffsetHigh, Math.floor(offset / 2 ** 32));
    k.WRITE_REGISTER_ULONG(r + DmaRegister.Control,
      DmaControl.InterruptEnable | DmaControl.ModeDescriptorRing | (request.write ? DmaControl.DirectionHostToDevice : 0) | DmaControl.Start);
  }

  interruptService(): boolean {
    const k = this.k;
    const pending = k.READ_REGISTER_ULONG(this.registers + DmaRegister.InterruptStatus);
    if (pending === 0) return false;
    k.WRITE_REGISTER_ULONG(this.registers + DmaRegister.InterruptAck, pending);
    k.IoRequestDpc(this.fdo, null, pending);
    return true;
  }

  /** The device finished a batch: copy a read's data out of the ring, then the next batch or the next request. */
  batchDone(): void {
    const k = this.k;
    const status = k.READ_REGISTER_ULONG(this.registers + DmaRegister.Status);
    const moved = k.READ_REGISTER_ULONG(this.registers + DmaRegister.BytesTransferred);
    let finished: { irp: IRP; status: NtStatus; information: number } | null = null;
    this.locked(() => {
      const request = this.current;
      if (!request) return;
      const batchBytes = request.batch.reduce((sum, b) => sum + b.bytes, 0);
      const ok = (status & DmaStatusBit.StateMask) === DmaState.Done;
      if (!request.write) {
        let at = request.done;
        for (const { buffer, bytes } of request.batch) {
          k.RtlCopyMemory(request.irp.AssociatedIrp.SystemBuffer! + at, buffer.va, bytes);
          at += bytes;
        }
      }
      request.done += ok ? batchBytes : Math.min(moved, batchBytes);
      if (!ok || request.done === request.length || request.irp.Cancel) {
        this.current = null;
        request.irp.Tail.Overlay.DriverContext[0] = null;
        const outcome = !ok ? STATUS.IO_DEVICE_ERROR : request.done === request.length ? STATUS.SUCCESS : STATUS.CANCELLED; // cancelled: its handle was closed
        finished = { irp: request.irp, status: outcome, information: outcome === STATUS.CANCELLED ? 0 : request.done };
        this.startNext();
      } else {
        this.startBatch(request);
      }
    });
    if (finished) {
      const f: { irp: IRP; status: NtStatus; information: number } = finished;
      this.completeNow(f.irp, f.status, f.information);
    }
  }

  // --- helpers -----------------------------------------------------------------------

  private locked(fn: () => void): void {
    const oldIrql = { value: 0 };
    this.k.KeAcquireSpinLock(this.lock, oldIrql);
    try {
      fn();
    } finally {
      this.k.KeReleaseSpinLock(this.lock, oldIrql.value);
    }
  }

  completeNow(irp: IRP, status: NtStatus, information: number): NtStatus {
    irp.IoStatus.Status = status;
    irp.IoStatus.Information = information;
    this.k.IoCompleteRequest(irp, 0);
    return status;
  }

  private setBusMaster(on: boolean): void {
    const k = this.k;
    const address = k.IoGetDeviceProperty(this.pdo, 'DevicePropertyAddress').value; // device << 16 | function
    const slot = (address >> 16) | ((address & 0x7) << 5); // PCI_SLOT_NUMBER
    const command = new Uint8Array(2);
    k.HalGetBusDataByOffset('PCIConfiguration', 0, slot, command, PCI_COMMAND, 2);
    command[0] = on ? command[0]! | PCI_COMMAND_BUS_MASTER : command[0]! & ~PCI_COMMAND_BUS_MASTER;
    k.HalSetBusDataByOffset('PCIConfiguration', 0, slot, command, PCI_COMMAND, 2);
  }
}

export type RingDeviceClass = new (k: KernelApi, fdo: DEVICE_OBJECT, pdo: DEVICE_OBJECT) => RingDevice;

/** A driver module whose devices are `Device` (RingDevice or a variant of it). */
export function commonBufferRingDriver(identity: DriverIdentity, Device: RingDeviceClass = RingDevice): DriverModule {
  const kernels = new WeakMap<DRIVER_OBJECT, KernelApi>();
  const deviceOf = (d: DEVICE_OBJECT) => d.DeviceExtension as RingDevice;
  return {
    name: identity.name,
    conformanceClasses: ['boot-preallocated-contiguous'],
    description: identity.description,
    ...(identity.breaksRule ? { breaksRule: identity.breaksRule } : {}),

    DriverEntry(DriverObject: DRIVER_OBJECT, k: KernelApi): NtStatus {
      kernels.set(DriverObject, k);
      DriverObject.MajorFunction[IRP_MJ_CREATE] = (d, irp) => deviceOf(d).create(irp);
      DriverObject.MajorFunction[IRP_MJ_CLOSE] = (d, irp) => deviceOf(d).close(irp);
      DriverObject.MajorFunction[IRP_MJ_READ] = (d, irp) => deviceOf(d).readWrite(irp);
      DriverObject.MajorFunction[IRP_MJ_WRITE] = (d, irp) => deviceOf(d).readWrite(irp);
      DriverObject.MajorFunction[IRP_MJ_DEVICE_CONTROL] = (d, irp) => deviceOf(d).deviceControl(irp);
      DriverObject.MajorFunction[IRP_MJ_CLEANUP] = (d, irp) => deviceOf(d).cleanup(irp);
      return STATUS.SUCCESS;
    },

    AddDevice(DriverObject: DRIVER_OBJECT, pdo: DEVICE_OBJECT): NtStatus {
      const k = kernels.get(DriverObject)!;
      const { status, DeviceObject } = k.IoCreateDevice(DriverObject, 0, null, FILE_DEVICE_UNKNOWN, 0, false);
      if (!DeviceObject) return status;
      DeviceObject.DeviceExtension = new Device(k, DeviceObject, pdo);
      DeviceObject.Flags |= DO_BUFFERED_IO;
      k.IoAttachDeviceToDeviceStack(DeviceObject, pdo);
      DeviceObject.Flags &= ~DO_DEVICE_INITIALIZING;
      return STATUS.SUCCESS;
    },

    StartDevice: (DeviceObject: DEVICE_OBJECT, resources: DeviceResources): NtStatus => deviceOf(DeviceObject).start(resources),
    InterruptService: (_interrupt, context): boolean => deviceOf(context as DEVICE_OBJECT).interruptService(),
    DpcForIsr: (_dpc, DeviceObject): void => deviceOf(DeviceObject).batchDone(),
    RemoveDevice: (DeviceObject: DEVICE_OBJECT): void => deviceOf(DeviceObject).remove(),
  };
}

const driver = commonBufferRingDriver({
  name: 'common-buffer-ring',
  description: 'A ring of contiguous DMA buffers per handle, taken from the buffers the install configuration preallocated at boot; data copied between the ring and buffered I/O (seed 002).',
});

export default driver;
