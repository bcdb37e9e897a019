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
 * StorageDevice) so that a faulty variant in src/drivers/faulty replaces
 * exactly one of them.
 */
import {
  DEVICE_DESCRIPTION_VERSION3, DO_DEVICE_INITIALIZING, DO_DIRECT_IO, FILE_DEVICE_UNKNOWN, IO_CSQ,
  IRP_MJ_CLEANUP, IRP_MJ_CLOSE, IRP_MJ_CREATE, IRP_MJ_READ, IRP_MJ_WRITE, KSPIN_LOCK, NT_SUCCESS, PAGE_SIZE, STATUS,
} from '../contract';
import type {
  DEVICE_OBJECT, DMA_ADAPTER, DRIVER_OBJECT, DeviceResources, DriverModule, IRP, KernelApi, MDL, NtStatus, SCATTER_GATHER_LIST,
} from '../contract';
import { DESCRIPTOR_SIZE, DescriptorFlag, DmaCapability, DmaControl, DmaRegister, DmaState, DmaStatusBit, MAX_RING_DESCRIPTORS } from '../../pci/dma-device';

/** The longest transfer one scatter/gather list maps; a longer request is cut into transfers of at most this (DEV-2). */
export const STORAGE_MAXIMUM_TRANSFER = 1024 * 1024;
/** Pool tag of the forward-progress reserve. */
export const STORAGE_RESERVE_TAG = 'SFPr';
const PCI_COMMAND = 0x04;
const PCI_COMMAND_BUS_MASTER = 0x4;

/** How a driver built from StorageDevice presents itself. */
export interface DriverIdentity {
  readonly name: string;
  readonly description: string;
  readonly breaksRule?: string;
}

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
 * One started device of the driver: its resources, its reserve and its
 * queues. The protected methods are the named steps a variant may replace.
 */
export class StorageDevice {
  registers = 0;
  /** The device's MAX_TRANSFER_LENGTH: the longest one descriptor may ask for. */
  deviceMaximumTransfer = 0;
  /** The longest transfer the driver maps with one list (no more than its map registers allow). */
  maximumTransfer = STORAGE_MAXIMUM_TRANSFER;
  adapter: DMA_ADAPTER | null = null;
  ring: { va: number; logical: number } | null = null;
  reserve: { va: number; bytes: number; holder: StorageTransfer | null } | null = null;
  readonly lock = new KSPIN_LOCK();
  /** Requests whose next transfer waits for a list; cancelable while they wait. */
  readonly waiting = new IO_CSQ();
  /** Transfers mapped and waiting for the device, in order. */
  readonly mapped: StorageTransfer[] = [];
  /** The transfer on the device. */
  active: StorageTransfer | null = null;
  /** Requests finished while the lock was held, completed once it is released. */
  private readonly finished: { request: StorageRequest; status: NtStatus; information: number }[] = [];

