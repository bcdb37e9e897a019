/**
 * The faulty variants of reference driver 6 fail the way their declared rule
 * says: pages left locked stop the machine at process exit (PAGE-5); a view
 * unlocked while the device writes loses its frames to memory pressure
 * (PAGE-1); an unguarded probe of a bad view stops the machine (PAGE-3).
 */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { BugCheck } from '../../src/machine/bug-check';
import { STATUS } from '../../src/machine/ntstatus';
import { MiB } from '../../src/contracts/units';
import { Application, UserBuffer } from '../../src/kernel/io/application';
import { installDriver } from '../../src/personalities/wdm/loader';
import type { DriverModule } from '../../src/personalities/wdm/contract';
import { IOCTL_MAPPED_FILE_FROM_DEVICE, MAPPED_FILE_STREAM_OFFSET_BYTES, mappedFileInput } from '../../src/conformance/mapped-file-dma/interface';
import { bootSmallMachine } from '../mm/machine-fixture';
import { faultyDriverFor } from './suite-drivers';

const neverUnlocks = faultyDriverFor('mapped-file-dma', 'never-unlocks');
const unlocksEarly = faultyDriverFor('mapped-file-dma', 'unlocks-before-transfer-ends');
const unguarded = faultyDriverFor('mapped-file-dma', 'unguarded-probe');

function start(driver: DriverModule) {
  const machine = bootSmallMachine();
  installDriver(machine, driver, [machine.bus.functionOf(machine.dmaDevice)]);
  const app = new Application(machine.io, 'app');
  const handle = app.open(`${driver.name}#0`);
  const fill = (view: UserBuffer | number, length: number, overlapped = false) => {
    const input = app.allocate(MAPPED_FILE_STREAM_OFFSET_BYTES);
    app.writeBytes(input, mappedFileInput(0));
    return app.DeviceIoControl(handle, IOCTL_MAPPED_FILE_FROM_DEVICE, input, undefined, view, length, { overlapped });
  };
  return { machine, app, handle, fill };
}

function stopCode(fn: () => unknown): number {
  try {
    fn();
  } catch (e) {
    if (e instanceof BugCheck) return e.code;
    throw e;
  }
  return 0;
}

describe('faulty variants of mapped-file', () => {
  it(`${neverUnlocks.name} (${neverUnlocks.breaksRule}) leaves the view locked: process exit stops the machine with 0xCB`, () => {
    const { app, fill } = start(neverUnlocks);
    const view = app.mapFile('capture.dat', MiB);
    assert.equal(fill(view, MiB).status, STATUS.SUCCESS);
    assert.equal(stopCode(() => app.exit()), 0xcb);
  });

  it(`${unlocksEarly.name} (${unlocksEarly.breaksRule}) lets memory pressure take the view while the device writes`, () => {
    const { machine, app, fill } = start(unlocksEarly);
    const view = app.mapFile('capture.dat', 2 * MiB);
    const r = fill(view, 2 * MiB, true);
    machine.clock.advance(1000);
    machine.mm.applyMemoryPressure('severe');
    assert.equal(stopCode(() => app.waitFor(r)), 0xe6);
    assert.equal(machine.verifier.findings[0]?.id, 'VER-UNLOCKED-DMA');
  });

  it(`${unguarded.name} (${unguarded.breaksRule}) stops the machine on a view the application unmapped`, () => {
    const { app, fill } = start(unguarded);
    const view = app.mapFile('gone.dat', MiB);
    app.free(view);
    assert.equal(stopCode(() => fill(view.address, MiB)), 0x1e);
  });
});
