/**
 * A tiny driver for testing the I/O manager, with no hardware behind it: it
 * answers reads from a byte formula, records what it is written, and can keep
 * requests pending (completing them later from a timer DPC) or misbehave in
 * the ways the tests need (ignore cleanup, keep pages locked, never complete).
 * It is built per test from options, so each test says what it exercises.
 */
import { strict as assert } from 'node:assert';
import { Machine } from '../../src/machine/machine';
import { RaisedStatus, STATUS } from '../../src/machine/ntstatus';
import {
  CTL_CODE,
  DO_DEVICE_INITIALIZING,
  DRIVER_OBJECT,
  DEVICE_OBJECT,
  DriverModule,
  FILE_ANY_ACCESS,
  FILE_DEVICE_UNKNOWN,
  IO_CSQ,
  IRP,
  IRP_MJ_CLEANUP,
  IRP_MJ_CLOSE,
  IRP_MJ_CREATE,
  IRP_MJ_DEVICE_CONTROL,
  IRP_MJ_READ,
  IRP_MJ_WRITE,
  KDPC,
  KTIMER,
  KernelApi,
  MDL,
  METHOD_BUFFERED,
  METHOD_NEITHER,
  METHOD_OUT_DIRECT,
  NtStatus,
} from '../../src/personalities/wdm/contract';
import { installDriver, InstalledDriver } from '../../src/personalities/wdm/loader';
import { IoManager } from '../../src/kernel/io/io-manager';
import { Application } from '../../src/kernel/io/application';
import { bootSmallMachine } from '../mm/machine-fixture';

export const IOCTL_ECHO_BUFFERED = CTL_CODE(FILE_DEVICE_UNKNOWN, 0x800, METHOD_BUFFERED, FILE_ANY_ACCESS);
export const IOCTL_ECHO_NEITHER = CTL_CODE(FILE_DEVICE_UNKNOWN, 0x801, METHOD_NEITHER, FILE_ANY_ACCESS);
export const IOCTL_FILL_OUT_DIRECT = CTL_CODE(FILE_DEVICE_UNKNOWN, 0x802, METHOD_OUT_DIRECT, FILE_ANY_ACCESS);
/** Lock the output buffer in the driver's own MDL and keep it locked (a driver bug). */
export const IOCTL_LOCK_AND_KEEP = CTL_CODE(FILE_DEVICE_UNKNOWN, 0x803, METHOD_NEITHER, FILE_ANY_ACCESS);
/** Keep the request pending until cleanup (or cancellation). */
export const IOCTL_PARK = CTL_CODE(FILE_DEVICE_UNKNOWN, 0x804, METHOD_BUFFERED, FILE_ANY_ACCESS);

/** The byte the test device "reads" at stream offset i. */
export function deviceByte(i: number): number {
  return (i * 7 + 3) & 0xff;
}

export function deviceBytes(offset: number, length: number): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => deviceByte(offset + i));
}

export interface TestDriverOptions {
  readonly name?: string;
  /** Device flags: DO_DIRECT_IO, DO_BUFFERED_IO or 0 (neither). */
  readonly flags: number;
  /** Reads and writes pend and complete from a timer DPC after this many microseconds; undefined: complete at once. */
  readonly completeAfterUs?: number;
  /** Pending requests wait in a cancel-safe queue (cancelable) or in a plain list (no cancel routine). */
  readonly cancelable?: boolean;
  /** What cleanup does with the handle's pending requests. */
  readonly cleanup?: 'complete-them' | 'ignore';
  /** The timer completes one pending request per firing and re-arms while others wait: a device that serves one request at a time. */
  readonly oneAtATime?: boolean;
  /** Pending requests are never completed by the driver (only by cancellation, if cancelable). */
  readonly neverComplete?: boolean;
  /** Returns STATUS_PENDING without IoMarkIrpPending. */
  readonly forgetMarkPending?: boolean;
}

/** What the driver saw, for the tests to check. */
export interface TestDriverState {
  k: KernelApi | null;
  device: DEVICE_OBJECT | null;
  /** For each read/write: the Irp.MdlAddress it was given and whether its pages were locked then. */
  readonly mdlSeen: { mdl: MDL | null; locked: boolean; pfns: number[] }[];
  readonly written: Uint8Array[];
  readonly keptMdls: MDL[];
  parked: IRP[];
}

