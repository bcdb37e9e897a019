/**
 * The mapped-buffer reference driver gives back its buffer at cleanup even
 * when the I/O manager's IRP allocations fail: closing a handle cannot fail,
 * so the driver still gets IRP_MJ_CLEANUP (the fuzzer's case: every
 * IoAllocateIrp of the I/O manager fails, then the process exits).
 */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { KiB } from '../../src/contracts/units';
import { STATUS } from '../../src/machine/ntstatus';
import { leftoversOracle } from '../../src/oracles/leftovers-oracle';
import { failCalls } from '../../src/workload/machine-events';
import { mappedBufferClientOf } from '../../src/conformance/mapped-buffer-ioctl/application';
import { workloadWithApplication } from '../workload/workload-fixture';
import { referenceDriverFor } from './suite-drivers';

const mappedBuffer = referenceDriverFor('mapped-buffer-ioctl');

describe('the mapped-buffer driver under failing IRP allocations', () => {
  it('frees its buffer and MDLs when the process exits while every IoAllocateIrp of the I/O manager fails', () => {
    const { workload, app } = workloadWithApplication({}, mappedBuffer);
    const client = mappedBufferClientOf(app);
    client.map(64 * KiB);
    assert.ok(client.view, 'the buffer was mapped');
    const pool = () => [...workload.machine.mm.nonPagedPool.allocations.values()].filter((a) => a.driver === workload.driverName).length;
    assert.ok(pool() > 0, 'the driver holds its buffer');

    workload.perform('every IoAllocateIrp of the I/O manager fails', () => failCalls(workload, 'IoAllocateIrp', 'io-manager'));
    const refused = app.app.DeviceIoControl(app.handle!, 0, app.allocate(4), 4, app.allocate(4), 4);
    assert.equal(refused.status, STATUS.INSUFFICIENT_RESOURCES, 'an ordinary request still fails for want of an IRP');
    workload.perform('app.exe exits', () => app.exit());
    workload.finish();

    assert.deepEqual(leftoversOracle(workload), []);
    assert.equal(pool(), 0);
  });
});
