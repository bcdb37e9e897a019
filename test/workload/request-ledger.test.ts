/**
 * The request ledger: what a finished request may end in, given what it was
 * expected to do and what disturbed it while it was outstanding.
 */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { IoRequest } from '../../src/kernel/io/io-request';
import type { Process } from '../../src/kernel/io/process';
import { STATUS } from '../../src/machine/ntstatus';
import { RequestLedger, unmetExpectation } from '../../src/workload/request-ledger';

const process = { name: 'app.exe' } as Process;

function finished(status: number, information: number): IoRequest {
  const r = new IoRequest(1, 'read', process, 'drv', 4096, 0);
  r.status = status;
  r.information = information;
  r.done = true;
  return r;
}

describe('what a request may end in', () => {
  it('an undisturbed request must succeed with its full length', () => {
    const ledger = new RequestLedger();
    assert.equal(unmetExpectation(ledger.track(finished(STATUS.SUCCESS, 4096), 'read', { kind: 'success', length: 4096 }, 'MDL-4')), null);
    assert.match(unmetExpectation(ledger.track(finished(STATUS.SUCCESS, 4000), 'short read', { kind: 'success', length: 4096 }, 'MDL-4'))!, /succeeded with 4000 byte\(s\) instead of 4096/);
    assert.match(unmetExpectation(ledger.track(finished(STATUS.CANCELLED, 0), 'cancelled read', { kind: 'success', length: 4096 }, 'MDL-4'))!, /ended in STATUS_CANCELLED .*expected STATUS_SUCCESS$/);
  });

  it('a request overtaken by a handle close may be cancelled, but not fail otherwise', () => {
    const ledger = new RequestLedger();
    const cancelled = ledger.track(finished(STATUS.CANCELLED, 0), 'read', { kind: 'success', length: 4096 }, 'PAGE-5');
    cancelled.disturbances.add('handle-closed');
    assert.equal(unmetExpectation(cancelled), null);
    const failed = ledger.track(finished(STATUS.IO_DEVICE_ERROR, 0), 'read', { kind: 'success', length: 4096 }, 'PAGE-5');
    failed.disturbances.add('handle-closed');
    assert.match(unmetExpectation(failed)!, /STATUS_IO_DEVICE_ERROR with 0 byte\(s\) \(while handle-closed\); expected STATUS_SUCCESS or STATUS_CANCELLED/);
  });

  it('failing allocations allow STATUS_INSUFFICIENT_RESOURCES, device faults a device error', () => {
    const ledger = new RequestLedger();
    const starved = ledger.track(finished(STATUS.INSUFFICIENT_RESOURCES, 0), 'read', { kind: 'success', length: 4096 }, 'SG-3');
    assert.notEqual(unmetExpectation(starved), null);
    starved.disturbances.add('resources-failing');
    assert.equal(unmetExpectation(starved), null);
    const faulted = ledger.track(finished(STATUS.IO_DEVICE_ERROR, 0), 'read', { kind: 'success', length: 4096 }, 'DEV-3');
    faulted.disturbances.add('device-fault');
    assert.equal(unmetExpectation(faulted), null);
  });

  it('hostile input must fail, and a request that never finished is reported', () => {
    const ledger = new RequestLedger();
    assert.match(unmetExpectation(ledger.track(finished(STATUS.SUCCESS, 4096), 'kernel read', { kind: 'error', why: 'a kernel address' }, 'PAGE-3'))!, /a kernel address must get an error status/);
    assert.equal(unmetExpectation(ledger.track(finished(STATUS.ACCESS_VIOLATION, 0), 'kernel read', { kind: 'error', why: 'a kernel address' }, 'PAGE-3')), null);
    const pending = new IoRequest(2, 'read', process, 'drv', 1, 0);
    assert.match(unmetExpectation(ledger.track(pending, 'stuck read', { kind: 'success', length: 1 }, 'MDL-4'))!, /never finished/);
  });

  it('disturbing marks only outstanding requests, of the process asked for', () => {
    const ledger = new RequestLedger();
    const done = ledger.track(finished(STATUS.SUCCESS, 1), 'done', { kind: 'success', length: 1 }, 'MDL-4');
    const open = ledger.track(new IoRequest(3, 'read', process, 'drv', 1, 0), 'open', { kind: 'success', length: 1 }, 'MDL-4');
    ledger.disturb('process-exited');
    assert.deepEqual([...done.disturbances], []);
    assert.deepEqual([...open.disturbances], ['process-exited']);
    assert.deepEqual(ledger.outstanding(), [open]);
  });
});
