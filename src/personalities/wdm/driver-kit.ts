/**
 * Building blocks the reference drivers share, written against the kernel API
 * a driver receives, never against the simulator's internals:
 *
 * - DmaTestDeviceRegisters: the DMA test device (docs/dma-device.md) as a
 *   driver sees it through BAR0: capabilities, starting a descriptor-ring
 *   transfer, acknowledging its interrupt, reading how a transfer ended,
 *   aborting it.
 * - descriptorsFor: a scatter/gather list turned into device descriptors,
 *   each no longer than the device's maximum transfer (DEV-2, SG-7).
 * - DescriptorRing: the descriptors in a common buffer the device fetches
 *   them from by DMA.
 * - TransferWatchdog: a kernel timer that notices a transfer that never
 *   finishes (a hung or removed device) so the request still completes.
 * - ReferenceDevice and referenceDriver: the skeleton of a WDM driver for the
 *   device (DriverEntry, AddDevice, StartDevice with adapter, ring and bus
 *   mastering, ISR that acknowledges and queues the DPC, RemoveDevice), so a
 *   driver writes only its dispatch routines, declared in a table by major
 *   function (and by IOCTL), and its DPC.
 *
 * A reference driver keeps its kernel API per driver object, not in a module
 * variable, so one module can serve several machines one after another.
 */
import {
  DEVICE_DESCRIPTION_VERSION3, DISPATCH_LEVEL, DO_DEVICE_INITIALIZING, FILE_DEVICE_UNKNOWN, IRP_MJ_CLEANUP, IRP_MJ_CLOSE, IRP_MJ_CREATE,
  IRP_MJ_DEVICE_CONTROL, IRP_MJ_READ, IRP_MJ_WRITE, KDPC, KTIMER, PAGE_SIZE, STATUS,
} from './contract';
import type {
  ConformanceClass, DEVICE_DESCRIPTION, DEVICE_OBJECT, DMA_ADAPTER, DRIVER_OBJECT, DeviceResources, DriverModule, IRP, KSPIN_LOCK,
  KernelApi, NtStatus, SCATTER_GATHER_ELEMENT, RuleRef } from './contract';
import { DESCRIPTOR_SIZE, DescriptorFlag, DmaCapability, DmaControl, DmaError, DmaRegister, DmaState, DmaStatusBit, MAX_RING_DESCRIPTORS } from '../../contracts/dma-test-device-registers';

const TWO_32 = 2 ** 32;
const PCI_COMMAND = 0x04;
const PCI_COMMAND_BUS_MASTER = 0x4;
/** What every register of a device that is gone reads as. */
const ALL_ONES = 0xffffffff;

/** How a driver built from these parts presents itself. */
export interface DriverIdentity {
  readonly name: string;
  readonly description: string;
  /** For a deliberately faulty variant: the rule it breaks. */
  readonly breaksRule?: RuleRef;
}

// --- requests -------------------------------------------------------------------------

/** Complete an IRP with a status and byte count; returns the status, for dispatch routines. */
export function completeRequest(k: KernelApi, irp: IRP, status: NtStatus, information = 0): NtStatus {
  irp.IoStatus.Status = status;
  irp.IoStatus.Information = information;
  k.IoCompleteRequest(irp, 0);
  return status;
}

/** What the driver keeps per handle: the FsContext of the IRP's file object, which its IRP_MJ_CREATE routine set. */
export function handleContextOf<T>(k: KernelApi, irp: IRP): T {
  return k.IoGetCurrentIrpStackLocation(irp).FileObject!.FsContext as T;
}

/** Run `fn` holding the spin lock (at DISPATCH_LEVEL), releasing it however `fn` ends. */
export function withSpinLock<T>(k: KernelApi, lock: KSPIN_LOCK, fn: () => T): T {
  const oldIrql = { value: 0 };
  k.KeAcquireSpinLock(lock, oldIrql);
  try {
    return fn();
  } finally {
    k.KeReleaseSpinLock(lock, oldIrql.value);
  }
}

/** Run `fn` at DISPATCH_LEVEL, as the HAL's scatter/gather routines require. */
export function atDispatchLevel<T>(k: KernelApi, fn: () => T): T {
  const oldIrql = { value: 0 };
  k.KeRaiseIrql(DISPATCH_LEVEL, oldIrql);
  try {
    return fn();
  } finally {
    k.KeLowerIrql(oldIrql.value);
  }
}

