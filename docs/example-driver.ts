import {
  DEVICE_DESCRIPTION_VERSION3, DO_DEVICE_INITIALIZING, DO_DIRECT_IO, FILE_DEVICE_UNKNOWN,
  IO_CSQ, IRP_MJ_CLEANUP, IRP_MJ_CLOSE, IRP_MJ_CREATE, IRP_MJ_READ, IRP_MJ_WRITE, KDPC, KSPIN_LOCK, KTIMER, NT_SUCCESS, STATUS,
} from '../src/personalities/wdm/contract';
import type {
  DEVICE_OBJECT, DMA_ADAPTER, DRIVER_OBJECT, DeviceResources, DriverModule, IRP, KernelApi, NtStatus, SCATTER_GATHER_LIST,
} from '../src/personalities/wdm/contract';
import { DESCRIPTOR_SIZE, DescriptorFlag, DmaCapability, DmaControl, DmaRegister, DmaState, DmaStatusBit } from '../src/contracts/dma-test-device-registers';

const MAX_REQUEST = 8 * 1024 * 1024;
const RING_DESCRIPTORS = 4096;
const PCI_COMMAND = 0x04;
const PCI_COMMAND_BUS_MASTER = 0x4;
const PAGE_SIZE = 4096;
const TRANSFER_TIMEOUT_MS = 100; // a transfer that makes no progress for this long is aborted
const ALL_ONES = 0xffffffff;       // what every register of a surprise-removed device reads

interface Extension {
  pdo: DEVICE_OBJECT;
  registers: number;                 // physical address of BAR0
  maxTransfer: number;               // the device's MAX_TRANSFER_LENGTH
  longestPiece: number;              // the most one scatter/gather list may map: one page less than the map registers
  adapter: DMA_ADAPTER | null;
  ring: { va: number; logical: number } | null;
  queue: IO_CSQ;
  lock: KSPIN_LOCK;
  /** The request on the device; it runs as pieces of at most `longestPiece` bytes, one list each. */
  current: { irp: IRP; write: boolean; list: SCATTER_GATHER_LIST | null; done: number; piece: number } | null;
  watchdog: { timer: KTIMER; dpc: KDPC; lastProgress: number };
}

let k: KernelApi;

function complete(irp: IRP, status: NtStatus, information: number): NtStatus {
  irp.IoStatus.Status = status;
  irp.IoStatus.Information = information;
  k.IoCompleteRequest(irp, 0);
  return status;
}

function pciSlot(pdo: DEVICE_OBJECT): number {
  const address = k.IoGetDeviceProperty(pdo, 'DevicePropertyAddress').value; // device << 16 | function
  return (address >> 16) | ((address & 0x7) << 5);                          // PCI_SLOT_NUMBER
}

function setBusMaster(pdo: DEVICE_OBJECT, on: boolean): void {
  const command = new Uint8Array(2);
  k.HalGetBusDataByOffset('PCIConfiguration', 0, pciSlot(pdo), command, PCI_COMMAND, 2);
  command[0] = on ? command[0]! | PCI_COMMAND_BUS_MASTER : command[0]! & ~PCI_COMMAND_BUS_MASTER;
  k.HalSetBusDataByOffset('PCIConfiguration', 0, pciSlot(pdo), command, PCI_COMMAND, 2);
}

