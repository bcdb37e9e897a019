/**
 * The I/O manager: loads drivers and starts their devices, turns an
 * application's open/read/write/IOCTL/close into IRPs, hands the caller's
 * buffers to the driver the way the device asks (request-buffers.ts), and
 * finishes each request when the driver completes it.
 *
 * Requests follow the documented life cycle: the dispatch routine runs in the
 * requesting process's context at PASSIVE_LEVEL; it completes the IRP at once
 * or marks it pending and returns STATUS_PENDING; IoCompleteRequest unlocks
 * what the I/O manager locked (MDL-4) and the request finishes (buffers copied
 * back, the application's event set) in the caller's context. Closing the
 * last handle to a file object (handles are duplicated into other processes
 * with DuplicateHandle) sends IRP_MJ_CLEANUP in the closing process's context,
 * which must complete or cancel every request of the file object; what the
 * driver leaves pending the I/O manager cancels itself and records as a
 * finding. IRP_MJ_CLOSE follows when the last reference goes (the last
 * request of the file object finishes), in no process's context. Process
 * exit closes every handle, waits for the
 * process's requests, and then lets the kernel check for locked pages (0xCB /
 * 0x76, PAGE-5).
 *
 * Every wait for a driver is hang-guarded: a driver that never completes a
 * request is reported by name (DriverHang), never an endless loop.
 */
import { BugCheck } from '../../machine/bug-check';
import { SimulationStalled } from '../../machine/clock';
import { APC_LEVEL, DISPATCH_LEVEL, Irql, PASSIVE_LEVEL } from '../../machine/irql';
import { NT_SUCCESS, NtStatus, STATUS } from '../../machine/ntstatus';
import type { AttachedFunction } from '../../pci/bus';
import type { Kernel } from '../kernel';
import { KDPC, DpcQueue } from './dpc';
import { DEVICE_OBJECT, DO_BUFFERED_IO, DO_DEVICE_INITIALIZING, DO_DIRECT_IO } from './device-object';
import { DeviceResources, resourcesOf } from './device-resources';
import { DRIVER_OBJECT } from './driver-object';
import { DEFAULT_WATCHDOG_NS, DriverExecution } from './driver-execution';
import { DriverHang } from './driver-hang';
import { DriverStartFailed } from './driver-start-failed';
import { KEVENT, KeSetEvent, consumeSignal } from './event';
import { FILE_OBJECT } from './file-object';
import { InterruptConnections, KINTERRUPT } from './interrupt';
import { IoFinding, IoFindingKind } from './io-finding';
import { IoRequest, RequestOperation } from './io-request';
import { statusName } from '../../machine/ntstatus';
import { METHOD_BUFFERED, METHOD_FROM_CTL_CODE, METHOD_IN_DIRECT, METHOD_NEITHER, METHOD_OUT_DIRECT } from '../../contracts/ioctl';
import { IO_STACK_LOCATION, IRP, IoGetNextIrpStackLocation, IoMarkIrpPending, newStackLocation } from './irp';
import { DriverPlace, acquiredPlace } from '../../machine/driver-place';
import { IRP_MJ_CLEANUP, IRP_MJ_CLOSE, IRP_MJ_CREATE, IRP_MJ_DEVICE_CONTROL, IRP_MJ_READ, IRP_MJ_WRITE, majorFunctionName } from './major-function';
import type { Process } from './process';
import { BufferMethod, IO_MANAGER_CALL_SITE, RequestBufferManager, RequestBuffers } from './request-buffers';
import { KSPIN_LOCK, SpinLocks } from './spin-lock';
import { KTIMER, TimerQueue } from './timer';
import { WorkQueue } from './work-item';
import { detectionEnabled } from '../detections/detection-switch';

/** MULTIPLE_IRP_COMPLETE_REQUESTS: IoCompleteRequest on an IRP already completed. */
export const MULTIPLE_IRP_COMPLETE_REQUESTS = 0x44;
/** NO_MORE_IRP_STACK_LOCATIONS: IoCallDriver with no stack location left. */
export const NO_MORE_IRP_STACK_LOCATIONS = 0x35;
/** Assumption: a transfer already on the device finishes well within a second of simulated time. */
export const DEFAULT_CLEANUP_GRACE_NS = 1e9;
/** FILE_DEVICE_BUS_EXTENDER: the device type of the PCI bus's physical device objects. */
const FILE_DEVICE_BUS_EXTENDER = 0x2a;

/** The routines a driver provides, as the I/O manager calls them (the contract in src/personalities/wdm adds the rest). */
export interface DriverEntryPoints {
  readonly name: string;
  DriverEntry(DriverObject: DRIVER_OBJECT, KernelApi: unknown): NtStatus;
  AddDevice?(DriverObject: DRIVER_OBJECT, PhysicalDeviceObject: DEVICE_OBJECT): NtStatus;
  StartDevice?(DeviceObject: DEVICE_OBJECT, Resources: DeviceResources): NtStatus;
  RemoveDevice?(DeviceObject: DEVICE_OBJECT): void;
  InterruptService?(Interrupt: KINTERRUPT, ServiceContext: unknown): boolean;
  DpcForIsr?(Dpc: KDPC, DeviceObject: DEVICE_OBJECT, Irp: IRP | null, Context: unknown): void;
  DriverUnload?(DriverObject: DRIVER_OBJECT): void;
}

export type IO_DPC_ROUTINE = (Dpc: KDPC, DeviceObject: DEVICE_OBJECT, Irp: IRP | null, Context: unknown) => void;

export interface IoManagerOptions {
  /** The HAL, told when a driver unloads so it can report DMA resources left behind (VER-LEAK-AT-UNLOAD). */
  readonly hal?: { checkDriverUnload(driver: string): boolean } | null;
  /** Simulated time one call into a driver may take (polling, stalling, waiting) before it counts as hung. */
  readonly watchdogNs?: number;
  /**
   * After cleanup returns, how long requests already in progress on the device
   * may take to finish before the ones still pending count as left behind.
   */
  readonly cleanupGraceNs?: number;
  /** How long the I/O manager waits for a driver to complete a request before reporting it hung. */
  readonly waitBudget?: { readonly maxEvents: number; readonly maxSimNs: number };
}

export interface ReadWriteOptions {
  /** Return at once with the request pending (an OVERLAPPED request) instead of waiting for it. */
  readonly overlapped?: boolean;
  /** The device offset (IO_STACK_LOCATION.Parameters.Read.ByteOffset). */
  readonly byteOffset?: number;
}

/** The machine stopped with a bug check: nothing more runs on it. */
export class MachineStopped extends Error {
  constructor(readonly bugCheck: BugCheck) {
    super(`the machine has stopped: ${bugCheck.message}`);
    this.name = 'MachineStopped';
  }
}

interface LoadedDriver {
  readonly object: DRIVER_OBJECT;
  readonly entry: DriverEntryPoints;
  /** Interrupts the I/O manager connected for the driver's declared InterruptService, by device. */
  readonly declaredInterrupts: Map<DEVICE_OBJECT, KINTERRUPT>;
  started: DEVICE_OBJECT[];
}