  constructor(readonly k: KernelApi, readonly fdo: DEVICE_OBJECT, readonly pdo: DEVICE_OBJECT) {
    k.KeInitializeSpinLock(this.lock);
    k.IoCsqInitialize(this.waiting, null);
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
      Version: DEVICE_DESCRIPTION_VERSION3, Master: true, ScatterGather: true, InterfaceType: 'PCIBus', MaximumLength: STORAGE_MAXIMUM_TRANSFER,
      Dma32BitAddresses: true, Dma64BitAddresses: (capabilities & DmaCapability.Addressing64Bit) !== 0,
    }, granted);
    if (!this.adapter) return STATUS.INSUFFICIENT_RESOURCES;
    // One map register per page; an unaligned transfer spans one page more than its length.
    this.maximumTransfer = Math.min(STORAGE_MAXIMUM_TRANSFER, (granted.value - 1) * PAGE_SIZE);
    if (this.maximumTransfer < PAGE_SIZE) return STATUS.INSUFFICIENT_RESOURCES;
    const logical = { QuadPart: 0 };
    const ringVa = this.adapter.DmaOperations.AllocateCommonBuffer(this.adapter, MAX_RING_DESCRIPTORS * DESCRIPTOR_SIZE, logical, false);
    if (ringVa === null) return STATUS.INSUFFICIENT_RESOURCES;
    this.ring = { va: ringVa, logical: logical.QuadPart };
    const bytes = this.reserveSize();
    const reserveVa = k.ExAllocatePoolWithTag('NonPagedPool', bytes, STORAGE_RESERVE_TAG);
    if (reserveVa === null) return STATUS.INSUFFICIENT_RESOURCES;
    this.reserve = { va: reserveVa, bytes, holder: null };
    this.setBusMaster(true);
    return STATUS.SUCCESS;
  }

  remove(): void {
    const k = this.k;
    this.setBusMaster(false);
    if (this.reserve) k.ExFreePoolWithTag(this.reserve.va, STORAGE_RESERVE_TAG);
    this.reserve = null;
    if (this.ring) this.adapter!.DmaOperations.FreeCommonBuffer(this.adapter!, MAX_RING_DESCRIPTORS * DESCRIPTOR_SIZE, { QuadPart: this.ring.logical }, this.ring.va, false);
    this.ring = null;
    this.adapter?.DmaOperations.PutDmaAdapter(this.adapter);
    this.adapter = null;
    k.IoDetachDevice(this.pdo);
    k.IoDeleteDevice(this.fdo);
  }

  // --- dispatch ------------------------------------------------------------------

  readWrite(irp: IRP): NtStatus {
    const k = this.k;
    const location = k.IoGetCurrentIrpStackLocation(irp);
    const length = location.Parameters.Read.Length;
    if (length === 0 || !irp.MdlAddress) return this.completeNow(irp, STATUS.SUCCESS, 0);
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
  cleanup(irp: IRP): NtStatus {
    const k = this.k;
    const fileObject = k.IoGetCurrentIrpStackLocation(irp).FileObject;
    const cancelled: IRP[] = [];
    this.locked(() => {
      for (let waiting = k.IoCsqRemoveNextIrp(this.waiting, fileObject); waiting; waiting = k.IoCsqRemoveNextIrp(this.waiting, fileObject)) cancelled.push(waiting);
    });
    for (const waiting of cancelled) this.completeNow(waiting, STATUS.CANCELLED, 0);
    return this.completeNow(irp, STATUS.SUCCESS, 0);
  }

  // --- the named steps -----------------------------------------------------------

  /**
   * The reserve's size (SG-4): what BuildScatterGatherList needs for the
   * longest transfer at the worst start offset. With no MDL,
   * CalculateScatterGatherList counts the pages the range spans, so a start
   * one byte into a page gives the worst case.
   */
  protected reserveSize(): number {
    const size = this.adapter!.DmaOperations.CalculateScatterGatherList(this.adapter!, null, 1, this.maximumTransfer);
    return size.scatterGatherListSize;
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
    const length = Math.min(this.maximumTransfer, request.length - request.mapped);
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
    // Map registers in use by other lists: wait for one of them to come back.
    if (status === STATUS.INSUFFICIENT_RESOURCES && (this.active || this.mapped.length > 0)) this.waitForResources(transfer.request);
    else this.finish(transfer.request, status);
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
    const k = this.k;
    const ring = new Uint8Array(MAX_RING_DESCRIPTORS * DESCRIPTOR_SIZE);
    const view = new DataView(ring.buffer);
    let n = 0;
    for (const element of transfer.list!.Elements) {
      for (let done = 0; done < element.Length; done += this.deviceMaximumTransfer, n++) {
        const at = n * DESCRIPTOR_SIZE;
        const address = element.Address + done;
        view.setUint32(at, address % 2 ** 32, true);
        view.setUint32(at + 4, Math.floor(address / 2 ** 32), true);
        view.setUint32(at + 8, Math.min(this.deviceMaximumTransfer, element.Length - done), true);
      }
    }
    view.setUint32((n - 1) * DESCRIPTOR_SIZE + 12, DescriptorFlag.Last, true);
    k.RtlCopyMemory(this.ring!.va, ring, n * DESCRIPTOR_SIZE);
    const offset = transfer.request.byteOffset + transfer.offset;
    const r = this.registers;
    k.WRITE_REGISTER_ULONG(r + DmaRegister.RingBaseLow, this.ring!.logical % 2 ** 32);
    k.WRITE_REGISTER_ULONG(r + DmaRegister.RingBaseHigh, Math.floor(this.ring!.logical / 2 ** 32));
    k.WRITE_REGISTER_ULONG(r + DmaRegister.RingCount, n);
    k.WRITE_REGISTER_ULONG(r + DmaRegister.StreamOffsetLow, offset % 2 ** 32);
    k.WRITE_REGISTER_ULONG(r + DmaRegister.StreamOffsetHigh, Math.floor(offset / 2 ** 32));
    k.WRITE_REGISTER_ULONG(r + DmaRegister.Control,
      DmaControl.InterruptEnable | DmaControl.ModeDescriptorRing | (transfer.request.write ? DmaControl.DirectionHostToDevice : 0) | DmaControl.Start);
  }

  interruptService(): boolean {
    const k = this.k;
    const pending = k.READ_REGISTER_ULONG(this.registers + DmaRegister.InterruptStatus);
    if (pending === 0) return false; // not ours
    k.WRITE_REGISTER_ULONG(this.registers + DmaRegister.InterruptAck, pending);
    k.IoRequestDpc(this.fdo, null, pending);
    return true;
  }

  /** The device finished the active transfer: put its list back, let waiting transfers have lists, go on. */
  transferDone(): void {
    const k = this.k;
    const status = k.READ_REGISTER_ULONG(this.registers + DmaRegister.Status);
    const moved = k.READ_REGISTER_ULONG(this.registers + DmaRegister.BytesTransferred);
    this.locked(() => {
      const transfer = this.active;
      this.active = null;
      if (!transfer) return;
      this.putList(transfer);
      if (transfer.inReserve) {
        this.reserve!.holder = null;
        transfer.inReserve = false;
      }
      const request = transfer.request;
      if ((status & DmaStatusBit.StateMask) !== DmaState.Done) {
        request.moved += Math.min(moved, transfer.length);
        this.finish(request, STATUS.IO_DEVICE_ERROR, request.moved);
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

  // --- completion ------------------------------------------------------------------

  /** The request is over (lock held): complete it once the lock is released. */
  protected finish(request: StorageRequest, status: NtStatus, information = 0): void {
    this.finished.push({ request, status, information });
  }

  private locked(fn: () => void): void {
    const k = this.k;
    const oldIrql = { value: 0 };
    k.KeAcquireSpinLock(this.lock, oldIrql);
    try {
      fn();
    } finally {
      k.KeReleaseSpinLock(this.lock, oldIrql.value);
    }
    for (let f = this.finished.shift(); f; f = this.finished.shift()) {
      f.request.irp.Tail.Overlay.DriverContext[0] = null;
      this.completeNow(f.request.irp, f.status, f.information);
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

export type StorageDeviceClass = new (k: KernelApi, fdo: DEVICE_OBJECT, pdo: DEVICE_OBJECT) => StorageDevice;

/** A driver module whose devices are `Device` (StorageDevice or a variant of it). */
export function storageForwardProgressDriver(identity: DriverIdentity, Device: StorageDeviceClass = StorageDevice): DriverModule {
  const kernels = new WeakMap<DRIVER_OBJECT, KernelApi>();
  const deviceOf = (d: DEVICE_OBJECT) => d.DeviceExtension as StorageDevice;
  return {
    name: identity.name,
    conformanceClasses: ['storage-forward-progress'],
    description: identity.description,
    ...(identity.breaksRule ? { breaksRule: identity.breaksRule } : {}),

    DriverEntry(DriverObject: DRIVER_OBJECT, k: KernelApi): NtStatus {
      kernels.set(DriverObject, k);
      DriverObject.MajorFunction[IRP_MJ_CREATE] = (d, irp) => deviceOf(d).completeNow(irp, STATUS.SUCCESS, 0);
      DriverObject.MajorFunction[IRP_MJ_CLOSE] = (d, irp) => deviceOf(d).completeNow(irp, STATUS.SUCCESS, 0);
      DriverObject.MajorFunction[IRP_MJ_READ] = (d, irp) => deviceOf(d).readWrite(irp);
      DriverObject.MajorFunction[IRP_MJ_WRITE] = (d, irp) => deviceOf(d).readWrite(irp);
      DriverObject.MajorFunction[IRP_MJ_CLEANUP] = (d, irp) => deviceOf(d).cleanup(irp);
      return STATUS.SUCCESS;
    },

    AddDevice(DriverObject: DRIVER_OBJECT, pdo: DEVICE_OBJECT): NtStatus {
      const k = kernels.get(DriverObject)!;
      const { status, DeviceObject } = k.IoCreateDevice(DriverObject, 0, null, FILE_DEVICE_UNKNOWN, 0, false);
      if (!DeviceObject) return status;
      DeviceObject.DeviceExtension = new Device(k, DeviceObject, pdo);
      DeviceObject.Flags |= DO_DIRECT_IO;
      k.IoAttachDeviceToDeviceStack(DeviceObject, pdo);
      DeviceObject.Flags &= ~DO_DEVICE_INITIALIZING;
      return STATUS.SUCCESS;
    },

    StartDevice: (DeviceObject: DEVICE_OBJECT, resources: DeviceResources): NtStatus => deviceOf(DeviceObject).start(resources),
    InterruptService: (_interrupt, context): boolean => deviceOf(context as DEVICE_OBJECT).interruptService(),
    DpcForIsr: (_dpc, DeviceObject): void => deviceOf(DeviceObject).transferDone(),
    RemoveDevice: (DeviceObject: DEVICE_OBJECT): void => deviceOf(DeviceObject).remove(),
  };
}

const driver = storageForwardProgressDriver({
  name: 'storage-forward-progress',
  description: 'Storage-style direct I/O that never fails for lack of resources: a reserve sized with CalculateScatterGatherList, lists built into it when pool allocation fails, requests queued while it is busy (seed 001).',
});

export default driver;