/** The input of a METHOD_BUFFERED (or IN/OUT_DIRECT) IOCTL, copied out of the system buffer; null when it is shorter than `length`. */
export function bufferedInput(k: KernelApi, irp: IRP, length: number): DataView | null {
  const location = k.IoGetCurrentIrpStackLocation(irp);
  if (location.Parameters.DeviceIoControl.InputBufferLength < length || irp.AssociatedIrp.SystemBuffer === null) return null;
  const bytes = new Uint8Array(length);
  k.RtlCopyMemory(bytes, irp.AssociatedIrp.SystemBuffer, length);
  return new DataView(bytes.buffer);
}

/** Write a METHOD_BUFFERED IOCTL's output into the system buffer; false when the caller's output buffer is too short. */
export function bufferedOutput(k: KernelApi, irp: IRP, bytes: Uint8Array): boolean {
  const location = k.IoGetCurrentIrpStackLocation(irp);
  if (location.Parameters.DeviceIoControl.OutputBufferLength < bytes.length || irp.AssociatedIrp.SystemBuffer === null) return false;
  k.RtlCopyMemory(irp.AssociatedIrp.SystemBuffer, bytes, bytes.length);
  return true;
}

// --- PCI configuration --------------------------------------------------------------

/** PCI_SLOT_NUMBER of the device behind a physical device object. */
export function pciSlotOf(k: KernelApi, pdo: DEVICE_OBJECT): number {
  const address = k.IoGetDeviceProperty(pdo, 'DevicePropertyAddress').value; // device << 16 | function
  return (address >> 16) | ((address & 0x7) << 5);
}

/** Turn bus mastering on or off in the device's PCI command register (DEV-1). */
export function setBusMastering(k: KernelApi, pdo: DEVICE_OBJECT, on: boolean): void {
  const slot = pciSlotOf(k, pdo);
  const command = new Uint8Array(2);
  k.HalGetBusDataByOffset('PCIConfiguration', 0, slot, command, PCI_COMMAND, 2);
  command[0] = on ? command[0]! | PCI_COMMAND_BUS_MASTER : command[0]! & ~PCI_COMMAND_BUS_MASTER;
  k.HalSetBusDataByOffset('PCIConfiguration', 0, slot, command, PCI_COMMAND, 2);
}

// --- the device's registers ------------------------------------------------------------

/** How the device's last transfer ended, read from its registers. */
export interface TransferResult {
  /** The device still works on it. */
  readonly busy: boolean;
  /** It ended in Done. */
  readonly done: boolean;
  /** The device's error code (DmaError) when it ended in Error. */
  readonly errorCode: number;
  /** Bytes the transfer moved. */
  readonly bytes: number;
  /** The device is gone: its registers read all ones. */
  readonly removed: boolean;
}

export interface RingTransferOptions {
  /** Host-to-device (a write request): the device reads memory. */
  readonly toDevice: boolean;
  /** Pattern stream offset of the transfer's first byte; omitted: continue where the last transfer stopped. */
  readonly streamOffset?: number;
}

/** The DMA test device's register file (BAR0), as a driver reaches it. */
export class DmaTestDeviceRegisters {
  constructor(private readonly k: KernelApi, readonly base: number) {}

  /** The registers of a started device: BAR0 of its resources, or null when it has none. */
  static fromResources(k: KernelApi, resources: DeviceResources): DmaTestDeviceRegisters | null {
    const bar0 = resources.memory.find((m) => m.bar === 0);
    return bar0 ? new DmaTestDeviceRegisters(k, bar0.Start) : null;
  }

  read(register: number): number {
    return this.k.READ_REGISTER_ULONG(this.base + register);
  }

  write(register: number, value: number): void {
    this.k.WRITE_REGISTER_ULONG(this.base + register, value);
  }

  get maxTransferLength(): number {
    return this.read(DmaRegister.MaxTransferLength);
  }

  get addressing64Bit(): boolean {
    return (this.read(DmaRegister.Capabilities) & DmaCapability.Addressing64Bit) !== 0;
  }

