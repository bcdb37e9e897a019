/**
 * Steps about small drivers a kernel-rule scenario names by what their read
 * routine does, to show what the I/O manager does with such a driver's IRPs:
 * completed twice before returning, completed with the cancel routine still
 * set, kept pending without a cancel routine, or a kernel call refused with a
 * program error. Each is started on the DMA test device, and the application
 * reading through it opens it first.
 */
import { Given, Then, When } from '@cucumber/cucumber';
import { expect } from 'chai';
import { Application } from '../src/kernel/io/application';
import { simulatorDefectOf } from '../src/diagnosis/simulator-defect';
import { STATUS } from '../src/machine/ntstatus';
import type { IRP } from '../src/personalities/wdm/contract';
import { ReadDispatch, driverWithRead } from '../src/scenarios/driver-with-read';
import { installDriver } from '../src/personalities/wdm/loader';
import { attempt, expectBugCheck, runningMachine } from './support/outcome';
import { ConformanceWorld } from './support/world';

const READ_ROUTINES: Record<string, (kept: IRP[]) => ReadDispatch> = {
  'completes each read twice': () => (k, _device, irp) => {
    irp.IoStatus.Status = STATUS.SUCCESS;
    k.IoCompleteRequest(irp, 0);
    k.IoCompleteRequest(irp, 0);
    return STATUS.SUCCESS;
  },
  'completes each read with its cancel routine still set': () => (k, _device, irp) => {
    k.IoSetCancelRoutine(irp, () => undefined);
    irp.IoStatus.Status = STATUS.SUCCESS;
    k.IoCompleteRequest(irp, 0);
    return STATUS.SUCCESS;
  },
  'keeps each read pending without a cancel routine': (kept) => (k, _device, irp) => {
    k.IoMarkIrpPending(irp);
    kept.push(irp);
    return STATUS.PENDING;
  },
  'asks IoAllocateIrp for a stack of no locations': () => (k, _device, irp) => {
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

Given(/^the driver "([^"]*)" is started, whose read routine (.+)$/, function (this: ConformanceWorld, name: string, what: string) {
  const routine = READ_ROUTINES[what];
  if (!routine) throw new Error(`no read routine "${what}"; known: ${Object.keys(READ_ROUTINES).join('; ')}`);
  const machine = runningMachine(this);
  const driver: ScriptedDriver = { kept: [], handles: new Map() };
  installDriver({ kernel: machine.kernel, io: machine.io, bus: machine.bus }, driverWithRead(name, routine(driver.kept)), [machine.bus.functionOf(machine.dmaDevice)]);
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

Then('the I\\/O manager found {word} against the driver {string}', function (this: ConformanceWorld, kind: string, name: string) {
  scriptedDriver(this, name);
  expect(runningMachine(this).io.findingsOf(name).map((f) => f.kind), `what the I/O manager found against the driver "${name}"`).to.include(kind);
});

Then('the stop is filed as a failure of the simulator, not as a verdict on the driver', function (this: ConformanceWorld) {
  const stop = expectBugCheck(this);
  expect(simulatorDefectOf(stop)?.defect.name ?? null, 'the program error behind the stop, filed as a failure of the simulator').to.equal('RangeError');
});