export class IoManager {
  readonly findings: IoFinding[] = [];
  readonly execution: DriverExecution;
  readonly dpcs: DpcQueue;
  readonly timers: TimerQueue;
  readonly spinLocks: SpinLocks;
  readonly interrupts: InterruptConnections;
  readonly workItems: WorkQueue;
  readonly buffers: RequestBufferManager;
  /** The global cancel spin lock (IoAcquireCancelSpinLock). */
  readonly cancelSpinLock = new KSPIN_LOCK('the cancel spin lock');

  private readonly drivers = new Map<string, LoadedDriver>();
  /** Named device objects and the names applications open them by. */
  private readonly deviceNames = new Map<string, DEVICE_OBJECT>();
  private readonly symbolicLinks = new Map<string, string>();
  /** "<driver>#<n>": the name of each started device, like a device interface. */
  private readonly interfaceNames = new Map<string, DEVICE_OBJECT>();
  private readonly physicalDevices = new Map<AttachedFunction, DEVICE_OBJECT>();
  private readonly busDriver = new DRIVER_OBJECT('pci');
  /** Requests of applications that have not finished. */
  private readonly outstanding = new Set<IRP>();
  /** IRPs drivers allocated with IoAllocateIrp and have not freed. */
  private readonly driverIrps = new Set<IRP>();
  private readonly openFiles = new Set<FILE_OBJECT>();
  /** Object numbers count per machine, so a run does not depend on what ran before it in the same process. */
  private readonly lastIds = { device: 0, irp: 0, file: 0, request: 0 };
  private readonly waitBudget: { readonly maxEvents: number; readonly maxSimNs: number };
  private readonly hal: { checkDriverUnload(driver: string): boolean } | null;
  private readonly cleanupGraceNs: number;

  constructor(readonly kernel: Kernel, options: IoManagerOptions = {}) {
    const crash = (bc: BugCheck) => kernel.crash(bc);
    this.execution = new DriverExecution(kernel.cpu, kernel.clock, crash, options.watchdogNs ?? DEFAULT_WATCHDOG_NS, (driver, stack) => kernel.placeInDriver(stack, driver));
    this.dpcs = new DpcQueue(kernel.clock, kernel.cpu, this.execution);
    this.timers = new TimerQueue(kernel.clock, this.dpcs);
    this.spinLocks = new SpinLocks(kernel.cpu);
    this.interrupts = new InterruptConnections(kernel.cpu, this.execution);
    this.workItems = new WorkQueue(kernel.clock, kernel.cpu, kernel.faults, this.execution, crash);
    this.buffers = new RequestBufferManager(kernel);
    this.waitBudget = options.waitBudget ?? { maxEvents: 5_000_000, maxSimNs: 3_600e9 };
    this.hal = options.hal ?? null;
    this.cleanupGraceNs = options.cleanupGraceNs ?? DEFAULT_CLEANUP_GRACE_NS;
  }

  private get clock() {
    return this.kernel.clock;
  }

  private get cpu() {
    return this.kernel.cpu;
  }

  // --- drivers and devices ---------------------------------------------------

  /**
   * Load a driver: create its DRIVER_OBJECT and call DriverEntry at
   * PASSIVE_LEVEL in a system thread. A failure status is a DriverStartFailed;
   * an exception the driver does not handle stops the machine (0x1E); a
   * DriverEntry that waits forever is a DriverHang.
   */
  loadDriver(driver: DriverEntryPoints, kernelApi: unknown): DRIVER_OBJECT {
    this.assertRunning();
    if (this.drivers.has(driver.name)) throw new Error(`a driver named ${driver.name} is already loaded`);
    const object = new DRIVER_OBJECT(driver.name);
    if (driver.DriverUnload) object.DriverUnload = (d) => driver.DriverUnload!(d);
    if (driver.AddDevice) object.DriverExtension.AddDevice = (d, pdo) => driver.AddDevice!(d, pdo);
    this.drivers.set(driver.name, { object, entry: driver, declaredInterrupts: new Map(), started: [] });
    const status = this.execution.run(driver.name, 'DriverEntry', { irql: PASSIVE_LEVEL, process: null }, () => driver.DriverEntry(object, kernelApi));
    if (!NT_SUCCESS(status)) {
      this.drivers.delete(driver.name);
      throw new DriverStartFailed(driver.name, 'DriverEntry', status);
    }
    return object;
  }

  driverObject(name: string): DRIVER_OBJECT | undefined {
    return this.drivers.get(name)?.object;
  }

  /** The physical device object the PCI bus driver has for a function. */
  physicalDeviceFor(fn: AttachedFunction): DEVICE_OBJECT {
    let pdo = this.physicalDevices.get(fn);
    if (!pdo) {
      pdo = new DEVICE_OBJECT(this.nextId('device'), this.busDriver, null, FILE_DEVICE_BUS_EXTENDER, 0, false);
      pdo.Flags &= ~DO_DEVICE_INITIALIZING;
      pdo.pci = fn;
      pdo.resources = resourcesOf(fn);
      pdo.started = true;
      this.physicalDevices.set(fn, pdo);
    }
    return pdo;
  }

  /**
   * Plug-and-play start of one device: AddDevice with the function's physical
   * device object, then StartDevice with its resources. The driver's declared
   * InterruptService is connected (and DpcForIsr made its DPC) before
   * StartDevice runs, as a WDM driver connects its interrupt before enabling it.
   */
  addDevice(driverObject: DRIVER_OBJECT, fn: AttachedFunction): DEVICE_OBJECT {
    this.assertRunning();
    const loaded = this.loaded(driverObject);
    const name = driverObject.DriverName;
    const pdo = this.physicalDeviceFor(fn);
    if (pdo.AttachedDevice) throw new Error(`PCI function ${fn.function.name} is already driven by ${pdo.AttachedDevice.driverName}`);
    const addDevice = driverObject.DriverExtension.AddDevice;
    if (!addDevice) throw new DriverStartFailed(name, 'AddDevice', null, 'is missing: the driver has no AddDevice routine');
    const before = new Set(driverObject.devices());
    const status = this.execution.run(name, 'AddDevice', { irql: PASSIVE_LEVEL, process: null }, () => addDevice(driverObject, pdo));
    if (!NT_SUCCESS(status)) throw new DriverStartFailed(name, 'AddDevice', status);
    const attached = pdo.AttachedDevice as DEVICE_OBJECT | null; // AddDevice may have attached one
    const fdo = attached?.DriverObject === driverObject ? attached : driverObject.devices().find((d) => !before.has(d));
    if (!fdo) throw new DriverStartFailed(name, 'AddDevice', status, 'returned success but created no device object (IoCreateDevice)');
    if (fdo.Flags & DO_DEVICE_INITIALIZING) {
      this.record('device-initializing-not-cleared', name, `AddDevice left DO_DEVICE_INITIALIZING set on ${fdo.displayName}`, []);
      fdo.Flags &= ~DO_DEVICE_INITIALIZING;
    }
    fdo.pci = fn;
    this.startDevice(loaded, fdo, fn);
    return fdo;
  }