  /** Point the device at `count` descriptors at `ringLogical` and start it, with its completion interrupt. */
  startRing(ringLogical: number, count: number, options: RingTransferOptions): void {
    this.write(DmaRegister.RingBaseLow, ringLogical % TWO_32);
    this.write(DmaRegister.RingBaseHigh, Math.floor(ringLogical / TWO_32));
    this.write(DmaRegister.RingCount, count);
    if (options.streamOffset !== undefined) {
      this.write(DmaRegister.StreamOffsetLow, options.streamOffset % TWO_32);
      this.write(DmaRegister.StreamOffsetHigh, Math.floor(options.streamOffset / TWO_32));
    }
    this.write(DmaRegister.Control, DmaControl.InterruptEnable | DmaControl.ModeDescriptorRing | (options.toDevice ? DmaControl.DirectionHostToDevice : 0) | DmaControl.Start);
  }

  /**
   * The ISR's part: the interrupt sources that are pending, now acknowledged;
   * 0 when the interrupt is not the device's (or the device is gone).
   */
  acknowledgeInterrupt(): number {
    const pending = this.read(DmaRegister.InterruptStatus);
    if (pending === 0 || pending === ALL_ONES) return 0;
    this.write(DmaRegister.InterruptAck, pending);
    return pending;
  }

  result(): TransferResult {
    const status = this.read(DmaRegister.Status);
    if (status === ALL_ONES) return { busy: false, done: false, errorCode: DmaError.Removed, bytes: 0, removed: true };
    const state = status & DmaStatusBit.StateMask;
    return {
      busy: state === DmaState.Busy,
      done: state === DmaState.Done,
      errorCode: state === DmaState.Error ? (status >> DmaStatusBit.ErrorCodeShift) & 0xff : DmaError.None,
      bytes: this.read(DmaRegister.BytesTransferred),
      removed: false,
    };
  }

  /** How far the running (or last) transfer has got: bytes moved and descriptors done, as one number that grows. */
  progress(): number {
    return this.read(DmaRegister.BytesTransferred) + this.read(DmaRegister.RingProgress) * 2 ** 32;
  }

  /** Stop the running transfer; the device then reports an error and interrupts. */
  abort(): void {
    this.write(DmaRegister.Control, DmaControl.InterruptEnable | DmaControl.Abort);
  }
}

/** The adapter description for the device: scatter/gather bus master, 64-bit only when the device says so (SG-1, SG-6). */
export function adapterDescriptionFor(registers: DmaTestDeviceRegisters, maximumLength: number): DEVICE_DESCRIPTION {
  return {
    Version: DEVICE_DESCRIPTION_VERSION3,
    Master: true,
    ScatterGather: true,
    InterfaceType: 'PCIBus',
    MaximumLength: maximumLength,
    Dma32BitAddresses: true,
    Dma64BitAddresses: registers.addressing64Bit,
  };
}

// --- descriptors ----------------------------------------------------------------------

/** One descriptor of the device's ring: a device-visible address and a length. */
export interface DeviceDescriptor {
  readonly address: number;
  readonly length: number;
}

/**
 * The descriptors for a scatter/gather list, in transfer order: an element
 * longer than the device's maximum transfer is cut into several (DEV-2).
 */
export function descriptorsFor(elements: readonly SCATTER_GATHER_ELEMENT[], maxTransfer: number): DeviceDescriptor[] {
  if (!(maxTransfer > 0)) throw new RangeError(`descriptorsFor: the maximum transfer must be positive, got ${maxTransfer}`);
  const out: DeviceDescriptor[] = [];
  for (const element of elements) {
    for (let done = 0; done < element.Length; done += maxTransfer) {
      out.push({ address: element.Address + done, length: Math.min(maxTransfer, element.Length - done) });
    }
  }
  return out;
}

/** Descriptors encoded as the device reads them, the last one flagged LAST. */
export function encodeDescriptors(descriptors: readonly DeviceDescriptor[]): Uint8Array {
  const bytes = new Uint8Array(descriptors.length * DESCRIPTOR_SIZE);
  const view = new DataView(bytes.buffer);
  descriptors.forEach((d, i) => {
    const at = i * DESCRIPTOR_SIZE;
    view.setUint32(at, d.address % TWO_32, true);
    view.setUint32(at + 4, Math.floor(d.address / TWO_32), true);
    view.setUint32(at + 8, d.length, true);
    view.setUint32(at + 12, i === descriptors.length - 1 ? DescriptorFlag.Last : 0, true);
  });
  return bytes;
}

/** The device's descriptor ring, in a common buffer it can fetch from by DMA (CONT-1). */
export class DescriptorRing {
  private constructor(
    private readonly k: KernelApi,
    private readonly adapter: DMA_ADAPTER,
    readonly virtualAddress: number,
    /** The device-visible address of descriptor 0. */
    readonly logicalAddress: number,
    readonly capacity: number,
  ) {}

