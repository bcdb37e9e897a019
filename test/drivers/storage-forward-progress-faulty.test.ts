/**
 * The faulty variants of reference driver 4 fail the way their declared rule
 * says, under the load the reference driver passes: every pool allocation of
 * the driver fails while several maximum-length, unaligned reads are issued.
 */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { BugCheck } from '../../src/machine/bug-check';
import { STATUS, statusName } from '../../src/machine/ntstatus';
import { Application } from '../../src/kernel/io/application';
import { DriverHang } from '../../src/kernel/io/driver-hang';
import { IoRequest } from '../../src/kernel/io/io-request';
import { installDriver } from '../../src/personalities/wdm/loader';
import type { DriverModule } from '../../src/personalities/wdm/contract';
import { STORAGE_MAXIMUM_TRANSFER } from '../../src/conformance/storage-forward-progress/interface';
import { bootSmallMachine } from '../mm/machine-fixture';
import { faultyDriverFor } from './suite-drivers';

const noReserve = faultyDriverFor('storage-forward-progress', 'no-reserve');
const sizedByGuess = faultyDriverFor('storage-forward-progress', 'reserve-sized-by-guess');
const neverRestarted = faultyDriverFor('storage-forward-progress', 'waiting-never-restarted');
const listNotPut = faultyDriverFor('storage-forward-progress', 'reserve-list-not-put');

/** Four unaligned reads of the longest transfer while every pool allocation of the driver fails. */
function underPoolFailure(driver: DriverModule): { requests: IoRequest[]; waited: () => void; machine: ReturnType<typeof bootSmallMachine> } {
  const machine = bootSmallMachine();
  installDriver(machine, driver, [machine.bus.functionOf(machine.dmaDevice)]);
  const app = new Application(machine.io, 'app');
  const handle = app.open(`${driver.name}#0`);
  machine.kernel.faults.add({ point: 'ExAllocatePoolWithTag:NonPagedPool', mode: { kind: 'every' }, callSite: driver.name });
  const requests = Array.from({ length: 4 }, (_, i) =>
    app.ReadFile(handle, app.allocate(STORAGE_MAXIMUM_TRANSFER, { offset: 1 + i }), undefined, { overlapped: true, byteOffset: i * STORAGE_MAXIMUM_TRANSFER }));
  return { requests, machine, waited: () => requests.forEach((r) => app.waitFor(r)) };
}

describe('faulty variants of storage-forward-progress', () => {
  it(`${noReserve.name} (${noReserve.breaksRule}) fails requests for lack of resources`, () => {
    const { requests, waited } = underPoolFailure(noReserve);
    waited();
    assert.ok(requests.every((r) => r.status === STATUS.INSUFFICIENT_RESOURCES), requests.map((r) => r.describe()).join('\n'));
  });

  it(`${sizedByGuess.name} (${sizedByGuess.breaksRule}) fails an unaligned maximum-length request with STATUS_BUFFER_TOO_SMALL`, () => {
    const { requests, waited } = underPoolFailure(sizedByGuess);
    waited();
    assert.deepEqual(requests.map((r) => statusName(r.status)), requests.map(() => 'STATUS_BUFFER_TOO_SMALL'));
  });

  it(`${neverRestarted.name} (${neverRestarted.breaksRule}) leaves a queued request waiting: the hang guard reports the driver`, () => {
    const { requests, waited } = underPoolFailure(neverRestarted);
    assert.throws(waited, (e: unknown) => e instanceof DriverHang && e.message.includes(neverRestarted.name));
    assert.equal(requests[0]!.status, STATUS.SUCCESS, 'the request in the reserve completes');
    assert.equal(requests[1]!.done, false);
  });

  it(`${listNotPut.name} (${listNotPut.breaksRule}) builds into a reserve that still holds a list: the verifier stops the machine`, () => {
    const { machine, waited } = underPoolFailure(listNotPut);
    assert.throws(waited, (e: unknown) => e instanceof BugCheck && e.code === 0xe6);
    assert.equal(machine.verifier.findings[0]?.id, 'VER-SG-BUFFER-IN-USE');
  });
});
