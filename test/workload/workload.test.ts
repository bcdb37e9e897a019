/**
 * The workload engine: applications drive the driver under test; a stop
 * ends the workload and is recorded rather than thrown; finished reads are
 * checked against the device's stream; hostile input and machine events are
 * tracked with the outcome the rules allow.
 */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { BugCheck } from '../../src/machine/bug-check';
import { STATUS, statusName } from '../../src/machine/ntstatus';
import { MiB } from '../../src/contracts/units';
import { failCalls, failListBuilds, injectDeviceFault, restoreCalls } from '../../src/workload/machine-events';
import { guardedKernelBuffer } from '../../src/workload/hostile-input';
import { startWorkload, workloadWithApplication } from './workload-fixture';

describe('running a workload', () => {
  it('reads get a stretch of the stream each and are checked when they finish', () => {
    const { workload, app } = workloadWithApplication();
    const a = app.read(app.allocate(5000, 17));
    const b = app.read(app.allocate(3, 4094));
    assert.equal(a.request.status, STATUS.SUCCESS);
    assert.equal(b.request.information, 3);
    assert.deepEqual(workload.dataChecks.map((c) => c.mismatch), [null, null]);
  });

  it('a read whose buffer no longer holds the stream is recorded as a mismatch', () => {
    const { workload, app } = workloadWithApplication();
    const buffer = app.allocate(8192);
    const tracked = app.read(buffer, { overlapped: true });
    app.waitForAll();
    app.app.writeBytes(buffer, new Uint8Array(10).fill(0xee), 100); // as if the device had written elsewhere
    workload.settle();
    assert.equal(tracked.request.status, STATUS.SUCCESS);
    assert.match(workload.dataChecks[0]!.mismatch!, /^byte 100 of 8192 is 0xee/);
  });

  it('a bug check during an operation ends the workload; later operations are skipped, not run', () => {
    const { workload, app } = workloadWithApplication();
    const value = workload.perform('crashing', () => workload.machine.kernel.crash(new BugCheck(0x4e, 0x9a, 1, 2, 3, 'test stop')));
    assert.equal(value, undefined);
    assert.equal(workload.stop?.kind, 'bug check');
    assert.match(workload.describeStop()!, /while crashing: bug check 0x4E PFN_LIST_CORRUPT/);
    assert.equal(workload.perform('reading', () => app.read(app.allocate(10))), undefined);
    assert.deepEqual(workload.skipped, ['reading']);
  });

  it('an error that is not a stop is a defect of the suite and escapes', () => {
    const workload = startWorkload();
    assert.throws(() => workload.perform('broken step', () => { throw new TypeError('a defect'); }), TypeError);
    assert.equal(workload.stop, null);
  });

  it('hostile input is tracked as a request that must fail, and fails', () => {
    const { workload, app } = workloadWithApplication();
    const guard = guardedKernelBuffer(workload, 8192)!;
    const kernel = app.transferRaw('read', guard.va, 8192, 'a kernel address');
    const freed = app.readFreed(4096);
    const tooShort = app.readPastEnd(12 * 1024);
    for (const t of [kernel, freed, tooShort]) {
      assert.equal(t.expectation.kind, 'error');
      assert.equal(statusName(t.request.status), 'STATUS_ACCESS_VIOLATION', t.label);
    }
  });

  it('failing allocations are a condition: requests issued meanwhile may fail for lack of resources', () => {
    const { workload, app } = workloadWithApplication();
    failCalls(workload, 'GetScatterGatherList', 'driver');
    const starved = app.read(app.allocate(4096));
    assert.equal(statusName(starved.request.status), 'STATUS_INSUFFICIENT_RESOURCES');
    assert.ok(starved.disturbances.has('resources-failing'));
    restoreCalls(workload);
    const fed = app.read(app.allocate(4096));
    assert.equal(fed.request.status, STATUS.SUCCESS);
    assert.equal(fed.disturbances.size, 0);
  });

  it('failed list builds fail the driver\'s next tries of each way to get a list, then lists come again', () => {
    const { workload, app } = workloadWithApplication();
    failListBuilds(workload, 2);
    const first = app.read(app.allocate(4096));
    const second = app.read(app.allocate(4096));
    const third = app.read(app.allocate(4096));
    assert.deepEqual([first, second].map((t) => statusName(t.request.status)), ['STATUS_INSUFFICIENT_RESOURCES', 'STATUS_INSUFFICIENT_RESOURCES']);
    assert.equal(third.request.status, STATUS.SUCCESS);
    assert.throws(() => failListBuilds(workload, 0), /at least once/);
  });

  it('a device fault disturbs the requests in flight, and the reference driver still completes them', () => {
    const { workload, app } = workloadWithApplication();
    injectDeviceFault(workload, 'hang');
    const stuck = app.read(app.allocate(64 * 1024), { overlapped: true });
    app.waitForAll();
    assert.equal(statusName(stuck.request.status), 'STATUS_IO_DEVICE_ERROR');
    assert.ok(stuck.disturbances.has('device-fault'));
  });

  it('closing with requests in flight disturbs them; finishing exits every application and unloads the driver', () => {
    const { workload, app } = workloadWithApplication();
    const inFlight = [1, 2, 3].map(() => app.read(app.allocate(MiB), { overlapped: true }));
    app.close();
    assert.ok(inFlight.every((t) => t.request.done && t.disturbances.has('handle-closed')));
    workload.finish();
    assert.equal(app.exited, true);
    assert.equal(workload.session?.unloaded, true);
    assert.equal(workload.stop, null);
  });
});