  private startDevice(loaded: LoadedDriver, fdo: DEVICE_OBJECT, fn: AttachedFunction): void {
    const name = loaded.object.DriverName;
    const resources = resourcesOf(fn);
    this.interrupts.register(fn.interrupt);
    const { entry } = loaded;
    if (entry.InterruptService && resources.interrupt) {
      const { Vector, Level } = resources.interrupt;
      const connected = this.execution.run(name, 'IoConnectInterrupt', {}, () =>
        this.interrupts.IoConnectInterrupt((i, context) => entry.InterruptService!(i, context), fdo, null, Vector, Level, Level));
      if (!connected.InterruptObject) throw new DriverStartFailed(name, 'IoConnectInterrupt', connected.status);
      loaded.declaredInterrupts.set(fdo, connected.InterruptObject);
    }
    if (entry.DpcForIsr) this.execution.run(name, 'IoInitializeDpcRequest', {}, () => this.IoInitializeDpcRequest(fdo, (d, dev, irp, ctx) => entry.DpcForIsr!(d, dev, irp, ctx)));
    const status = entry.StartDevice
      ? this.execution.run(name, 'StartDevice', { irql: PASSIVE_LEVEL, process: null }, () => entry.StartDevice!(fdo, resources))
      : STATUS.SUCCESS;
    if (!NT_SUCCESS(status)) throw new DriverStartFailed(name, 'StartDevice', status);
    fdo.resources = resources;
    fdo.started = true;
    this.interfaceNames.set(`${name}#${loaded.started.length}`, fdo);
    loaded.started.push(fdo);
  }

  /**
   * Stop and remove a started device: the driver's RemoveDevice releases what
   * StartDevice took and deletes the device. What it leaves is recorded.
   */
  removeDevice(fdo: DEVICE_OBJECT): void {
    this.assertRunning();
    const loaded = this.loaded(fdo.DriverObject);
    const name = fdo.driverName;
    const open = [...this.openFiles].filter((f) => f.DeviceObject === fdo).length;
    if (open > 0) throw new Error(`cannot remove ${fdo.displayName}: ${open} handle(s) to it are still open`);
    if (loaded.entry.RemoveDevice) this.execution.run(name, 'RemoveDevice', { irql: PASSIVE_LEVEL, process: null }, () => loaded.entry.RemoveDevice!(fdo));
    const declared = loaded.declaredInterrupts.get(fdo);
    if (declared?.connected) this.interrupts.IoDisconnectInterrupt(declared);
    loaded.declaredInterrupts.delete(fdo);
    if (!fdo.deleted) {
      this.record('device-not-deleted', name, `${fdo.displayName} still exists after RemoveDevice (IoDeleteDevice was not called)`, [], acquiredPlace(fdo.createdAt).place);
      this.IoDeleteDevice(fdo);
    }
    for (const [n, d] of this.interfaceNames) if (d === fdo) this.interfaceNames.delete(n);
    loaded.started = loaded.started.filter((d) => d !== fdo);
    fdo.started = false;
  }

  /** Remove every device of the driver, then call its DriverUnload. */
  unloadDriver(driverObject: DRIVER_OBJECT): void {
    this.assertRunning();
    const loaded = this.loaded(driverObject);
    const name = driverObject.DriverName;
    for (const fdo of [...loaded.started]) this.removeDevice(fdo);
    for (const left of this.interrupts.connected(name)) {
      this.record('interrupt-still-connected', name, `interrupt vector ${left.Vector} is still connected after the driver removed its devices`, [], acquiredPlace(left.connectedAt).place);
      this.interrupts.IoDisconnectInterrupt(left);
    }
    const unload = driverObject.DriverUnload;
    if (unload) this.execution.run(name, 'DriverUnload', { irql: PASSIVE_LEVEL, process: null }, () => unload(driverObject));
    driverObject.unloaded = true;
    this.drivers.delete(name);
    this.hal?.checkDriverUnload(name);
  }

  private loaded(driverObject: DRIVER_OBJECT): LoadedDriver {
    const loaded = this.drivers.get(driverObject.DriverName);
    if (!loaded || loaded.object !== driverObject) throw new Error(`driver ${driverObject.DriverName} is not loaded`);
    return loaded;
  }

  // --- device objects and names (driver-facing) ------------------------------

  IoCreateDevice(DriverObject: DRIVER_OBJECT, _DeviceExtensionSize: number, DeviceName: string | null, DeviceType: number, DeviceCharacteristics: number, Exclusive: boolean): { status: NtStatus; DeviceObject: DEVICE_OBJECT | null } {
    if (DeviceName !== null && (this.deviceNames.has(DeviceName) || this.symbolicLinks.has(DeviceName))) {
      return { status: STATUS.OBJECT_NAME_COLLISION, DeviceObject: null };
    }
    const device = new DEVICE_OBJECT(this.nextId('device'), DriverObject, DeviceName, DeviceType, DeviceCharacteristics, Exclusive);
    device.createdAt = this.cpu.acquisition('IoCreateDevice');
    device.NextDevice = DriverObject.DeviceObject;
    DriverObject.DeviceObject = device;
    if (DeviceName !== null) this.deviceNames.set(DeviceName, device);
    return { status: STATUS.SUCCESS, DeviceObject: device };
  }

  IoDeleteDevice(DeviceObject: DEVICE_OBJECT): void {
    if (DeviceObject.deleted) this.kernel.crash(new BugCheck(0xc2, 0x07, 0, DeviceObject.id, 0, `IoDeleteDevice of ${DeviceObject.displayName}, which was already deleted`));
    const driver = DeviceObject.DriverObject;
    if (driver.DeviceObject === DeviceObject) {
      driver.DeviceObject = DeviceObject.NextDevice;
    } else {
      for (let d = driver.DeviceObject; d; d = d.NextDevice) {
        if (d.NextDevice === DeviceObject) {
          d.NextDevice = DeviceObject.NextDevice;
          break;
        }
      }
    }
    if (DeviceObject.lowerDevice) this.IoDetachDevice(DeviceObject.lowerDevice);
    if (DeviceObject.DeviceName !== null) this.deviceNames.delete(DeviceObject.DeviceName);
    for (const [link, target] of this.symbolicLinks) if (target === DeviceObject.DeviceName) this.symbolicLinks.delete(link);
    DeviceObject.deleted = true;
  }

  IoCreateSymbolicLink(SymbolicLinkName: string, DeviceName: string): NtStatus {
    if (this.symbolicLinks.has(SymbolicLinkName) || this.deviceNames.has(SymbolicLinkName)) return STATUS.OBJECT_NAME_COLLISION;
    if (!this.deviceNames.has(DeviceName)) return STATUS.OBJECT_NAME_NOT_FOUND;
    this.symbolicLinks.set(SymbolicLinkName, DeviceName);
    return STATUS.SUCCESS;
  }

  IoDeleteSymbolicLink(SymbolicLinkName: string): NtStatus {
    return this.symbolicLinks.delete(SymbolicLinkName) ? STATUS.SUCCESS : STATUS.OBJECT_NAME_NOT_FOUND;
  }