/** Execution routine of GetScatterGatherList (DISPATCH_LEVEL): describe the list to the device and start it. */
function programDevice(device: object, _irp: unknown, list: SCATTER_GATHER_LIST, context: unknown): void {
  const ext = (device as DEVICE_OBJECT).DeviceExtension as Extension;
  const irp = context as IRP;
  ext.current!.list = list;
  const ring = new Uint8Array(RING_DESCRIPTORS * DESCRIPTOR_SIZE);
  const view = new DataView(ring.buffer);
  let n = 0;
  for (const element of list.Elements) {
    for (let done = 0; done < element.Length; done += ext.maxTransfer, n++) {
      const at = n * DESCRIPTOR_SIZE;
      const address = element.Address + done;
      view.setUint32(at, address % 2 ** 32, true);
      view.setUint32(at + 4, Math.floor(address / 2 ** 32), true);
      view.setUint32(at + 8, Math.min(ext.maxTransfer, element.Length - done), true);
    }
  }
  view.setUint32((n - 1) * DESCRIPTOR_SIZE + 12, DescriptorFlag.Last, true);
  k.RtlCopyMemory(ext.ring!.va, ring, n * DESCRIPTOR_SIZE);
  const offset = k.IoGetCurrentIrpStackLocation(irp).Parameters.Read.ByteOffset + ext.current!.done;
  k.WRITE_REGISTER_ULONG(ext.registers + DmaRegister.RingBaseLow, ext.ring!.logical % 2 ** 32);
  k.WRITE_REGISTER_ULONG(ext.registers + DmaRegister.RingBaseHigh, Math.floor(ext.ring!.logical / 2 ** 32));
  k.WRITE_REGISTER_ULONG(ext.registers + DmaRegister.RingCount, n);
  k.WRITE_REGISTER_ULONG(ext.registers + DmaRegister.StreamOffsetLow, offset % 2 ** 32);
  k.WRITE_REGISTER_ULONG(ext.registers + DmaRegister.StreamOffsetHigh, Math.floor(offset / 2 ** 32));
  k.WRITE_REGISTER_ULONG(ext.registers + DmaRegister.Control,
    DmaControl.InterruptEnable | DmaControl.ModeDescriptorRing | (ext.current!.write ? DmaControl.DirectionHostToDevice : 0) | DmaControl.Start);
  ext.watchdog.lastProgress = -1;
  k.KeSetTimer(ext.watchdog.timer, -TRANSFER_TIMEOUT_MS * 10_000, ext.watchdog.dpc);
}

/**
 * The watchdog's DPC: a device that stopped moving data is aborted, so it reports an error and interrupts.
 * A removed device drops the abort and never interrupts: the request ends here instead.
 */
function watchdogExpired(device: DEVICE_OBJECT): void {
  const ext = device.DeviceExtension as Extension;
  if (!ext.current?.list) return;
  if (k.READ_REGISTER_ULONG(ext.registers + DmaRegister.Status) === ALL_ONES) return pieceEnded(device, STATUS.DEVICE_NOT_CONNECTED, 0);
  const progress = k.READ_REGISTER_ULONG(ext.registers + DmaRegister.BytesTransferred)
    + k.READ_REGISTER_ULONG(ext.registers + DmaRegister.RingProgress) * 2 ** 32;
  if (progress !== ext.watchdog.lastProgress) { // still moving: give it another period
    ext.watchdog.lastProgress = progress;
    k.KeSetTimer(ext.watchdog.timer, -TRANSFER_TIMEOUT_MS * 10_000, ext.watchdog.dpc);
    return;
  }
  k.WRITE_REGISTER_ULONG(ext.registers + DmaRegister.Control, DmaControl.InterruptEnable | DmaControl.Abort); // keep interrupts on to hear the error
  k.KeSetTimer(ext.watchdog.timer, -TRANSFER_TIMEOUT_MS * 10_000, ext.watchdog.dpc); // no interrupt by then: look again (removed?)
}

/** The piece on the device ended (DPC, or watchdog for a removed device): put its list back, then map the next piece or complete. */
function pieceEnded(device: DEVICE_OBJECT, status: NtStatus, moved: number): void {
  const ext = device.DeviceExtension as Extension;
  const oldIrql = { value: 0 };
  k.KeAcquireSpinLock(ext.lock, oldIrql);
  const done = ext.current;
  if (!done?.list) return k.KeReleaseSpinLock(ext.lock, oldIrql.value);
  k.KeCancelTimer(ext.watchdog.timer);
  ext.adapter!.DmaOperations.PutScatterGatherList(ext.adapter!, done.list, done.write); // before the IRP completes
  done.list = null;
  done.done += NT_SUCCESS(status) ? done.piece : Math.min(moved, done.piece);
  let result = status;
  if (NT_SUCCESS(status) && done.done < k.IoGetCurrentIrpStackLocation(done.irp).Parameters.Read.Length) {
    result = mapNextPiece(device);
    if (NT_SUCCESS(result)) return k.KeReleaseSpinLock(ext.lock, oldIrql.value);
  }
  ext.current = null;
  k.KeReleaseSpinLock(ext.lock, oldIrql.value);
  complete(done.irp, result, done.done);
  startNext(device);
}

