/**
 * Two things a C driver must see as a TypeScript driver does: Irp->Cancel as
 * it is now (IoCancelIrp from the I/O manager while C holds the IRP), and a
 * call through a bad function pointer (NULL, past the function table, of
 * another type, or one the kernel is given to call) judged as the driver's
 * crash in the routine it ran, not as a raised status; so is a NULL kernel
 * structure handed to a routine that dereferences it.
 */
import { strict as assert } from 'node:assert';
import { before, describe, it } from 'node:test';
import { STATUS } from '../../src/machine/ntstatus';
import { driverCrashOf } from '../../src/diagnosis/driver-crash';
import type { DriverModule } from '../../src/personalities/wdm/contract';
import { IOCTL, compiledRoutinesDriver, startRoutinesDriver } from './kernel-routines-fixture';

let driver: DriverModule;

describe('a C driver', () => {
  before(async () => {
    driver = await compiledRoutinesDriver();
  });

  it('reads Irp->Cancel as the I/O manager set it while C held the IRP', () => {
    const { machine, app, handle, send } = startRoutinesDriver(driver);
    const held = send(IOCTL.HOLD, [], 1, true);
    assert.equal(held.request.done, false, 'the driver holds the IRP');
    assert.equal(app.CancelIoEx(handle, held.request), STATUS.SUCCESS);
    assert.equal(held.request.irp?.Cancel, true, 'IoCancelIrp marked the IRP');
    const poll = send(IOCTL.POLL_CANCEL, [], 1);
    assert.equal(poll.request.status, STATUS.SUCCESS, poll.request.describe());
    assert.equal(poll.words()[0], 1, 'C saw Irp->Cancel set');
    machine.io.waitForRequest(held.request);
    assert.equal(held.request.status, STATUS.CANCELLED);
    assert.equal(machine.kernel.stopped, null);
  });

  const cases: { which: number; what: string; routine: RegExp; place?: string }[] = [
    { which: 0, what: 'a call through NULL', routine: /^C function BadPointer \((?:.*\/)?kernel-routines-driver\.c:\d+\)/ },
    { which: 1, what: 'a call past the function table', routine: /^C function BadPointer \((?:.*\/)?kernel-routines-driver\.c:\d+\)/ },
    { which: 2, what: 'a call of a function of another type', routine: /^C function BadPointer \((?:.*\/)?kernel-routines-driver\.c:\d+\)/ },
    { which: 3, what: 'a pointer past the function table the kernel is given to call', routine: /^work item$/ },
    { which: 4, what: 'a function of another type the kernel is given to call', routine: /^work item$/ },
    { which: 5, what: 'a NULL IRP handed to IoSetCancelRoutine, which dereferences it', routine: /^IRP_MJ_DEVICE_CONTROL dispatch$/, place: 'BadPointer' },
  ];
  for (const c of cases) {
    it(`${c.what} is the driver's crash in the routine it ran`, () => {
      const { machine, send } = startRoutinesDriver(driver);
      try {
        send(IOCTL.BAD_POINTER, [c.which], 1);
        machine.clock.advance(1e6); // a work item runs when the clock does
      } catch {
        // the machine stopped: judged below
      }
      const stop = machine.kernel.stopped;
      assert.ok(stop, 'the machine stopped');
      const crash = driverCrashOf(stop);
      assert.ok(crash, `a crash verdict, not ${stop.exception} (${stop.reason})`);
      assert.equal(crash.driver, driver.name);
      assert.match(crash.routine, c.routine);
      if (c.place) assert.equal(crash.place?.function, c.place, 'the crash names the C function that made the call');
    });
  }
});
