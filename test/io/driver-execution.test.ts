/**
 * Driver code runs with the documented context and its failures stop the
 * machine the documented way: dispatch at PASSIVE_LEVEL in the caller's
 * process, ISR at device level, DPC at DISPATCH_LEVEL in no process; an
 * unhandled exception is 0x1E, a double completion 0x44; a routine that polls
 * or waits forever is a DriverHang naming the driver.
 */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { DEVICE_LEVEL, DISPATCH_LEVEL, PASSIVE_LEVEL } from '../../src/machine/irql';
import { STATUS } from '../../src/machine/ntstatus';
import {
  DEVICE_OBJECT,
  DriverModule,
  KEVENT,
  KernelApi,
} from '../../src/personalities/wdm/contract';
import { installDriver } from '../../src/personalities/wdm/loader';
import { Application } from '../../src/kernel/io/application';
import { DriverHang } from '../../src/kernel/io/driver-hang';
import { IoManager } from '../../src/kernel/io/io-manager';
import { bootSmallMachine, expectBugCheck } from '../mm/machine-fixture';
import { driverWithRead } from '../../src/scenarios/driver-with-read';

function start(driver: DriverModule) {
  const machine = bootSmallMachine();
  const io = new IoManager(machine.kernel, { watchdogNs: 1e9 });
  const fn = machine.bus.functionOf(machine.dmaDevice);
  installDriver({ kernel: machine.kernel, io, bus: machine.bus }, driver, [fn]);
  const app = new Application(io, 'app');
  return { machine, io, fn, app, handle: app.open(driver.name) };
}

describe('driver execution context', () => {
  it('dispatch routines run at PASSIVE_LEVEL in the requesting process, named as the driver', () => {
    const seen: { irql: number; process: string | null; driver: string | null }[] = [];
    let machineRef: ReturnType<typeof bootSmallMachine> | null = null;
    const { machine, app, handle } = start(driverWithRead('ctx', (k, _d, irp) => {
      seen.push({ irql: k.KeGetCurrentIrql(), process: machineRef!.cpu.currentProcess?.name ?? null, driver: machineRef!.cpu.currentDriver });
      irp.IoStatus.Status = STATUS.SUCCESS;
      k.IoCompleteRequest(irp, 0);
      return STATUS.SUCCESS;
    }));
    machineRef = machine;
    app.ReadFile(handle, app.allocate(8));
    assert.deepEqual(seen, [{ irql: PASSIVE_LEVEL, process: 'app', driver: 'ctx' }]);
  });

  it('a declared ISR runs at device level when the device interrupts, and its DPC at DISPATCH_LEVEL in no process', () => {
    const seen: string[] = [];
    let cpu: ReturnType<typeof bootSmallMachine>['cpu'];
    let k: KernelApi;
    let line: { setLevel(v: boolean): void };
    const driver = driverWithRead('isr', (_k, _d, irp) => {
      irp.IoStatus.Status = STATUS.SUCCESS;
      k.IoCompleteRequest(irp, 0);
      return STATUS.SUCCESS;
    }, {
      InterruptService(_interrupt, context) {
        seen.push(`isr at ${cpu.irql}`);
        line.setLevel(false); // silence the device
        k.IoRequestDpc(context as DEVICE_OBJECT, null, 'ctx');
        return true;
      },
      DpcForIsr(_dpc, _device, _irp, context) {
        seen.push(`dpc at ${cpu.irql} in ${cpu.currentProcess?.name ?? 'no process'} with ${String(context)}`);
      },
    });
    const originalEntry = driver.DriverEntry;
    (driver as { DriverEntry: DriverModule['DriverEntry'] }).DriverEntry = (d, kernel) => {
      k = kernel;
      return originalEntry.call(driver, d, kernel);
    };
    const { machine, fn } = start(driver);
    cpu = machine.cpu;
    line = fn.interrupt;
    fn.interrupt.setLevel(true);
    machine.clock.runUntilIdle();
    assert.deepEqual(seen, [`isr at ${DEVICE_LEVEL}`, `dpc at ${DISPATCH_LEVEL} in no process with ctx`]);
  });
});

describe('driver failures', () => {
  it('an exception the dispatch routine does not handle stops the machine with 0x1E naming the driver', () => {
    const { machine, app, handle } = start(driverWithRead('thrower', () => {
      throw new TypeError('Cannot read properties of null');
    }));
    const bc = expectBugCheck(machine, 0x1e, () => app.ReadFile(handle, app.allocate(8)), STATUS.ACCESS_VIOLATION);
    assert.match(bc.reason, /driver thrower: IRP_MJ_READ dispatch did not handle an exception: TypeError/);
  });

  it('a raised status the driver does not catch is 0x1E with that status', () => {
    const { machine, app, handle } = start(driverWithRead('uncaught', (k, _d, irp) => {
      const mdl = k.IoAllocateMdl(0x10, 8, false, false, null)!;
      k.MmProbeAndLockPages(mdl, 'UserMode', 'IoWriteAccess'); // address 0x10 is never valid: raises
      void irp;
      return STATUS.SUCCESS;
    }));
    expectBugCheck(machine, 0x1e, () => app.ReadFile(handle, app.allocate(8)), STATUS.ACCESS_VIOLATION);
  });

  it('completing an IRP twice stops the machine with 0x44', () => {
    const { machine, app, handle } = start(driverWithRead('twice', (k, _d, irp) => {
      k.IoCompleteRequest(irp, 0);
      k.IoCompleteRequest(irp, 0);
      return STATUS.SUCCESS;
    }));
    const bc = expectBugCheck(machine, 0x44, () => app.ReadFile(handle, app.allocate(8)));
    assert.match(bc.reason, /completed twice .* by twice/);
  });

  it('a dispatch routine that polls forever is reported by the watchdog as a hang', () => {
    const { app, handle } = start(driverWithRead('poller', (k) => {
      for (;;) k.KeStallExecutionProcessor(1000);
    }));
    assert.throws(() => app.ReadFile(handle, app.allocate(8)), (e: unknown) => e instanceof DriverHang && e.driverName === 'poller' && /IRP_MJ_READ dispatch is still running/.test(e.message));
  });

  it('a dispatch routine that waits for an event nobody sets is reported as a hang', () => {
    const event = new KEVENT('never set');
    const { app, handle } = start(driverWithRead('waiter', (k) => {
      k.KeInitializeEvent(event, 'NotificationEvent', false);
      return k.KeWaitForSingleObject(event, 'Executive', 'KernelMode', false, null);
    }));
    assert.throws(() => app.ReadFile(handle, app.allocate(8)), (e: unknown) => e instanceof DriverHang && e.driverName === 'waiter' && /never set/.test(e.message));
  });

  it('returning a status without completing the IRP is recorded', () => {
    const { io, app, handle } = start(driverWithRead('forgetful', () => STATUS.SUCCESS));
    const request = app.ReadFile(handle, app.allocate(8), undefined, { overlapped: true });
    assert.equal(request.done, false);
    assert.deepEqual(io.findings.map((f) => [f.kind, f.driver]), [['returned-without-completing', 'forgetful']]);
  });
});
