/**
 * Steps about small drivers a kernel-rule scenario names by what their read
 * routine does, to show what the I/O manager does with such a driver's IRPs:
 * one that completes each read twice before returning, one that keeps each
 * read pending without a cancel routine, one whose read routine makes the
 * kernel refuse a call with a program error. Each is started on the DMA test
 * device, and the application reading through it opens it first.
 */
import { Given, Then, When } from '@cucumber/cucumber';
import { expect } from 'chai';
import { Application } from '../src/kernel/io/application';
import { simulatorDefectOf } from '../src/diagnosis/simulator-defect';
import { STATUS } from '../src/machine/ntstatus';
import {
  DEVICE_OBJECT, DO_DEVICE_INITIALIZING, DRIVER_OBJECT, DriverModule, FILE_DEVICE_UNKNOWN, IRP, IRP_MJ_CREATE, IRP_MJ_READ, KernelApi, NtStatus,
} from '../src/personalities/wdm/contract';
import { installDriver } from '../src/personalities/wdm/loader';
import { attempt, expectBugCheck, runningMachine } from './support/outcome';
import { ConformanceWorld } from './support/world';

type ReadRoutine = (k: KernelApi, irp: IRP) => NtStatus;

const READ_ROUTINES: Record<string, (kept: IRP[]) => ReadRoutine> = {
  'completes each read twice': () => (k, irp) => {
    irp.IoStatus.Status = STATUS.SUCCESS;
    k.IoCompleteRequest(irp, 0);
    k.IoCompleteRequest(irp, 0);
    return STATUS.SUCCESS;
  },
  'keeps each read pending without a cancel routine': (kept) => (k, irp) => {
    k.IoMarkIrpPending(irp);
    kept.push(irp);
    return STATUS.PENDING;
  },
  'asks IoAllocateIrp for a stack of no locations': () => (k, irp) => {
    k.IoAllocateIrp(0, false); // the kernel refuses the argument with a RangeError: a program error, not a status
    irp.IoStatus.Status = STATUS.SUCCESS;
    k.IoCompleteRequest(irp, 0);
    return STATUS.SUCCESS;
  },
};

interface ScriptedDriver {
  readonly kept: IRP[];
  readonly handles: Map<string, { app: Application; handle: number }>;
}

const drivers = new WeakMap<ConformanceWorld, Map<string, ScriptedDriver>>();

function scriptedDriver(world: ConformanceWorld, name: string): ScriptedDriver {
  const driver = drivers.get(world)?.get(name);
  if (!driver) throw new Error(`no driver "${name}" was started in this scenario; start it with "Given the driver "${name}" is started, whose read routine ..."`);
  return driver;
}

/** A driver with a create routine that succeeds and the named read routine. */
function driverModule(name: string, read: ReadRoutine): DriverModule {
  let k: KernelApi;
  return {
    name,
    conformanceClasses: ['read-write-direct'],
    DriverEntry(DriverObject: DRIVER_OBJECT, kernel: KernelApi) {
      k = kernel;
      DriverObject.MajorFunction[IRP_MJ_CREATE] = (_d, irp) => {
        irp.IoStatus.Status = STATUS.SUCCESS;
        k.IoCompleteRequest(irp, 0);
        return STATUS.SUCCESS;
      };
      DriverObject.MajorFunction[IRP_MJ_READ] = (_d, irp) => read(k, irp);
      return STATUS.SUCCESS;
    },
    AddDevice(DriverObject: DRIVER_OBJECT, pdo: DEVICE_OBJECT) {
      const { DeviceObject } = k.IoCreateDevice(DriverObject, 0, null, FILE_DEVICE_UNKNOWN, 0, false);
      k.IoAttachDeviceToDeviceStack(DeviceObject!, pdo);
      DeviceObject!.Flags &= ~DO_DEVICE_INITIALIZING;
      return STATUS.SUCCESS;
    },
    StartDevice: () => STATUS.SUCCESS,
  };
}

Given(/^the driver "([^"]*)" is started, whose read routine (.+)$/, function (this: ConformanceWorld, name: string, what: string) {
  const routine = READ_ROUTINES[what];
  if (!routine) throw new Error(`no read routine "${what}"; known: ${Object.keys(READ_ROUTINES).join('; ')}`);
  const machine = runningMachine(this);
  const driver: ScriptedDriver = { kept: [], handles: new Map() };
  installDriver({ kernel: machine.kernel, io: machine.io, bus: machine.bus }, driverModule(name, routine(driver.kept)), [machine.bus.functionOf(machine.dmaDevice)]);
  const mine = drivers.get(this) ?? new Map<string, ScriptedDriver>();
  mine.set(name, driver);
  drivers.set(this, mine);
});

When('{string} reads {size} through the driver {string}', async function (this: ConformanceWorld, processName: string, bytes: number, name: string) {
  const driver = scriptedDriver(this, name);
  await attempt(this, (machine) => {
    let opened = driver.handles.get(processName);
    if (!opened) {
      const app = new Application(machine.io, processName);
      opened = { app, handle: app.open(name) };
      driver.handles.set(processName, opened);
    }
    opened.app.ReadFile(opened.handle, opened.app.allocate(bytes), bytes, { overlapped: true });
  });
});

When('{string} cancels its reads through the driver {string}', async function (this: ConformanceWorld, processName: string, name: string) {
  const opened = scriptedDriver(this, name).handles.get(processName);
  if (!opened) throw new Error(`"${processName}" has not read through the driver "${name}"`);
  await attempt(this, () => opened.app.CancelIo(opened.handle));
});

Then('every read the driver {string} keeps is marked cancelled', function (this: ConformanceWorld, name: string) {
  const kept = scriptedDriver(this, name).kept;
  expect(kept.length, `reads the driver "${name}" keeps`).to.be.above(0);
  expect(kept.map((irp) => irp.Cancel), 'Irp->Cancel of each read it keeps').to.deep.equal(kept.map(() => true));
});

Then('the stop is filed as a failure of the simulator, not as a verdict on the driver', function (this: ConformanceWorld) {
  const stop = expectBugCheck(this);
  expect(simulatorDefectOf(stop)?.defect.name ?? null, 'the program error behind the stop, filed as a failure of the simulator').to.equal('RangeError');
});