  /** Attach on top of the target's stack; returns the device attached to (null if the target is gone). */
  IoAttachDeviceToDeviceStack(SourceDevice: DEVICE_OBJECT, TargetDevice: DEVICE_OBJECT): DEVICE_OBJECT | null {
    if (TargetDevice.deleted) return null;
    let top = TargetDevice;
    while (top.AttachedDevice) top = top.AttachedDevice;
    top.AttachedDevice = SourceDevice;
    SourceDevice.lowerDevice = top;
    SourceDevice.StackSize = top.StackSize + 1;
    return top;
  }

  IoDetachDevice(TargetDevice: DEVICE_OBJECT): void {
    const above = TargetDevice.AttachedDevice;
    if (above) above.lowerDevice = null;
    TargetDevice.AttachedDevice = null;
  }

  /** Resolve a name the way CreateFile does: device names, symbolic links, "\\.\" names, and "<driver>#<n>". */
  lookupDevice(name: string): DEVICE_OBJECT | undefined {
    const candidates = [name];
    if (name.startsWith('\\\\.\\')) candidates.push(`\\DosDevices\\${name.slice(4)}`, `\\??\\${name.slice(4)}`);
    candidates.push(`\\DosDevices\\${name}`, `\\??\\${name}`, `\\Device\\${name}`);
    for (const c of candidates) {
      const device = this.deviceNames.get(c) ?? this.deviceNames.get(this.symbolicLinks.get(c) ?? '') ?? this.interfaceNames.get(c);
      if (device) return device;
    }
    // A driver's name alone opens its first started device.
    return this.drivers.get(name)?.started[0];
  }

  // --- IRPs (driver-facing) --------------------------------------------------

  /** IoAllocateIrp: NULL under low-resource simulation. */
  IoAllocateIrp(StackSize: number, _ChargeQuota = false): IRP | null {
    if (!(Number.isInteger(StackSize) && StackSize >= 1 && StackSize <= 127)) throw new RangeError(`IoAllocateIrp: StackSize must be a whole number from 1 to 127, got ${StackSize}`);
    const driver = this.cpu.currentDriver;
    if (this.kernel.faults.shouldFail('IoAllocateIrp', driver ?? '')) return null;
    const irp = new IRP(this.nextId('irp'), StackSize, null, null);
    irp.allocatedBy = driver;
    irp.allocatedAt = this.cpu.acquisition('IoAllocateIrp');
    irp.issuedAtNs = this.clock.now;
    this.driverIrps.add(irp);
    return irp;
  }

  /** IoMarkIrpPending, noting where the driver took the request on (IoCsqInsertIrp notes its own call). */
  IoMarkIrpPending(Irp: IRP): void {
    IoMarkIrpPending(Irp);
    this.notePending(Irp, 'IoMarkIrpPending');
  }

  notePending(Irp: IRP, routine: string): void {
    Irp.pendingAt = this.cpu.acquisition(routine);
  }

  IoFreeIrp(Irp: IRP): void {
    if (Irp.request) this.kernel.crash(new BugCheck(0xc2, 0x07, 0, Irp.id, 0, `IoFreeIrp of IRP #${Irp.id}, which the I/O manager owns (an application's request)`));
    if (Irp.freed || !this.driverIrps.has(Irp)) this.kernel.crash(new BugCheck(0xc2, 0x07, 0, Irp.id, 0, `IoFreeIrp of IRP #${Irp.id}, which was already freed`));
    Irp.freed = true;
    this.driverIrps.delete(Irp);
  }

  /** IoReuseIrp: make a completed driver-allocated IRP ready to send again. */
  IoReuseIrp(Irp: IRP, Iostatus: NtStatus): void {
    Irp.completed = false;
    Irp.finished = false;
    Irp.dispatchReturned = false;
    Irp.Cancel = false;
    Irp.CancelRoutine = null;
    Irp.PendingReturned = false;
    Irp.MdlAddress = null;
    Irp.AssociatedIrp.SystemBuffer = null;
    Irp.UserBuffer = null;
    Irp.IoStatus.Status = Iostatus;
    Irp.IoStatus.Information = 0;
    Irp.CurrentLocation = Irp.StackCount;
    for (let i = 0; i < Irp.StackCount; i++) Irp.stack[i] = newStackLocation();
  }

  /** IoCallDriver: pass the IRP to the driver of DeviceObject (its next stack location becomes current). */
  IoCallDriver(DeviceObject: DEVICE_OBJECT, Irp: IRP): NtStatus {
    return this.callDriver(DeviceObject, Irp, {});
  }

  private callDriver(DeviceObject: DEVICE_OBJECT, Irp: IRP, context: { irql?: Irql; process?: Process | null }): NtStatus {
    Irp.CurrentLocation--;
    if (Irp.CurrentLocation < 0) {
      this.kernel.crash(new BugCheck(NO_MORE_IRP_STACK_LOCATIONS, Irp.id, 0, 0, 0, `IoCallDriver to ${DeviceObject.displayName} with IRP #${Irp.id}, which has no stack location left`));
    }
    const location = Irp.stack[Irp.CurrentLocation]!;
    location.DeviceObject = DeviceObject;
    const dispatch = DeviceObject.DriverObject.MajorFunction[location.MajorFunction] ?? null;
    const routine = `${majorFunctionName(location.MajorFunction)} dispatch`;
    return this.execution.run(DeviceObject.driverName, routine, context, () => (dispatch ? dispatch(DeviceObject, Irp) : this.invalidDeviceRequest(Irp)));
  }

  /** What a major function with no dispatch routine gets, as IopInvalidDeviceRequest does. */
  private invalidDeviceRequest(Irp: IRP): NtStatus {
    Irp.IoStatus.Status = STATUS.INVALID_DEVICE_REQUEST;
    Irp.IoStatus.Information = 0;
    this.IoCompleteRequest(Irp, 0);
    return STATUS.INVALID_DEVICE_REQUEST;
  }

  /**
   * IoCompleteRequest: the driver is done with the IRP. Completing twice stops
   * the machine (0x44). Completion routines of the drivers above run; then,
   * for an application's request, the pages the I/O manager locked are
   * unlocked now (MDL-4) and the request finishes in the caller's context.
   */
  IoCompleteRequest(Irp: IRP, _PriorityBoost = 0): void {
    const driver = this.cpu.currentDriver ?? this.ownerOf(Irp);
    if ((Irp.completed && detectionEnabled('COMPLETE-TWICE-BEFORE-FINISH')) || Irp.finished) {
      this.kernel.crash(new BugCheck(MULTIPLE_IRP_COMPLETE_REQUESTS, Irp.id, 0, 0, 0, `IRP #${Irp.id} was completed twice (IoCompleteRequest by ${driver} on an IRP already completed)`));
    }
    if (Irp.CancelRoutine) {
      this.record('completed-with-cancel-routine', driver, `IRP #${Irp.id} was completed with its cancel routine still set (clear it with IoSetCancelRoutine(Irp, NULL) first)`, [Irp.id]);
      Irp.CancelRoutine = null;
    }
    if (Irp.IoStatus.Status === STATUS.PENDING) {
      this.record('completed-with-status-pending', driver, `IRP #${Irp.id} was completed with IoStatus.Status = STATUS_PENDING`, [Irp.id]);
    }
    Irp.completed = true;
    if (!this.runCompletionRoutines(Irp)) return;
    if (Irp.request) {
      this.buffers.unlockAtCompletion(Irp.buffers!);
      if (Irp.dispatchReturned) this.clock.schedule(0, `I/O completion of IRP #${Irp.id}`, () => this.finish(Irp));
    } else {
      Irp.finished = true;
    }
  }

