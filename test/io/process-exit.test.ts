/**
 * Process exit (PAGE-5): the I/O manager closes every handle, cancels and
 * waits for the process's requests, and then the kernel checks that no page
 * of the process is still locked: a driver that left its own lock stops the
 * machine with 0xCB naming it.
 */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { STATUS } from '../../src/machine/ntstatus';
import { PAGE_SIZE } from '../../src/contracts/units';
import { DO_DIRECT_IO } from '../../src/kernel/io/device-object';
import { MachineStopped } from '../../src/kernel/io/io-manager';
import { expectBugCheck } from '../mm/machine-fixture';
import { IOCTL_LOCK_AND_KEEP, IOCTL_PARK, ioBench } from './io-fixture';

describe('process exit', () => {
  it('closes the handles and cancels pending requests, and the process ends cleanly', () => {
    const bench = ioBench({ flags: DO_DIRECT_IO, cancelable: true, cleanup: 'complete-them', completeAfterUs: 1_000 });
    const app = bench.app();
    const handle = app.open('testdrv');
    const read = app.ReadFile(handle, app.allocate(3 * PAGE_SIZE), undefined, { overlapped: true });
    const parked = app.DeviceIoControl(handle, IOCTL_PARK, null, 0, null, 0, { overlapped: true });
    assert.ok(app.process.addressSpace.lockedPages > 0, 'the pending direct read holds locked pages');

    app.exit();

    assert.ok(app.exited);
    assert.ok(read.done && parked.done);
    assert.equal(parked.status, STATUS.CANCELLED);
    assert.equal(bench.machine.kernel.stopped, null);
    assert.equal(bench.io.openFileObjects().length, 0);
    assert.deepEqual(bench.io.findings, []);
  });

  it('a driver that keeps the application\'s pages locked stops the machine with 0xCB naming it', () => {
    const bench = ioBench({ flags: DO_DIRECT_IO });
    const app = bench.app();
    const handle = app.open('testdrv');
    const buffer = app.allocate(2 * PAGE_SIZE);
    const request = app.DeviceIoControl(handle, IOCTL_LOCK_AND_KEEP, null, 0, buffer, buffer.length);
    assert.equal(request.status, STATUS.SUCCESS);

    const bugCheck = expectBugCheck(bench.machine, 0xcb, () => app.exit());

    assert.match(bugCheck.reason, /driver testdrv/);
    assert.equal(bugCheck.parameters[2], bench.state.keptMdls[0]!.id, 'P3 is the MDL');
    assert.equal(bugCheck.parameters[3], 2, 'P4 is the number of pages still locked');
    assert.throws(() => app.open('testdrv'), MachineStopped, 'nothing runs on a stopped machine');
  });
});