  /** A ring of `capacity` descriptors; null when the common buffer cannot be had. */
  static allocate(k: KernelApi, adapter: DMA_ADAPTER, capacity = MAX_RING_DESCRIPTORS): DescriptorRing | null {
    const logical = { QuadPart: 0 };
    const va = adapter.DmaOperations.AllocateCommonBuffer(adapter, capacity * DESCRIPTOR_SIZE, logical, false);
    return va === null ? null : new DescriptorRing(k, adapter, va, logical.QuadPart, capacity);
  }

  /** Write the descriptors at the start of the ring; returns how many were written. */
  write(descriptors: readonly DeviceDescriptor[]): number {
    if (descriptors.length === 0 || descriptors.length > this.capacity) {
      throw new RangeError(`DescriptorRing: ${descriptors.length} descriptor(s) do not fit a ring of ${this.capacity}`);
    }
    const bytes = encodeDescriptors(descriptors);
    this.k.RtlCopyMemory(this.virtualAddress, bytes, bytes.length);
    return descriptors.length;
  }

  free(): void {
    this.adapter.DmaOperations.FreeCommonBuffer(this.adapter, this.capacity * DESCRIPTOR_SIZE, { QuadPart: this.logicalAddress }, this.virtualAddress, false);
  }
}

// --- a timer for transfers that never end -------------------------------------------------

/**
 * A kernel timer that notices a transfer that never finishes: a hung or
 * removed device never interrupts, and the request must still complete.
 * Time alone is not proof: the CPU may have been busy elsewhere (paging, say)
 * while the device waited its turn, so given a way to read the device's
 * progress the watchdog calls `onExpiry` only after a whole period in which
 * the device moved nothing. Without one, it calls `onExpiry` at every
 * expiry and the driver judges for itself.
 */
export class TransferWatchdog {
  private readonly timer = new KTIMER();
  private readonly dpc = new KDPC();
  private milliseconds = 0;
  /** The device's progress when the timer was last set; -1 right after arm. */
  private lastProgress = -1;

  /** When the timer is due, in KeQueryInterruptTime units (100 ns). */
  private due = 0;

  constructor(private readonly k: KernelApi, onExpiry: () => void, progress: (() => number) | null = null) {
    k.KeInitializeTimer(this.timer);
    k.KeInitializeDpc(this.dpc, () => {
      if (!progress) return onExpiry();
      const now = progress();
      // It moved (or this is the first look), or the timer itself ran more than a period late because the CPU
      // was held up (and the device with it): give it another period. Only a device stuck for a whole period expires.
      const late = k.KeQueryInterruptTime() > this.due + this.milliseconds * 10_000;
      if (now !== this.lastProgress || late) {
        this.lastProgress = now;
        this.set();
        return;
      }
      onExpiry();
    }, null);
  }

  arm(milliseconds: number): void {
    this.milliseconds = milliseconds;
    this.lastProgress = -1;
    this.set();
  }

  cancel(): void {
    this.k.KeCancelTimer(this.timer);
    this.k.KeRemoveQueueDpc(this.dpc);
  }

  private set(): void {
    this.due = this.k.KeQueryInterruptTime() + this.milliseconds * 10_000;
    this.k.KeSetTimer(this.timer, -this.milliseconds * 10_000, this.dpc);
  }
}

// --- the driver skeleton ------------------------------------------------------------------

/** A dispatch routine of a reference device: one IRP of the major function (or IOCTL) it is declared for. */
export type DeviceDispatchRoutine = (irp: IRP) => NtStatus;

/** Dispatch routines by a number the IRP carries; an IRP whose number has none fails with STATUS_INVALID_DEVICE_REQUEST. */
type DispatchTable = Readonly<Partial<Record<number, DeviceDispatchRoutine>>>;

/** A device's dispatch routines by major function (IRP_MJ_*). */
export type MajorFunctionTable = DispatchTable;

/** A device's IOCTL routines by control code. */
export type IoControlTable = DispatchTable;

/**
 * The major functions DriverEntry registers for a reference driver. DriverEntry
 * runs before any device exists, so it registers one routine for each, and
 * that routine takes the device's own table entry (`majorFunctions`).
 */
const REFERENCE_MAJOR_FUNCTIONS = [IRP_MJ_CREATE, IRP_MJ_CLOSE, IRP_MJ_READ, IRP_MJ_WRITE, IRP_MJ_DEVICE_CONTROL, IRP_MJ_CLEANUP] as const;