export function testDriver(options: TestDriverOptions): { driver: DriverModule; state: TestDriverState } {
  const state: TestDriverState = { k: null, device: null, mdlSeen: [], written: [], keptMdls: [], parked: [] };
  const queue = new IO_CSQ();
  const timer = new KTIMER();
  const dpc = new KDPC();
  const plain: IRP[] = [];

  const k = () => state.k!;

  /** Move the data of one read or write, whatever buffering the device uses. */
  function transfer(device: DEVICE_OBJECT, irp: IRP): NtStatus {
    const location = k().IoGetCurrentIrpStackLocation(irp);
    const length = location.Parameters.Read.Length;
    const isRead = location.MajorFunction === IRP_MJ_READ;
    let address: number | null;
    if (irp.MdlAddress) address = k().MmGetSystemAddressForMdlSafe(irp.MdlAddress, 'NormalPagePriority');
    else if (irp.AssociatedIrp.SystemBuffer !== null) address = irp.AssociatedIrp.SystemBuffer;
    else address = irp.UserBuffer;
    if (length > 0 && address === null) return STATUS.INSUFFICIENT_RESOURCES;
    if (length > 0) {
      if (isRead) {
        k().RtlCopyMemory(address!, deviceBytes(location.Parameters.Read.ByteOffset, length), length);
      } else {
        const local = new Uint8Array(length);
        k().RtlCopyMemory(local, address!, length);
        state.written.push(local);
      }
    }
    void device;
    irp.IoStatus.Information = length;
    return STATUS.SUCCESS;
  }

  function completeLater(irp: IRP): void {
    if (options.cancelable) k().IoCsqInsertIrp(queue, irp, null);
    else plain.push(irp);
  }

  function onTimer(): void {
    if (options.neverComplete) return;
    for (;;) {
      const irp = options.cancelable ? k().IoCsqRemoveNextIrp(queue, null) : plain.shift() ?? null;
      if (!irp) break;
      irp.IoStatus.Status = transfer(state.device!, irp);
      k().IoCompleteRequest(irp, 0);
      if (options.oneAtATime) {
        if ((options.cancelable ? queue.irps.length : plain.length) > 0) k().KeSetTimer(timer, -options.completeAfterUs! * 10, dpc);
        break;
      }
    }
  }

  function readWrite(device: DEVICE_OBJECT, irp: IRP): NtStatus {
    const m = irp.MdlAddress;
    state.mdlSeen.push({ mdl: m, locked: m !== null && (m.MdlFlags & 0x2) !== 0, pfns: m ? [...m.PfnArray] : [] });
    if (options.completeAfterUs === undefined) {
      const status = transfer(device, irp);
      irp.IoStatus.Status = status;
      k().IoCompleteRequest(irp, 0);
      return status;
    }
    if (!options.forgetMarkPending && !options.cancelable) k().IoMarkIrpPending(irp);
    completeLater(irp);
    k().KeSetTimer(timer, -options.completeAfterUs * 10, dpc);
    return STATUS.PENDING;
  }

  function complete(irp: IRP, status: NtStatus, information = 0): NtStatus {
    irp.IoStatus.Status = status;
    irp.IoStatus.Information = information;
    k().IoCompleteRequest(irp, 0);
    return status;
  }

  function deviceControl(_device: DEVICE_OBJECT, irp: IRP): NtStatus {
    const p = k().IoGetCurrentIrpStackLocation(irp).Parameters.DeviceIoControl;
    switch (p.IoControlCode) {
      case IOCTL_ECHO_BUFFERED: {
        if (p.OutputBufferLength < p.InputBufferLength) return complete(irp, STATUS.BUFFER_TOO_SMALL);
        const data = new Uint8Array(p.InputBufferLength);
        k().RtlCopyMemory(data, irp.AssociatedIrp.SystemBuffer!, data.length);
        k().RtlCopyMemory(irp.AssociatedIrp.SystemBuffer!, data.map((b) => (b + 1) & 0xff), data.length);
        return complete(irp, STATUS.SUCCESS, data.length);
      }
      case IOCTL_ECHO_NEITHER: {
        // METHOD_NEITHER: the addresses are the caller's, unprobed; this runs in the caller's context.
        try {
          k().ProbeForRead(p.Type3InputBuffer ?? 0, p.InputBufferLength, 1);
          k().ProbeForWrite(irp.UserBuffer ?? 0, p.OutputBufferLength, 1);
          const n = Math.min(p.InputBufferLength, p.OutputBufferLength);
          const data = new Uint8Array(n);
          k().RtlCopyMemory(data, p.Type3InputBuffer!, n);
          k().RtlCopyMemory(irp.UserBuffer!, data.map((b) => (b + 1) & 0xff), n);
          return complete(irp, STATUS.SUCCESS, n);
        } catch (e) {
          if (e instanceof RaisedStatus) return complete(irp, e.status);
          throw e;
        }
      }
      case IOCTL_FILL_OUT_DIRECT: {
        if (!irp.MdlAddress) return complete(irp, STATUS.INVALID_PARAMETER);
        const va = k().MmGetSystemAddressForMdlSafe(irp.MdlAddress, 'NormalPagePriority');
        if (va === null) return complete(irp, STATUS.INSUFFICIENT_RESOURCES);
        k().RtlCopyMemory(va, deviceBytes(0, p.OutputBufferLength), p.OutputBufferLength);
        return complete(irp, STATUS.SUCCESS, p.OutputBufferLength);
      }
      case IOCTL_LOCK_AND_KEEP: {
        const mdl = k().IoAllocateMdl(irp.UserBuffer!, p.OutputBufferLength, false, false, null);
        if (!mdl) return complete(irp, STATUS.INSUFFICIENT_RESOURCES);
        try {
          k().MmProbeAndLockPages(mdl, 'UserMode', 'IoWriteAccess');
        } catch (e) {
          k().IoFreeMdl(mdl);
          if (e instanceof RaisedStatus) return complete(irp, e.status);
          throw e;
        }
        state.keptMdls.push(mdl);
        return complete(irp, STATUS.SUCCESS);
      }
      case IOCTL_PARK: {
        state.parked.push(irp);
        if (options.cancelable) {
          k().IoCsqInsertIrp(queue, irp, null);
        } else {
          k().IoMarkIrpPending(irp);
          plain.push(irp);
        }
        return STATUS.PENDING;
      }
      default:
        return complete(irp, STATUS.INVALID_DEVICE_REQUEST);
    }
  }

  function cleanup(_device: DEVICE_OBJECT, irp: IRP): NtStatus {
    const fileObject = k().IoGetCurrentIrpStackLocation(irp).FileObject;
    if (options.cleanup === 'complete-them') {
      for (;;) {
        const pending = options.cancelable
          ? k().IoCsqRemoveNextIrp(queue, fileObject)
          : (() => {
              const i = plain.findIndex((p) => p.fileObject === fileObject);
              return i < 0 ? null : plain.splice(i, 1)[0]!;
            })();
        if (!pending) break;
        complete(pending, STATUS.CANCELLED);
      }
    }
    return complete(irp, STATUS.SUCCESS);
  }

  const name = options.name ?? 'testdrv';
  const driver: DriverModule = {
    name,
    conformanceClasses: ['read-write-direct'],
    DriverEntry(DriverObject: DRIVER_OBJECT, kernel: KernelApi): NtStatus {
      state.k = kernel;
      kernel.IoCsqInitialize(queue, null);
      kernel.KeInitializeTimer(timer);
      kernel.KeInitializeDpc(dpc, () => onTimer(), null);
      DriverObject.MajorFunction[IRP_MJ_CREATE] = (_d, irp) => complete(irp, STATUS.SUCCESS);
      DriverObject.MajorFunction[IRP_MJ_CLOSE] = (_d, irp) => complete(irp, STATUS.SUCCESS);
      DriverObject.MajorFunction[IRP_MJ_READ] = readWrite;
      DriverObject.MajorFunction[IRP_MJ_WRITE] = readWrite;
      DriverObject.MajorFunction[IRP_MJ_DEVICE_CONTROL] = deviceControl;
      DriverObject.MajorFunction[IRP_MJ_CLEANUP] = cleanup;
      return STATUS.SUCCESS;
    },
    AddDevice(DriverObject: DRIVER_OBJECT, pdo: DEVICE_OBJECT): NtStatus {
      const { status, DeviceObject } = k().IoCreateDevice(DriverObject, 0, `\\Device\\${name}`, FILE_DEVICE_UNKNOWN, 0, false);
      if (!DeviceObject) return status;
      DeviceObject.Flags |= options.flags;
      k().IoAttachDeviceToDeviceStack(DeviceObject, pdo);
      DeviceObject.Flags &= ~DO_DEVICE_INITIALIZING;
      state.device = DeviceObject;
      return STATUS.SUCCESS;
    },
    StartDevice(): NtStatus {
      return STATUS.SUCCESS;
    },
    RemoveDevice(DeviceObject: DEVICE_OBJECT): void {
      k().IoDeleteDevice(DeviceObject);
    },
  };
  return { driver, state };
}

export interface IoTestBench {
  readonly machine: Machine;
  readonly io: IoManager;
  readonly installed: InstalledDriver;
  readonly state: TestDriverState;
  app(name?: string): Application;
}

/** A small machine with an I/O manager and the test driver started on the DMA device's PCI function. */
export function ioBench(options: TestDriverOptions, ioOptions: ConstructorParameters<typeof IoManager>[1] = {}): IoTestBench {
  const machine = bootSmallMachine();
  const io = new IoManager(machine.kernel, ioOptions);
  const { driver, state } = testDriver(options);
  const installed = installDriver({ kernel: machine.kernel, io, bus: machine.bus }, driver, [machine.bus.functionOf(machine.dmaDevice)]);
  assert.equal(installed.devices.length, 1);
  let apps = 0;
  return { machine, io, installed, state, app: (name = `app${++apps}`) => new Application(io, name) };
}