  /** Returns false when a completion routine took the IRP back (STATUS_MORE_PROCESSING_REQUIRED). */
  private runCompletionRoutines(Irp: IRP): boolean {
    const status = Irp.IoStatus.Status;
    for (let i = Math.max(Irp.CurrentLocation, 0); i < Irp.StackCount; i++) {
      const location = Irp.stack[i]!;
      Irp.CurrentLocation = i + 1;
      const routine = location.CompletionRoutine;
      if (!routine) continue;
      const wanted = Irp.Cancel ? location.Control & 0x20 : NT_SUCCESS(status) ? location.Control & 0x40 : location.Control & 0x80;
      if (!wanted) continue;
      const upper = Irp.stack[i + 1]?.DeviceObject ?? null;
      const owner = upper?.driverName ?? Irp.allocatedBy ?? 'kernel';
      const result = this.execution.run(owner, 'completion routine', {}, () => routine(upper, Irp, location.Context));
      if (result === STATUS.MORE_PROCESSING_REQUIRED) {
        Irp.completed = false;
        return false;
      }
    }
    return true;
  }

  /** Acquire the cancel spin lock; returns the IRQL to give back to IoReleaseCancelSpinLock. */
  IoAcquireCancelSpinLock(): Irql {
    return this.spinLocks.KeAcquireSpinLock(this.cancelSpinLock);
  }

  IoReleaseCancelSpinLock(Irql: Irql): void {
    this.spinLocks.KeReleaseSpinLock(this.cancelSpinLock, Irql);
  }

  /**
   * IoCancelIrp: set Irp.Cancel and, if the IRP has a cancel routine, call it
   * with the cancel spin lock held (the routine must release it). Returns
   * whether a cancel routine was called.
   */
  IoCancelIrp(Irp: IRP): boolean {
    if (Irp.completed || Irp.finished) return false;
    const routine = Irp.CancelRoutine;
    if (routine || detectionEnabled('CANCEL-MARKS-IRP')) Irp.Cancel = true;
    Irp.CancelRoutine = null;
    if (!routine) return false;
    const device = Irp.stack[Irp.CurrentLocation]?.DeviceObject ?? null;
    const driver = device?.driverName ?? this.ownerOf(Irp);
    const entryIrql = this.cpu.irql;
    Irp.CancelIrql = this.IoAcquireCancelSpinLock();
    try {
      this.execution.run(driver, 'cancel routine', {}, () => routine(device!, Irp));
    } finally {
      if (this.cancelSpinLock.held) {
        this.record('cancel-spin-lock-not-released', driver, `the cancel routine for IRP #${Irp.id} returned without IoReleaseCancelSpinLock`, [Irp.id]);
        this.cancelSpinLock.held = false;
        this.cancelSpinLock.holder = null;
      }
      if (this.cpu.irql > entryIrql) this.cpu.KeLowerIrql(entryIrql);
    }
    return true;
  }

  // --- DPCs, timers, waits (driver-facing) -----------------------------------

  /** IoInitializeDpcRequest: give the device the DPC its ISR queues with IoRequestDpc. */
  IoInitializeDpcRequest(DeviceObject: DEVICE_OBJECT, DpcRoutine: IO_DPC_ROUTINE): void {
    const dpc = new KDPC();
    this.dpcs.KeInitializeDpc(dpc, (d, _context, irp, context) => DpcRoutine(d, DeviceObject, irp as IRP | null, context), DeviceObject);
    dpc.owner = DeviceObject.driverName;
    DeviceObject.Dpc = dpc;
  }

  /** IoRequestDpc: from the ISR, queue the device's DPC with the IRP and a context. */
  IoRequestDpc(DeviceObject: DEVICE_OBJECT, Irp: IRP | null, Context: unknown): void {
    if (!DeviceObject.Dpc) throw new TypeError(`IoRequestDpc: IoInitializeDpcRequest was never called for ${DeviceObject.displayName}`);
    this.dpcs.KeInsertQueueDpc(DeviceObject.Dpc, Irp, Context);
  }

  /**
   * KeWaitForSingleObject on an event or timer: runs the simulated clock until
   * the object is signalled, or until the timeout (100-ns units, negative =
   * relative to now, positive = absolute time since boot, as timers' due
   * times; 0 = just test; null = forever). Waiting with a non-zero timeout
   * at DISPATCH_LEVEL or above stops the machine. Waiting forever for
   * something that never happens is a DriverHang.
   */
  KeWaitForSingleObject(Object: KEVENT | KTIMER, _WaitReason = 'Executive', _WaitMode = 'KernelMode', _Alertable = false, Timeout: number | null = null): NtStatus {
    if (Object.signaled) {
      if (Object instanceof KEVENT) consumeSignal(Object);
      return STATUS.SUCCESS;
    }
    if (Timeout === 0) return STATUS.TIMEOUT;
    if (this.cpu.irql >= DISPATCH_LEVEL) {
      this.kernel.crash(new BugCheck(0x0a, 0, this.cpu.irql, 0, 0, `KeWaitForSingleObject with a non-zero timeout at IRQL ${this.cpu.irql} by ${this.cpu.currentDriver ?? 'kernel code'}`));
    }
    let timedOut = false;
    const waitNs = Timeout === null ? null : Timeout < 0 ? -Timeout * 100 : Math.max(0, Timeout * 100 - this.clock.now);
    const timer = waitNs === null ? null : this.clock.schedule(waitNs, 'wait timeout', () => (timedOut = true));
    const who = this.execution.current?.driver ?? this.cpu.currentDriver ?? 'kernel';
    this.runGuarded(() => Object.signaled || timedOut, who, `waiting in KeWaitForSingleObject for ${Object instanceof KEVENT ? Object.name : 'a timer'} that is never signalled`);
    if (timer !== null) this.clock.cancel(timer);
    if (!Object.signaled) return STATUS.TIMEOUT;
    if (Object instanceof KEVENT) consumeSignal(Object);
    return STATUS.SUCCESS;
  }

  /** KeStallExecutionProcessor: busy-wait; the machine's other events (device progress, interrupts) go on meanwhile. */
  KeStallExecutionProcessor(MicroSeconds: number): void {
    if (!(Number.isFinite(MicroSeconds) && MicroSeconds >= 0)) throw new RangeError(`KeStallExecutionProcessor: ${MicroSeconds} is not a number of microseconds`);
    this.execution.checkWatchdog();
    this.clock.advance(MicroSeconds * 1000);
    this.execution.checkWatchdog();
  }

  // --- applications' requests ------------------------------------------------

