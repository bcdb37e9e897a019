/**
 * Reference driver 6 (mapped-file) through the I/O manager: the device's data
 * reaches a mapped file when the application flushes the view (PAGE-4), the
 * view stays locked in its frames while the device writes even under severe
 * memory pressure (PAGE-1), a bad view address fails the request (PAGE-3),
 * and every lock is undone once (PAGE-5).
 */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { STATUS, statusName } from '../../src/machine/ntstatus';
import { KiB, MiB, PAGE_SIZE } from '../../src/contracts/units';
import { Application, UserBuffer } from '../../src/kernel/io/application';
import { installDriver } from '../../src/personalities/wdm/loader';
import type { DriverModule } from '../../src/personalities/wdm/contract';
import { IOCTL_MAPPED_FILE_FROM_DEVICE, IOCTL_MAPPED_FILE_TO_DEVICE, MAPPED_FILE_STREAM_OFFSET_BYTES, mappedFileInput } from '../../src/conformance/mapped-file-dma/interface';
import { bootSmallMachine } from '../mm/machine-fixture';
import { referenceDriverFor } from './suite-drivers';

const mappedFile = referenceDriverFor('mapped-file-dma');

function start(driver: DriverModule = mappedFile) {
  const machine = bootSmallMachine();
  const installed = installDriver(machine, driver, [machine.bus.functionOf(machine.dmaDevice)]);
  const app = new Application(machine.io, 'app');
  const handle = app.open(`${driver.name}#0`);
  const transfer = (code: number, view: UserBuffer | number, length: number, streamOffset: number, overlapped = false) => {
    const input = app.allocate(MAPPED_FILE_STREAM_OFFSET_BYTES);
    app.writeBytes(input, mappedFileInput(streamOffset));
    return app.DeviceIoControl(handle, code, input, undefined, view, length, { overlapped });
  };
  return { machine, installed, app, handle, transfer, device: machine.dmaDevice };
}

describe('mapped-file', () => {
  it('the device writes an empty file\'s view; the file holds the data after the flush, not before (PAGE-4)', () => {
    const { machine, installed, app, handle, transfer, device } = start();
    const size = 3 * MiB + 5 * KiB;
    const view = app.mapFile('capture.dat', size);
    const file = machine.mm.files.get('capture.dat')!;
    const r = transfer(IOCTL_MAPPED_FILE_FROM_DEVICE, view, size, 4096);
    assert.equal(r.status, STATUS.SUCCESS, r.describe());
    assert.equal(r.information, size);
    assert.equal(app.firstPatternMismatch(view, device.pattern, 4096), null, 'the view holds the device\'s data');
    assert.notDeepEqual(file.read(0, 64), device.pattern.expected(4096, 64), 'the file does not, yet');
    assert.ok(app.flush(view) > 0);
    assert.deepEqual(file.read(0, size), device.pattern.expected(4096, size), 'after the flush it does');
    app.CloseHandle(handle);
    app.exit();
    machine.io.unloadDriver(installed.driverObject);
    assert.equal(machine.kernel.stopped, null);
    assert.deepEqual(machine.io.findings, []);
    assert.deepEqual(machine.verifier.findings, []);
    assert.equal(machine.kernel.mdl.liveMdls(mappedFile.name).length, 0);
  });

  it('the device reads a file with contents through its view: locking reads the pages from the file (PAGE-4)', () => {
    const { machine, app, transfer, device } = start();
    const size = 256 * KiB;
    const view = app.mapFile('source.dat', size, device.pattern.expected(0, size));
    const file = machine.mm.files.get('source.dat')!;
    const readsBefore = file.reads;
    const r = transfer(IOCTL_MAPPED_FILE_TO_DEVICE, view, size, 0);
    assert.equal(r.status, STATUS.SUCCESS, r.describe());
    assert.equal(file.reads - readsBefore, size / PAGE_SIZE, 'every page was read from the file when it was locked');
    assert.equal(device.checker.bytesChecked, size);
    assert.equal(device.checker.mismatchCount, 0);
  });

  it('the view stays in its frames while the device writes, through severe memory pressure (PAGE-1)', () => {
    const { machine, app, transfer, device } = start();
    const size = 2 * MiB;
    const view = app.mapFile('capture.dat', size);
    const r = transfer(IOCTL_MAPPED_FILE_FROM_DEVICE, view, size, 0, true);
    assert.equal(r.done, false);
    machine.clock.advance(1000);
    const report = machine.mm.applyMemoryPressure('severe');
    assert.ok(report.keptLocked >= size / PAGE_SIZE, 'the locked view pages were kept');
    app.waitFor(r);
    assert.equal(r.status, STATUS.SUCCESS);
    assert.deepEqual(machine.verifier.findings, []);
    app.flush(view);
    assert.deepEqual(machine.mm.files.get('capture.dat')!.read(0, size), device.pattern.expected(0, size));
  });

  it('a view the application already unmapped fails the request with the probe\'s status, and nothing stays locked (PAGE-3)', () => {
    const { machine, app, transfer } = start();
    const view = app.mapFile('gone.dat', 64 * KiB);
    app.free(view);
    const r = transfer(IOCTL_MAPPED_FILE_FROM_DEVICE, view.address, view.length, 0);
    assert.equal(statusName(r.status), 'STATUS_ACCESS_VIOLATION');
    assert.equal(machine.kernel.mdl.liveMdls(mappedFile.name).length, 0);
    assert.equal(machine.kernel.stopped, null);
  });

  it('requests still queued at cleanup are cancelled and their views unlocked (PAGE-5)', () => {
    const { machine, app, handle, transfer } = start();
    const views = [0, 1, 2].map((i) => app.mapFile(`f${i}.dat`, MiB));
    const requests = views.map((v, i) => transfer(IOCTL_MAPPED_FILE_FROM_DEVICE, v, MiB, i * MiB, true));
    app.CloseHandle(handle);
    assert.ok(requests.every((r) => r.done));
    assert.ok(requests.some((r) => r.status === STATUS.CANCELLED));
    app.exit(); // a page left locked would stop the machine with 0xCB
    assert.equal(machine.kernel.stopped, null);
    assert.equal(machine.kernel.mdl.liveMdls(mappedFile.name).length, 0);
  });
});
