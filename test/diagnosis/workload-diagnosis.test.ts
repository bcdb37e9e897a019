/** The diagnosis on real workloads: the same symptom, told apart by what the machine shows. */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { stopOracle } from '../../src/oracles/stop-oracle';
import { injectDeviceFault } from '../../src/workload/machine-events';
import { workloadWithApplication } from '../workload/workload-fixture';
import { faultyDriverFor, referenceDriverFor } from '../drivers/suite-drivers';

const claims64Bit = faultyDriverFor('read-write-direct', 'claims-64-bit');
const noTransferTimeout = faultyDriverFor('read-write-direct', 'no-transfer-timeout');
const directIo = referenceDriverFor('read-write-direct');

const GiB = 1024 ** 3;

describe('the diagnosis of a workload', () => {
  it('a driver that waits for an interrupt a hung device never raises, with no timeout, breaks DEV-3', () => {
    const { workload, app } = workloadWithApplication({}, noTransferTimeout);
    workload.perform('the device hangs', () => injectDeviceFault(workload, 'hang'));
    workload.perform('app.exe reads', () => app.read(app.allocate(256 * 1024, 0), { overlapped: true }));
    workload.perform('app.exe waits', () => app.waitForAll());
    const [finding] = stopOracle(workload);
    assert.equal(finding?.rule, 'DEV-3', finding?.message);
    assert.match(finding!.message, /never interrupted, and the driver set no timer/);
  });

  it('the reference driver times the same transfer out and does not hang', () => {
    const { workload, app } = workloadWithApplication({}, directIo);
    workload.perform('the device hangs', () => injectDeviceFault(workload, 'hang'));
    workload.perform('app.exe reads', () => app.read(app.allocate(256 * 1024, 0), { overlapped: true }));
    workload.perform('app.exe waits', () => app.waitForAll());
    assert.deepEqual(stopOracle(workload), []);
  });

  it('a 32-bit device described as 64-bit: the DMA at the truncated address is SG-6, not a locking bug', () => {
    const { workload, app } = workloadWithApplication({ ramBytes: 8 * GiB, dmaDevice: { addressBits: 32, maxTransferLength: 64 * 1024, patternSeed: 1 } }, claims64Bit);
    for (let i = 0; i < 8 && !workload.stop; i++) workload.perform(`app.exe reads ${i}`, () => app.read(app.allocate(4 * 1024 * 1024, 0)));
    const [finding] = stopOracle(workload);
    assert.ok(finding, 'a read above 4 GiB reaches the wrong address and stops the machine');
    assert.equal(finding.rule, 'SG-6', finding.message);
    assert.match(finding.message, /VER-UNLOCKED-DMA/);
  });
});