  /** CreateFile: open a device by name; sends IRP_MJ_CREATE. */
  createFile(process: Process, name: string): { status: NtStatus; handle: number | null } {
    this.assertRunning();
    if (process.exiting || process.exited) return { status: STATUS.PROCESS_IS_TERMINATING, handle: null };
    const device = this.lookupDevice(name);
    if (!device || device.deleted) return { status: STATUS.OBJECT_NAME_NOT_FOUND, handle: null };
    if (device.pci && !device.started) return { status: STATUS.DEVICE_NOT_CONNECTED, handle: null };
    if (device.Exclusive && [...this.openFiles].some((f) => f.DeviceObject === device)) return { status: STATUS.ACCESS_DENIED, handle: null };
    const fileObject = new FILE_OBJECT(this.nextId('file'), device, process);
    const request = this.issue(process, fileObject, 'create', IRP_MJ_CREATE, 0, false, 'none', () => STATUS.SUCCESS);
    if (!request.succeeded) return { status: request.status, handle: null };
    this.openFiles.add(fileObject);
    fileObject.handleCount = 1;
    return { status: request.status, handle: process.insertHandle(fileObject) };
  }

  /** ReadFile: the device writes into the caller's buffer. */
  read(process: Process, handle: number, buffer: number, length: number, options: ReadWriteOptions = {}): IoRequest {
    return this.readWrite(process, handle, buffer, length, options, false);
  }

  /** WriteFile: the device reads from the caller's buffer. */
  write(process: Process, handle: number, buffer: number, length: number, options: ReadWriteOptions = {}): IoRequest {
    return this.readWrite(process, handle, buffer, length, options, true);
  }

  private readWrite(process: Process, handle: number, va: number, length: number, options: ReadWriteOptions, write: boolean): IoRequest {
    this.assertRunning();
    const operation: RequestOperation = write ? 'write' : 'read';
    const opened = this.fileFor(process, handle);
    if (typeof opened === 'number') return this.failed(process, operation, length, null, opened);
    if (!(Number.isSafeInteger(length) && length >= 0)) return this.failed(process, operation, 0, opened.DeviceObject.driverName, STATUS.INVALID_PARAMETER);
    const flags = opened.DeviceObject.Flags;
    const method: BufferMethod = flags & DO_DIRECT_IO ? 'direct' : flags & DO_BUFFERED_IO ? 'buffered' : 'neither';
    return this.issue(process, opened, operation, write ? IRP_MJ_WRITE : IRP_MJ_READ, length, options.overlapped ?? false, method, (irp, location, buffers) => {
      location.Parameters.Read.Length = length;
      location.Parameters.Read.ByteOffset = options.byteOffset ?? 0;
      irp.UserBuffer = va;
      const probed = this.buffers.probeUserRange(va, length);
      if (!NT_SUCCESS(probed)) return probed;
      switch (method) {
        case 'direct':
          return this.buffers.lockUserBuffer(irp, buffers, va, length, write ? 'IoReadAccess' : 'IoWriteAccess');
        case 'buffered': {
          const status = this.buffers.bufferInput(process, buffers, length, write ? va : null, write ? length : 0);
          if (!write) {
            buffers.copyOutTo = va;
            buffers.copyOutLength = length;
          }
          irp.AssociatedIrp.SystemBuffer = buffers.systemBuffer;
          return status;
        }
        default:
          return STATUS.SUCCESS;
      }
    });
  }

  /** DeviceIoControl: buffers handed over per the code's transfer method. */
  deviceIoControl(process: Process, handle: number, ioControlCode: number, inputBuffer: number | null, inputLength: number, outputBuffer: number | null, outputLength: number, options: { overlapped?: boolean } = {}): IoRequest {
    this.assertRunning();
    const opened = this.fileFor(process, handle);
    if (typeof opened === 'number') return this.failed(process, 'device-control', outputLength, null, opened);
    const driver = opened.DeviceObject.driverName;
    const bad = (n: number) => !(Number.isSafeInteger(n) && n >= 0);
    if (bad(inputLength) || bad(outputLength) || bad(ioControlCode) || (inputLength > 0 && inputBuffer === null) || (outputLength > 0 && outputBuffer === null)) {
      return this.failed(process, 'device-control', 0, driver, STATUS.INVALID_PARAMETER);
    }
    const method = METHOD_FROM_CTL_CODE(ioControlCode);
    const bufferMethod: BufferMethod = method === METHOD_BUFFERED ? 'buffered' : method === METHOD_NEITHER ? 'neither' : 'direct';
    return this.issue(process, opened, 'device-control', IRP_MJ_DEVICE_CONTROL, outputLength, options.overlapped ?? false, bufferMethod, (irp, location, buffers) => {
      Object.assign(location.Parameters.DeviceIoControl, { OutputBufferLength: outputLength, InputBufferLength: inputLength, IoControlCode: ioControlCode, Type3InputBuffer: null });
      if (method === METHOD_NEITHER) {
        location.Parameters.DeviceIoControl.Type3InputBuffer = inputBuffer;
        irp.UserBuffer = outputBuffer;
        return STATUS.SUCCESS;
      }
      for (const [va, n] of [[inputBuffer, inputLength], [outputBuffer, outputLength]] as const) {
        const probed = n > 0 ? this.buffers.probeUserRange(va!, n) : STATUS.SUCCESS;
        if (!NT_SUCCESS(probed)) return probed;
      }
      if (method === METHOD_BUFFERED) {
        const status = this.buffers.bufferInput(process, buffers, Math.max(inputLength, outputLength), inputBuffer, inputLength);
        irp.AssociatedIrp.SystemBuffer = buffers.systemBuffer;
        irp.UserBuffer = outputBuffer;
        if (outputLength > 0) {
          buffers.copyOutTo = outputBuffer;
          buffers.copyOutLength = outputLength;
        }
        return status;
      }
      // METHOD_IN_DIRECT / METHOD_OUT_DIRECT: the input is buffered, the output buffer is locked into Irp.MdlAddress.
      const status = this.buffers.bufferInput(process, buffers, inputLength, inputBuffer, inputLength);
      irp.AssociatedIrp.SystemBuffer = buffers.systemBuffer;
      if (!NT_SUCCESS(status)) return status;
      return this.buffers.lockUserBuffer(irp, buffers, outputBuffer ?? 0, outputLength, method === METHOD_IN_DIRECT ? 'IoReadAccess' : method === METHOD_OUT_DIRECT ? 'IoWriteAccess' : 'IoModifyAccess');
    });
  }

  /** CancelIo: cancel every unfinished request the process issued through the handle. */
  cancelIo(process: Process, handle: number): NtStatus {
    return this.cancelIoEx(process, handle, null);
  }

  /**
   * CancelIoEx: cancel one request the process issued through the handle (or
   * every one, with null). A request that has already finished cannot be
   * cancelled: STATUS_NOT_FOUND, as ERROR_NOT_FOUND.
   */
  cancelIoEx(process: Process, handle: number, request: IoRequest | null): NtStatus {
    this.assertRunning();
    const opened = this.fileFor(process, handle);
    if (typeof opened === 'number') return opened;
    const irps = [...opened.outstanding].filter((irp) => irp.process === process && (request === null || irp.request === request));
    if (request !== null && irps.length === 0) return STATUS.NOT_FOUND;
    for (const irp of irps) this.IoCancelIrp(irp);
    return STATUS.SUCCESS;
  }

