/**
 * Pending requests, cancellation and cleanup: an overlapped request finishes
 * when the driver completes it from a clock event and sets the application's
 * event; closing a handle sends cleanup, which must complete or cancel the
 * handle's requests; what the driver leaves the I/O manager cancels and
 * records; a driver that never completes is reported by name.
 */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { STATUS } from '../../src/machine/ntstatus';
import { DO_BUFFERED_IO, DO_DIRECT_IO } from '../../src/kernel/io/device-object';
import { DriverHang } from '../../src/kernel/io/driver-hang';
import { IOCTL_PARK, ioBench } from './io-fixture';

describe('pending requests', () => {
  it('a pending request completes in a later clock event and sets the application\'s event', () => {
    const bench = ioBench({ flags: DO_BUFFERED_IO, completeAfterUs: 40 });
    const app = bench.app();
    const handle = app.open('testdrv');
    const buffer = app.allocate(64);
    const issuedAt = bench.machine.clock.now;

    const request = app.ReadFile(handle, buffer, undefined, { overlapped: true });

    assert.equal(request.status, STATUS.PENDING);
    assert.equal(request.event.signaled, false);
    assert.equal(bench.io.outstandingRequests('testdrv').length, 1);
    app.waitFor(request);
    assert.equal(request.event.signaled, true);
    assert.equal(request.status, STATUS.SUCCESS);
    assert.ok(request.completedAtNs! - issuedAt >= 40_000, 'it finished after the driver\'s 40 us timer');
    assert.equal(bench.io.outstandingRequests().length, 0);
    assert.deepEqual(bench.io.findings, []);
  });

  it('a synchronous request on a pending driver waits for it', () => {
    const bench = ioBench({ flags: DO_DIRECT_IO, completeAfterUs: 10 });
    const app = bench.app();
    const handle = app.open('testdrv');
    const request = app.ReadFile(handle, app.allocate(100));
    assert.equal(request.done, true);
    assert.equal(request.status, STATUS.SUCCESS);
  });

  it('returning STATUS_PENDING without IoMarkIrpPending is recorded', () => {
    const bench = ioBench({ flags: DO_BUFFERED_IO, completeAfterUs: 10, forgetMarkPending: true });
    const app = bench.app();
    const handle = app.open('testdrv');
    app.ReadFile(handle, app.allocate(16));
    assert.deepEqual(bench.io.findings.map((f) => f.kind), ['pending-not-marked']);
    assert.equal(bench.io.findings[0]!.driver, 'testdrv');
  });

  it('CancelIo cancels a request in a cancel-safe queue: it finishes with STATUS_CANCELLED', () => {
    const bench = ioBench({ flags: DO_BUFFERED_IO, cancelable: true, cleanup: 'complete-them' });
    const app = bench.app();
    const handle = app.open('testdrv');
    const request = app.DeviceIoControl(handle, IOCTL_PARK, null, 0, null, 0, { overlapped: true });
    assert.equal(request.done, false);

    assert.equal(app.CancelIo(handle), STATUS.SUCCESS);
    app.waitFor(request);

    assert.equal(request.status, STATUS.CANCELLED);
    assert.deepEqual(bench.io.findings, []);
  });
});