/** Map the current request's next piece (caller holds the lock: DISPATCH_LEVEL); programDevice starts it. */
function mapNextPiece(device: DEVICE_OBJECT): NtStatus {
  const ext = device.DeviceExtension as Extension;
  const current = ext.current!;
  const mdl = current.irp.MdlAddress!;
  current.piece = Math.min(ext.longestPiece, k.IoGetCurrentIrpStackLocation(current.irp).Parameters.Read.Length - current.done);
  return ext.adapter!.DmaOperations.GetScatterGatherList(
    ext.adapter!, device, mdl, k.MmGetMdlVirtualAddress(mdl) + current.done, current.piece, programDevice, current.irp, current.write);
}

/** Start the next queued request if the device is idle. */
function startNext(device: DEVICE_OBJECT): void {
  const ext = device.DeviceExtension as Extension;
  const oldIrql = { value: 0 };
  k.KeAcquireSpinLock(ext.lock, oldIrql); // GetScatterGatherList runs at DISPATCH_LEVEL
  try {
    while (!ext.current) {
      const irp = k.IoCsqRemoveNextIrp(ext.queue, null);
      if (!irp) break;
      const write = k.IoGetCurrentIrpStackLocation(irp).MajorFunction === IRP_MJ_WRITE;
      ext.current = { irp, write, list: null, done: 0, piece: 0 };
      const status = mapNextPiece(device);
      if (!NT_SUCCESS(status)) {
        ext.current = null;
        complete(irp, status, 0);
      }
    }
  } finally {
    k.KeReleaseSpinLock(ext.lock, oldIrql.value);
  }
}

function readWrite(device: DEVICE_OBJECT, irp: IRP): NtStatus {
  const ext = device.DeviceExtension as Extension;
  const length = k.IoGetCurrentIrpStackLocation(irp).Parameters.Read.Length;
  if (length === 0) return complete(irp, STATUS.SUCCESS, 0);
  if (length > MAX_REQUEST) return complete(irp, STATUS.INVALID_PARAMETER, 0);
  k.IoCsqInsertIrp(ext.queue, irp, null); // marks it pending; cancelable while queued
  startNext(device);
  return STATUS.PENDING;
}

function cleanup(device: DEVICE_OBJECT, irp: IRP): NtStatus {
  const ext = device.DeviceExtension as Extension;
  const fileObject = k.IoGetCurrentIrpStackLocation(irp).FileObject;
  for (let queued = k.IoCsqRemoveNextIrp(ext.queue, fileObject); queued; queued = k.IoCsqRemoveNextIrp(ext.queue, fileObject)) {
    complete(queued, STATUS.CANCELLED, 0);
  }
  return complete(irp, STATUS.SUCCESS, 0); // a transfer already on the device completes by itself
}