  /**
   * DuplicateHandle: a new handle in `target` to the same file object (as a
   * handle a child inherits is). The driver is not told; IRP_MJ_CLEANUP comes
   * only when the last handle to the file object closes, in the context of
   * whichever process closes it.
   */
  duplicateHandle(source: Process, handle: number, target: Process): { status: NtStatus; handle: number | null } {
    this.assertRunning();
    const opened = this.fileFor(source, handle);
    if (typeof opened === 'number') return { status: opened, handle: null };
    if (target.exiting || target.exited) return { status: STATUS.PROCESS_IS_TERMINATING, handle: null };
    opened.handleCount++;
    return { status: STATUS.SUCCESS, handle: target.insertHandle(opened) };
  }

  /**
   * CloseHandle. Closing a handle that is not the file object's last does
   * nothing the driver sees. Closing the last sends IRP_MJ_CLEANUP in the
   * closing process's context; then the machine runs on until the handle's
   * requests have finished or nothing more happens (a transfer already on
   * the device may finish by itself). Requests the driver is still sitting on
   * then were neither completed nor cancelled at cleanup: the I/O manager
   * records that, cancels them and waits for them. IRP_MJ_CLOSE follows when
   * the last reference goes (the last outstanding request finishes), in no
   * process's context.
   */
  closeHandle(process: Process, handle: number): NtStatus {
    this.assertRunning();
    const fileObject = process.removeHandle(handle);
    if (!fileObject) return STATUS.INVALID_HANDLE;
    if (--fileObject.handleCount > 0) return STATUS.SUCCESS;
    const driver = fileObject.DeviceObject.driverName;
    fileObject.cleanedUp = true;
    this.issue(process, fileObject, 'cleanup', IRP_MJ_CLEANUP, 0, false, 'none', () => STATUS.SUCCESS);
    this.settleAfterCleanup(fileObject);
    const left = this.unfinished(fileObject);
    if (left.length > 0) {
      this.record('cleanup-left-requests-pending', driver,
        `IRP_MJ_CLEANUP for handle ${handle} of ${process.name} returned while ${left.length} request(s) of that handle were neither completed nor cancelled nor in progress (${left.map((i) => `IRP #${i.id}, ${i.request?.operation ?? majorFunctionName(i.stack[i.CurrentLocation]?.MajorFunction ?? 0)}`).join(', ')}); the I/O manager cancelled them`,
        left.map((i) => i.id), acquiredPlace(...left.map((i) => i.pendingAt)).place);
      for (const irp of left) if (!irp.Cancel) this.IoCancelIrp(irp);
      this.waitForIrps(left, driver, `completing the requests of handle ${handle} of ${process.name} after cleanup`);
    }
    this.dereferenceFile(fileObject, process);
    return STATUS.SUCCESS;
  }

  /** The file object lost a reference: when no handle and no request holds it any more, IRP_MJ_CLOSE goes to the driver. */
  private dereferenceFile(fileObject: FILE_OBJECT, lastCloser: Process): void {
    if (fileObject.handleCount > 0 || !fileObject.cleanedUp || fileObject.closed || fileObject.outstanding.size > 0) return;
    fileObject.closed = true;
    fileObject.lastCloser = lastCloser;
    fileObject.closeSentAtNs = this.clock.now;
    this.openFiles.delete(fileObject);
    // Windows sends the close from whatever thread drops the last reference: the driver must not assume a process.
    this.issue(lastCloser, fileObject, 'close', IRP_MJ_CLOSE, 0, true, 'none', () => STATUS.SUCCESS, null);
  }

  private unfinished(fileObject: FILE_OBJECT): IRP[] {
    return [...fileObject.outstanding].filter((irp) => !irp.finished);
  }

  /**
   * Let work already under way finish: until the driver has completed the
   * handle's requests, the machine is idle, or a whole grace period passes
   * in which it completes none of them. Requests the driver works through
   * one after another (a queue behind a device that times each one out) are
   * in progress however long the queue is; requests it completes no more
   * were left behind. A request the driver completed finishes in its
   * caller's context right after (an event due at once), so those are let
   * finish too.
   */
  private settleAfterCleanup(fileObject: FILE_OBJECT): void {
    const withDriver = () => this.unfinished(fileObject).filter((irp) => !irp.completed).length;
    let left = withDriver();
    while (left > 0 && this.clock.pending > 0) {
      const deadline = this.clock.now + this.cleanupGraceNs;
      const before = left;
      this.clock.runUntil(() => withDriver() < before || this.clock.pending === 0 || this.clock.now >= deadline, 'letting requests in progress finish after cleanup');
      left = withDriver();
      if (left === before) break;
    }
    this.clock.runUntil(() => this.unfinished(fileObject).every((irp) => !irp.completed) || this.clock.pending === 0, 'finishing the requests completed after cleanup');
  }