describe('closing a handle', () => {
  it('cleanup that completes the handle\'s requests leaves no finding', () => {
    const bench = ioBench({ flags: DO_BUFFERED_IO, cancelable: true, cleanup: 'complete-them' });
    const app = bench.app();
    const handle = app.open('testdrv');
    const parked = [1, 2, 3].map(() => app.DeviceIoControl(handle, IOCTL_PARK, null, 0, null, 0, { overlapped: true }));

    assert.equal(app.CloseHandle(handle), STATUS.SUCCESS);

    for (const r of parked) assert.equal(r.status, STATUS.CANCELLED);
    assert.deepEqual(bench.io.findings, []);
    assert.equal(bench.io.openFileObjects().length, 0);
  });

  it('cleanup that ignores pending requests is recorded, and the I/O manager cancels them', () => {
    const bench = ioBench({ flags: DO_BUFFERED_IO, cancelable: true, cleanup: 'ignore' });
    const app = bench.app();
    const handle = app.open('testdrv');
    const parked = [1, 2].map(() => app.DeviceIoControl(handle, IOCTL_PARK, null, 0, null, 0, { overlapped: true }));

    app.CloseHandle(handle);

    assert.equal(bench.io.findings.length, 1);
    const finding = bench.io.findings[0]!;
    assert.equal(finding.kind, 'cleanup-left-requests-pending');
    assert.equal(finding.driver, 'testdrv');
    assert.deepEqual(finding.irpIds, parked.map((r) => r.irp!.id));
    for (const r of parked) assert.equal(r.status, STATUS.CANCELLED, 'cancelled through the cancel-safe queue');
  });

  it('a request already in progress may finish by itself after cleanup: no finding', () => {
    const bench = ioBench({ flags: DO_DIRECT_IO, completeAfterUs: 300, cancelable: false, cleanup: 'ignore' });
    const app = bench.app();
    const handle = app.open('testdrv');
    const read = app.ReadFile(handle, app.allocate(4096), undefined, { overlapped: true });

    assert.equal(app.CloseHandle(handle), STATUS.SUCCESS);

    assert.equal(read.status, STATUS.SUCCESS, 'the driver finished the transfer it had started');
    assert.deepEqual(bench.io.findings, []);
  });

  it('requests the driver works through one at a time are in progress, however long the queue takes after cleanup: no finding', () => {
    // Four requests of 0.4 s each: the last finishes 1.6 s after cleanup, past one grace period, but one finishes in every period.
    const bench = ioBench({ flags: DO_DIRECT_IO, completeAfterUs: 400_000, oneAtATime: true, cancelable: false, cleanup: 'ignore' });
    const app = bench.app();
    const handle = app.open('testdrv');
    const reads = [0, 1, 2, 3].map(() => app.ReadFile(handle, app.allocate(4096), undefined, { overlapped: true }));

    assert.equal(app.CloseHandle(handle), STATUS.SUCCESS);

    for (const r of reads) assert.equal(r.status, STATUS.SUCCESS);
    assert.deepEqual(bench.io.findings, []);
  });

  it('a driver that ignores cleanup and never lets its requests be cancelled is reported as hung, by name', () => {
    const bench = ioBench({ flags: DO_BUFFERED_IO, cancelable: false, cleanup: 'ignore' });
    const app = bench.app();
    const handle = app.open('testdrv');
    app.DeviceIoControl(handle, IOCTL_PARK, null, 0, null, 0, { overlapped: true });

    assert.throws(() => app.CloseHandle(handle), (e: unknown) => {
      assert.ok(e instanceof DriverHang, String(e));
      assert.equal(e.driverName, 'testdrv');
      assert.match(e.message, /has no cancel routine/);
      return true;
    });
    assert.equal(bench.io.findings[0]?.kind, 'cleanup-left-requests-pending');
  });

  it('a handle can be closed only once; I/O on it afterwards fails with STATUS_INVALID_HANDLE', () => {
    const bench = ioBench({ flags: DO_BUFFERED_IO });
    const app = bench.app();
    const handle = app.open('testdrv');
    assert.equal(app.CloseHandle(handle), STATUS.SUCCESS);
    assert.equal(app.CloseHandle(handle), 0xc0000008);
    assert.equal(app.ReadFile(handle, app.allocate(8)).status, 0xc0000008);
  });
});

describe('waiting for a driver that never completes', () => {
  it('waitFor reports the driver by name instead of looping', () => {
    const bench = ioBench({ flags: DO_BUFFERED_IO, completeAfterUs: 5, neverComplete: true });
    const app = bench.app();
    const handle = app.open('testdrv');
    const request = app.ReadFile(handle, app.allocate(8), undefined, { overlapped: true });
    assert.throws(() => app.waitFor(request), (e: unknown) => e instanceof DriverHang && e.driverName === 'testdrv' && /request #\d+ \(read/.test(e.message));
  });
});