const driver: DriverModule = {
  name: 'example-direct',
  conformanceClasses: ['read-write-direct'],
  description: 'The minimal direct-I/O driver of docs/driver-contract.md.',

  DriverEntry(DriverObject: DRIVER_OBJECT, kernel: KernelApi): NtStatus {
    k = kernel;
    DriverObject.MajorFunction[IRP_MJ_CREATE] = (_d, irp) => complete(irp, STATUS.SUCCESS, 0);
    DriverObject.MajorFunction[IRP_MJ_CLOSE] = (_d, irp) => complete(irp, STATUS.SUCCESS, 0);
    DriverObject.MajorFunction[IRP_MJ_READ] = readWrite;
    DriverObject.MajorFunction[IRP_MJ_WRITE] = readWrite;
    DriverObject.MajorFunction[IRP_MJ_CLEANUP] = cleanup;
    return STATUS.SUCCESS;
  },

  AddDevice(DriverObject: DRIVER_OBJECT, pdo: DEVICE_OBJECT): NtStatus {
    const { status, DeviceObject } = k.IoCreateDevice(DriverObject, 0, null, FILE_DEVICE_UNKNOWN, 0, false);
    if (!DeviceObject) return status;
    const queue = new IO_CSQ();
    k.IoCsqInitialize(queue, null);
    const ext: Extension = {
      pdo, registers: 0, maxTransfer: 0, longestPiece: 0, adapter: null, ring: null, queue, lock: new KSPIN_LOCK(), current: null,
      watchdog: { timer: new KTIMER(), dpc: new KDPC(), lastProgress: -1 },
    };
    k.KeInitializeSpinLock(ext.lock);
    k.KeInitializeTimer(ext.watchdog.timer);
    k.KeInitializeDpc(ext.watchdog.dpc, () => watchdogExpired(DeviceObject), null);
    DeviceObject.DeviceExtension = ext;
    DeviceObject.Flags |= DO_DIRECT_IO;
    k.IoAttachDeviceToDeviceStack(DeviceObject, pdo);
    DeviceObject.Flags &= ~DO_DEVICE_INITIALIZING;
    return STATUS.SUCCESS;
  },

  StartDevice(DeviceObject: DEVICE_OBJECT, resources: DeviceResources): NtStatus {
    const ext = DeviceObject.DeviceExtension as Extension;
    const bar0 = resources.memory.find((m) => m.bar === 0);
    if (!bar0) return STATUS.DEVICE_NOT_CONNECTED;
    ext.registers = bar0.Start;
    ext.maxTransfer = k.READ_REGISTER_ULONG(ext.registers + DmaRegister.MaxTransferLength);
    const capabilities = k.READ_REGISTER_ULONG(ext.registers + DmaRegister.Capabilities);
    const mapRegisters = { value: 0 };
    ext.adapter = k.IoGetDmaAdapter(ext.pdo, {
      Version: DEVICE_DESCRIPTION_VERSION3, Master: true, ScatterGather: true, InterfaceType: 'PCIBus', MaximumLength: MAX_REQUEST,
      Dma32BitAddresses: true, Dma64BitAddresses: (capabilities & DmaCapability.Addressing64Bit) !== 0,
    }, mapRegisters);
    if (!ext.adapter) return STATUS.INSUFFICIENT_RESOURCES;
    ext.longestPiece = Math.max(1, mapRegisters.value - 1) * PAGE_SIZE; // an unaligned piece spans one page more
    const logical = { QuadPart: 0 };
    const va = ext.adapter.DmaOperations.AllocateCommonBuffer(ext.adapter, RING_DESCRIPTORS * DESCRIPTOR_SIZE, logical, false);
    if (va === null) return STATUS.INSUFFICIENT_RESOURCES;
    ext.ring = { va, logical: logical.QuadPart };
    setBusMaster(ext.pdo, true);
    return STATUS.SUCCESS;
  },

  InterruptService(_interrupt, context): boolean {
    const ext = (context as DEVICE_OBJECT).DeviceExtension as Extension;
    const pending = k.READ_REGISTER_ULONG(ext.registers + DmaRegister.InterruptStatus);
    if (pending === 0 || pending === ALL_ONES) return false; // not ours (a removed device raises nothing)
    k.WRITE_REGISTER_ULONG(ext.registers + DmaRegister.InterruptAck, pending);
    k.IoRequestDpc(context as DEVICE_OBJECT, null, pending);
    return true;
  },

  DpcForIsr(_dpc, DeviceObject): void {
    const ext = DeviceObject.DeviceExtension as Extension;
    const status = k.READ_REGISTER_ULONG(ext.registers + DmaRegister.Status);
    const moved = k.READ_REGISTER_ULONG(ext.registers + DmaRegister.BytesTransferred);
    if (status === ALL_ONES) return pieceEnded(DeviceObject, STATUS.DEVICE_NOT_CONNECTED, 0); // removed since it interrupted
    pieceEnded(DeviceObject, (status & DmaStatusBit.StateMask) === DmaState.Done ? STATUS.SUCCESS : STATUS.IO_DEVICE_ERROR, moved);
  },

  RemoveDevice(DeviceObject: DEVICE_OBJECT): void {
    const ext = DeviceObject.DeviceExtension as Extension;
    k.KeCancelTimer(ext.watchdog.timer);
    k.KeRemoveQueueDpc(ext.watchdog.dpc);
    setBusMaster(ext.pdo, false);
    if (ext.ring) ext.adapter!.DmaOperations.FreeCommonBuffer(ext.adapter!, RING_DESCRIPTORS * DESCRIPTOR_SIZE, { QuadPart: ext.ring.logical }, ext.ring.va, false);
    ext.adapter?.DmaOperations.PutDmaAdapter(ext.adapter);
    k.IoDetachDevice(ext.pdo);
    k.IoDeleteDevice(DeviceObject);
  },
};

export default driver;