/**
 * One started DMA test device of a reference driver. StartDevice gets the
 * adapter, the descriptor ring and bus mastering; the ISR acknowledges the
 * device and queues the DPC; RemoveDevice undoes StartDevice. A subclass
 * declares its dispatch routines in `majorFunctions` (a class field, so
 * `this.readWrite` there resolves on the instance, a faulty variant's
 * override included) and writes `transferInterrupt` (the DPC's work). Its
 * protected methods are the named steps a faulty variant may replace.
 */
export abstract class ReferenceDevice {
  registers: DmaTestDeviceRegisters | null = null;
  adapter: DMA_ADAPTER | null = null;
  ring: DescriptorRing | null = null;
  /** The device's MAX_TRANSFER_LENGTH. */
  maxTransfer = 0;
  /** Map registers IoGetDmaAdapter granted: the most pages one scatter/gather list may span. */
  mapRegisters = 0;

  constructor(readonly k: KernelApi, readonly fdo: DEVICE_OBJECT, readonly pdo: DEVICE_OBJECT) {}

  /** The longest transfer the driver will map, for the adapter description. */
  protected abstract readonly maximumTransferLength: number;

  /**
   * The device's dispatch routines by major function, e.g.
   * `{ [IRP_MJ_CREATE]: this.completeWithSuccess, [IRP_MJ_READ]: this.readWrite }`;
   * each is called with the device as `this`, so a method needs no binding.
   */
  protected readonly majorFunctions: MajorFunctionTable = {};

  /** An IRP of one of REFERENCE_MAJOR_FUNCTIONS: the routine `majorFunctions` declares for it. */
  dispatch(irp: IRP): NtStatus {
    return this.dispatchBy(this.majorFunctions, this.k.IoGetCurrentIrpStackLocation(irp).MajorFunction, irp);
  }

  /** The device's IOCTL routines by control code, for a device whose `majorFunctions` gives IRP_MJ_DEVICE_CONTROL to `dispatchIoControl`. */
  protected readonly ioControls: IoControlTable = {};

  /** IRP_MJ_DEVICE_CONTROL routed by IOCTL: the routine `ioControls` declares for the IRP's control code. */
  protected dispatchIoControl(irp: IRP): NtStatus {
    return this.dispatchBy(this.ioControls, this.k.IoGetCurrentIrpStackLocation(irp).Parameters.DeviceIoControl.IoControlCode, irp);
  }

  /** A dispatch routine that completes the IRP with success: IRP_MJ_CREATE and IRP_MJ_CLOSE of a device that keeps nothing per handle. */
  protected completeWithSuccess(irp: IRP): NtStatus {
    return completeRequest(this.k, irp, STATUS.SUCCESS);
  }

  private dispatchBy(routines: DispatchTable, key: number, irp: IRP): NtStatus {
    const routine = routines[key];
    return routine ? routine.call(this, irp) : completeRequest(this.k, irp, STATUS.INVALID_DEVICE_REQUEST);
  }

  /** The DPC's work after the ISR saw `pending` interrupt sources. */
  abstract transferInterrupt(pending: number): void;

  /** How the I/O manager hands buffers to the device: DO_DIRECT_IO, DO_BUFFERED_IO or 0 (neither). */
  ioFlags(): number {
    return 0;
  }

  /**
   * The longest piece of a buffer one scatter/gather list may map: an
   * unaligned piece spans one page more than its length, and a list may
   * span no more pages than the adapter has map registers (DEV-2).
   */
  get longestMappedTransfer(): number {
    return Math.min(this.maximumTransferLength, Math.max(1, this.mapRegisters - 1) * PAGE_SIZE);
  }

  /** StartDevice: registers, DMA adapter, descriptor ring, bus mastering. */
  start(resources: DeviceResources): NtStatus {
    const k = this.k;
    this.registers = DmaTestDeviceRegisters.fromResources(k, resources);
    if (!this.registers) return STATUS.DEVICE_NOT_CONNECTED;
    this.maxTransfer = this.registers.maxTransferLength;
    const granted = { value: 0 };
    this.adapter = k.IoGetDmaAdapter(this.pdo, this.adapterDescription(this.registers), granted);
    if (!this.adapter) return STATUS.INSUFFICIENT_RESOURCES;
    this.mapRegisters = granted.value;
    this.ring = DescriptorRing.allocate(k, this.adapter);
    if (!this.ring) {
      this.adapter.DmaOperations.PutDmaAdapter(this.adapter);
      this.adapter = null;
      return STATUS.INSUFFICIENT_RESOURCES;
    }
    this.enableBusMastering();
    return STATUS.SUCCESS;
  }