  /** Wait until an application's request has finished (hang-guarded). */
  waitForRequest(request: IoRequest): IoRequest {
    if (request.done) return request;
    this.assertRunning();
    const irp = request.irp;
    const what = `completing ${request.describe()}${irp ? ` (IRP #${irp.id})` : ''}`;
    this.runGuarded(() => request.done, request.driverName ?? 'unknown', what);
    return request;
  }

  /**
   * Process exit: close every handle, cancel and wait for the process's
   * remaining requests, then end the process, which stops the machine if
   * pages are still locked in it (0xCB naming the driver, else 0x76).
   */
  exitProcess(process: Process): void {
    if (process.exited) return;
    this.assertRunning();
    process.exiting = true;
    for (const handle of [...process.handles.keys()]) this.closeHandle(process, handle);
    const remaining = [...this.outstanding].filter((irp) => irp.process === process);
    for (const irp of remaining) this.IoCancelIrp(irp);
    for (const irp of remaining) this.waitForRequest(irp.request!);
    this.kernel.exitProcess(process);
  }

  // --- the request life cycle ------------------------------------------------

  private issue(
    process: Process,
    fileObject: FILE_OBJECT,
    operation: RequestOperation,
    major: number,
    length: number,
    overlapped: boolean,
    method: BufferMethod,
    setup: (irp: IRP, location: IO_STACK_LOCATION, buffers: RequestBuffers) => NtStatus,
    /** The process the driver's dispatch routine runs in (null: a system thread). */
    context: Process | null = process,
  ): IoRequest {
    const device = fileObject.DeviceObject;
    const driver = device.driverName;
    const request = new IoRequest(this.nextId('request'), operation, process, driver, length, this.clock.now);
    // Closing a handle cannot fail for want of memory: Windows allocates the cleanup and close IRPs so they must succeed
    // (waiting and retrying), so the driver always gets IRP_MJ_CLEANUP and IRP_MJ_CLOSE and can give back what the handle held.
    const mustSucceed = major === IRP_MJ_CLEANUP || major === IRP_MJ_CLOSE;
    if (!mustSucceed && this.kernel.faults.shouldFail('IoAllocateIrp', IO_MANAGER_CALL_SITE)) return this.finishEarly(request, STATUS.INSUFFICIENT_RESOURCES);
    const irp = new IRP(this.nextId('irp'), device.StackSize, context, fileObject);
    irp.RequestorMode = 'UserMode';
    irp.issuedAtNs = this.clock.now;
    irp.request = request;
    request.irp = irp;
    const buffers: RequestBuffers = { method, lockedMdls: [], unlocked: false, systemBuffer: null, copyOutTo: null, copyOutLength: 0 };
    irp.buffers = buffers;
    const location = IoGetNextIrpStackLocation(irp);
    location.MajorFunction = major;
    location.FileObject = fileObject;
    const prepared = this.cpu.inDriver(null, () => this.cpu.inProcess(context, () => this.cpu.atIrql(PASSIVE_LEVEL, () => setup(irp, location, buffers))));
    if (!NT_SUCCESS(prepared)) {
      this.buffers.release(context, irp, buffers, prepared, 0);
      irp.finished = true;
      return this.finishEarly(request, prepared);
    }
    this.outstanding.add(irp);
    if (!fileObject.closed) fileObject.outstanding.add(irp);
    const returned = this.callDriver(device, irp, { irql: PASSIVE_LEVEL, process: context });
    irp.dispatchReturned = true;
    this.afterDispatch(irp, returned);
    if (!overlapped) this.waitForRequest(request);
    return request;
  }

  /** The checks Driver Verifier's I/O verification makes when a dispatch routine returns. */
  private afterDispatch(irp: IRP, returned: NtStatus): void {
    const driver = irp.fileObject!.DeviceObject.driverName;
    const major = majorFunctionName(irp.stack[Math.min(irp.CurrentLocation, irp.StackCount - 1)]?.MajorFunction ?? 0);
    const said = typeof returned === 'number' ? statusName(returned) : String(returned);
    if (irp.completed) {
      if (returned !== STATUS.PENDING && returned !== irp.IoStatus.Status) {
        this.record('status-mismatch', driver, `the ${major} dispatch routine completed IRP #${irp.id} with ${statusName(irp.IoStatus.Status)} but returned ${said}`, [irp.id]);
      }
      if (!irp.finished) this.finish(irp);
    } else if (returned !== STATUS.PENDING) {
      this.record('returned-without-completing', driver, `the ${major} dispatch routine returned ${said} for IRP #${irp.id} without completing it (return STATUS_PENDING after IoMarkIrpPending, or complete it)`, [irp.id]);
    } else if (!irp.PendingReturned) {
      this.record('pending-not-marked', driver, `the ${major} dispatch routine returned STATUS_PENDING for IRP #${irp.id} without calling IoMarkIrpPending`, [irp.id]);
    }
  }

  /** The request finishes in the caller's context: buffers copied back and released, the event set. */
  private finish(irp: IRP): void {
    if (irp.finished) return;
    irp.finished = true;
    const request = irp.request!;
    const process = irp.process;
    const result = this.cpu.inDriver(null, () =>
      this.cpu.inProcess(process, () => this.cpu.atIrql(APC_LEVEL, () => this.buffers.release(process, irp, irp.buffers!, irp.IoStatus.Status, irp.IoStatus.Information))));
    if (result.overflow) {
      this.record('information-exceeds-buffer', request.driverName ?? 'unknown', `IRP #${irp.id} reported ${irp.IoStatus.Information} byte(s) for a ${irp.buffers!.copyOutLength}-byte buffer; only the buffer's size was copied`, [irp.id]);
    }
    this.outstanding.delete(irp);
    this.settle(request, result.status, result.information);
    const fileObject = irp.fileObject;
    // The request's reference to the file object goes last, so a close it lets through comes after the request finished.
    if (fileObject?.outstanding.delete(irp)) this.dereferenceFile(fileObject, request.process);
  }

  private finishEarly(request: IoRequest, status: NtStatus): IoRequest {
    this.settle(request, status, 0);
    return request;
  }

  private settle(request: IoRequest, status: NtStatus, information: number): void {
    request.status = status;
    request.information = information;
    request.done = true;
    request.completedAtNs = this.clock.now;
    KeSetEvent(request.event);
  }

  private failed(process: Process, operation: RequestOperation, length: number, driver: string | null, status: NtStatus): IoRequest {
    return this.finishEarly(new IoRequest(this.nextId('request'), operation, process, driver, length, this.clock.now), status);
  }

  private fileFor(process: Process, handle: number): FILE_OBJECT | NtStatus {
    const fileObject = process.handles.get(handle);
    if (!fileObject) return STATUS.INVALID_HANDLE;
    if (fileObject.cleanedUp) return STATUS.FILE_CLOSED;
    return fileObject;
  }

  private waitForIrps(irps: IRP[], driver: string, what: string): void {
    const pending = () => irps.filter((irp) => !irp.finished);
    if (pending().length === 0) return;
    this.runGuarded(() => pending().length === 0, driver, `${what} (${pending().map((i) => `IRP #${i.id}${i.CancelRoutine ? '' : ' has no cancel routine'}`).join(', ')})`);
  }

  /** Run the clock until `done`; a stall or an exhausted budget is the driver hanging. */
  private runGuarded(done: () => boolean, driver: string, what: string): void {
    try {
      this.clock.runUntil(done, what, this.waitBudget.maxEvents, this.waitBudget.maxSimNs);
    } catch (e) {
      if (e instanceof DriverHang || !(e instanceof SimulationStalled)) throw e;
      const detail = e.message.startsWith(`${what}: `) ? e.message.slice(what.length + 2) : e.message;
      throw new DriverHang(driver, what, detail);
    }
  }

  private nextId(kind: keyof IoManager['lastIds']): number {
    return ++this.lastIds[kind];
  }

  private ownerOf(Irp: IRP): string {
    return Irp.stack[Math.min(Irp.CurrentLocation, Irp.StackCount - 1)]?.DeviceObject?.driverName ?? Irp.allocatedBy ?? 'kernel';
  }

  private record(kind: IoFindingKind, driver: string, detail: string, irpIds: number[], place?: DriverPlace): void {
    if (!detectionEnabled('IO-MANAGER-FINDINGS')) return;
    this.findings.push({ kind, driver, detail, atNs: this.clock.now, irpIds, ...(place ? { place } : {}) });
  }

  private assertRunning(): void {
    if (this.kernel.stopped) throw new MachineStopped(this.kernel.stopped);
  }

  // --- introspection for the suite's oracles ---------------------------------

  /** Applications' requests that have not finished, optionally of one driver. */
  outstandingRequests(driver?: string): IoRequest[] {
    return [...this.outstanding].filter((irp) => driver === undefined || irp.request?.driverName === driver).map((irp) => irp.request!);
  }

  /** IRPs a driver allocated and has not freed. */
  allocatedIrps(driver?: string): IRP[] {
    return [...this.driverIrps].filter((irp) => driver === undefined || irp.allocatedBy === driver);
  }

  /** Open file objects, optionally of one driver's devices. */
  openFileObjects(driver?: string): FILE_OBJECT[] {
    return [...this.openFiles].filter((f) => driver === undefined || f.DeviceObject.driverName === driver);
  }

  findingsOf(driver: string): IoFinding[] {
    return this.findings.filter((f) => f.driver === driver);
  }

  /** The devices a driver has started, in start order. */
  startedDevices(driver: string): DEVICE_OBJECT[] {
    return [...(this.drivers.get(driver)?.started ?? [])];
  }
}
