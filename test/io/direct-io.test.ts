/**
 * Direct I/O (MDL-4): for a DO_DIRECT_IO device the I/O manager builds
 * Irp.MdlAddress for the application's buffer and locks it before the
 * dispatch routine runs, unlocks it when the driver completes the IRP, and
 * frees it when the request finishes.
 */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { STATUS } from '../../src/machine/ntstatus';
import { PAGE_SIZE } from '../../src/contracts/units';
import { DO_DIRECT_IO } from '../../src/kernel/io/device-object';
import { MDL_PAGES_LOCKED } from '../../src/kernel/mm/mdl';
import { deviceBytes, ioBench } from './io-fixture';

describe('direct I/O', () => {
  it('a read locks the buffer into Irp.MdlAddress for the driver, then unlocks and frees it', () => {
    const bench = ioBench({ flags: DO_DIRECT_IO });
    const { machine, state } = bench;
    const app = bench.app();
    const handle = app.open('testdrv');
    const buffer = app.allocate(3 * PAGE_SIZE + 100, { offset: 4000 });
    const mdlsBefore = machine.kernel.mdl.liveMdls().length;

    const request = app.ReadFile(handle, buffer);

    assert.equal(request.status, STATUS.SUCCESS, request.describe());
    assert.equal(request.information, buffer.length);
    assert.equal(state.mdlSeen.length, 1);
    const seen = state.mdlSeen[0]!;
    assert.ok(seen.mdl, 'the driver got an MDL in Irp.MdlAddress');
    assert.ok(seen.locked, 'the MDL was locked when the dispatch routine ran');
    assert.equal(seen.mdl.ByteOffset, (buffer.address % PAGE_SIZE), 'the MDL starts at the buffer, unaligned offset included');
    assert.equal(seen.mdl.ByteCount, buffer.length);
    assert.equal(seen.pfns.length, 5, '3 pages and 100 bytes starting 4000 bytes into a page span 5 pages');
    assert.ok(seen.mdl.freed, 'the I/O manager freed the MDL when the request finished');
    assert.equal(seen.mdl.MdlFlags & MDL_PAGES_LOCKED, 0, 'the pages were unlocked');
    for (const pfn of seen.pfns) assert.equal(machine.physical.lockCount[pfn], 0, `frame ${pfn} is no longer locked`);
    assert.equal(machine.kernel.mdl.liveMdls().length, mdlsBefore, 'no MDL is left behind');
    assert.equal(app.process.addressSpace.lockedPages, 0);
    assert.deepEqual(app.readBytes(buffer), deviceBytes(0, buffer.length), 'the data the driver wrote through the MDL is in the buffer');
  });

  it('a write hands the driver the application\'s bytes through the MDL', () => {
    const bench = ioBench({ flags: DO_DIRECT_IO });
    const app = bench.app();
    const handle = app.open('testdrv');
    const buffer = app.allocate(5000, { offset: 7 });
    const data = Uint8Array.from({ length: 5000 }, (_, i) => (i * 13) & 0xff);
    app.writeBytes(buffer, data);

    const request = app.WriteFile(handle, buffer);

    assert.equal(request.status, STATUS.SUCCESS);
    assert.equal(request.information, 5000);
    assert.deepEqual(bench.state.written[0], data);
  });

  it('the pages stay locked while the request is pending and are unlocked when the driver completes it', () => {
    const bench = ioBench({ flags: DO_DIRECT_IO, completeAfterUs: 50, cancelable: true });
    const app = bench.app();
    const handle = app.open('testdrv');
    const buffer = app.allocate(2 * PAGE_SIZE);

    const request = app.ReadFile(handle, buffer, undefined, { overlapped: true });

    assert.equal(request.status, STATUS.PENDING);
    assert.equal(request.done, false);
    const { pfns } = bench.state.mdlSeen[0]!;
    for (const pfn of pfns) assert.equal(bench.machine.physical.lockCount[pfn], 1, 'locked while pending');
    bench.machine.mm.applyMemoryPressure('severe');
    for (const pfn of pfns) assert.equal(bench.machine.physical.lockCount[pfn], 1, 'memory pressure does not take locked pages');

    app.waitFor(request);

    assert.equal(request.status, STATUS.SUCCESS);
    for (const pfn of pfns) assert.equal(bench.machine.physical.lockCount[pfn], 0);
    assert.deepEqual(app.readBytes(buffer), deviceBytes(0, buffer.length));
  });

  it('a failed probe fails the request with the raised status and leaves nothing locked or allocated', () => {
    const bench = ioBench({ flags: DO_DIRECT_IO });
    const app = bench.app();
    const handle = app.open('testdrv');
    const buffer = app.allocate(PAGE_SIZE);
    const live = bench.machine.kernel.mdl.liveMdls().length;
    const pool = bench.machine.mm.nonPagedPool.usedPages;

    const request = app.ReadFile(handle, buffer.address, 3 * PAGE_SIZE);

    assert.equal(request.status, STATUS.ACCESS_VIOLATION, 'the buffer runs past its allocation');
    assert.equal(bench.state.mdlSeen.length, 0, 'the driver never saw the request');
    assert.equal(bench.machine.kernel.mdl.liveMdls().length, live);
    assert.equal(bench.machine.mm.nonPagedPool.usedPages, pool);
    assert.equal(app.process.addressSpace.lockedPages, 0);
  });

  it('a low-resource failure of IoAllocateMdl fails the request with STATUS_INSUFFICIENT_RESOURCES', () => {
    const bench = ioBench({ flags: DO_DIRECT_IO });
    const app = bench.app();
    const handle = app.open('testdrv');
    const buffer = app.allocate(PAGE_SIZE);
    bench.machine.kernel.faults.add({ point: 'IoAllocateMdl', mode: { kind: 'every' } });

    const request = app.ReadFile(handle, buffer);

    assert.equal(request.status, STATUS.INSUFFICIENT_RESOURCES);
    assert.equal(bench.state.mdlSeen.length, 0);
  });

  it('a zero-length read reaches the driver with no MDL', () => {
    const bench = ioBench({ flags: DO_DIRECT_IO });
    const app = bench.app();
    const handle = app.open('testdrv');
    const buffer = app.allocate(PAGE_SIZE);

    const request = app.ReadFile(handle, buffer, 0);

    assert.equal(request.status, STATUS.SUCCESS);
    assert.equal(bench.state.mdlSeen[0]!.mdl, null);
  });
});