  /** RemoveDevice's part: undo StartDevice, in reverse order. */
  stop(): void {
    if (this.registers) setBusMastering(this.k, this.pdo, false);
    this.ring?.free();
    this.ring = null;
    if (this.adapter) this.adapter.DmaOperations.PutDmaAdapter(this.adapter);
    this.adapter = null;
  }

  /** The ISR: acknowledge the device and leave the rest to the DPC. */
  interruptService(): boolean {
    const pending = this.registers?.acknowledgeInterrupt() ?? 0;
    if (pending === 0) return false;
    this.k.IoRequestDpc(this.fdo, null, pending);
    return true;
  }

  protected adapterDescription(registers: DmaTestDeviceRegisters): DEVICE_DESCRIPTION {
    return adapterDescriptionFor(registers, this.maximumTransferLength);
  }

  protected enableBusMastering(): void {
    setBusMastering(this.k, this.pdo, true);
  }

  /** The descriptors the device is given for a list's elements (DEV-2). */
  protected descriptorsFor(elements: readonly SCATTER_GATHER_ELEMENT[]): DeviceDescriptor[] {
    return descriptorsFor(elements, this.maxTransfer);
  }
}

export type ReferenceDeviceFactory = (k: KernelApi, fdo: DEVICE_OBJECT, pdo: DEVICE_OBJECT) => ReferenceDevice;

export interface ReferenceDriverParts {
  readonly identity: DriverIdentity;
  readonly conformanceClasses: readonly ConformanceClass[];
  readonly createDevice: ReferenceDeviceFactory;
}

/**
 * A driver module from a ReferenceDevice class: the WDM entry points, each
 * handing over to the device object's extension.
 */
export function referenceDriver(parts: ReferenceDriverParts): DriverModule {
  const kernels = new WeakMap<DRIVER_OBJECT, KernelApi>();
  const deviceOf = (d: DEVICE_OBJECT): ReferenceDevice => d.DeviceExtension as ReferenceDevice;
  const driver: DriverModule = {
    name: parts.identity.name,
    conformanceClasses: parts.conformanceClasses,
    description: parts.identity.description,
    ...(parts.identity.breaksRule ? { breaksRule: parts.identity.breaksRule } : {}),

    DriverEntry(DriverObject: DRIVER_OBJECT, Kernel: KernelApi): NtStatus {
      kernels.set(DriverObject, Kernel);
      for (const major of REFERENCE_MAJOR_FUNCTIONS) DriverObject.MajorFunction[major] = (d, irp) => deviceOf(d).dispatch(irp);
      return STATUS.SUCCESS;
    },

    AddDevice(DriverObject: DRIVER_OBJECT, pdo: DEVICE_OBJECT): NtStatus {
      const k = kernels.get(DriverObject);
      if (!k) return STATUS.UNSUCCESSFUL;
      const { status, DeviceObject } = k.IoCreateDevice(DriverObject, 0, null, FILE_DEVICE_UNKNOWN, 0, false);
      if (!DeviceObject) return status;
      const device = parts.createDevice(k, DeviceObject, pdo);
      DeviceObject.DeviceExtension = device;
      DeviceObject.Flags |= device.ioFlags();
      k.IoAttachDeviceToDeviceStack(DeviceObject, pdo);
      DeviceObject.Flags &= ~DO_DEVICE_INITIALIZING;
      return STATUS.SUCCESS;
    },

    StartDevice(DeviceObject: DEVICE_OBJECT, Resources: DeviceResources): NtStatus {
      return deviceOf(DeviceObject).start(Resources);
    },

    InterruptService(_Interrupt, ServiceContext): boolean {
      return deviceOf(ServiceContext as DEVICE_OBJECT).interruptService();
    },

    DpcForIsr(_Dpc, DeviceObject, _Irp, Context): void {
      deviceOf(DeviceObject).transferInterrupt(Context as number);
    },

    RemoveDevice(DeviceObject: DEVICE_OBJECT): void {
      const device = deviceOf(DeviceObject);
      device.stop();
      device.k.IoDetachDevice(device.pdo);
      device.k.IoDeleteDevice(DeviceObject);
    },
  };
  return driver;
}
