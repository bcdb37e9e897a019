/**
 * What the sweep found in the suite's own drivers, each fixed and kept fixed:
 * the reference drivers and the example driver survive every run of their
 * classes' sweeps, and each fix has its own check here.
 */
import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { loadDriverModule } from '../../src/personalities/wdm/loader';
import { bootConfigFor } from '../../src/workload/boot-variants';
import { protocolFor } from '../../src/conformance/classes';
import { Machine } from '../../src/machine/machine';
import { STATUS } from '../../src/machine/ntstatus';
import { describeFindings } from '../../src/oracles/oracle-finding';
import { SWEEP_MACHINE } from '../../src/sweep/sweep-run';
import { sweepClass } from '../../src/sweep/systematic-sweep';
import { Workload } from '../../src/workload/workload';

const ROOT = path.resolve(__dirname, '..', '..');

describe('the example driver under the sweep', () => {
  it('survives every run with nothing leaked', () => {
    const driver = loadDriverModule('docs/example-driver.ts', ROOT);
    for (const c of driver.conformanceClasses) {
      const sweep = sweepClass(driver, protocolFor(c)!);
      assert.ok(sweep.runs.length > 2);
      assert.deepEqual(sweep.failures.map((r) => describeFindings(r.findings)), []);
    }
  });
});

describe('the storage reference driver when CalculateScatterGatherList fails at start', () => {
  it('refuses to start with the failure instead of allocating a reserve of no bytes', () => {
    const driver = loadDriverModule('src/conformance/storage-forward-progress/reference.ts', ROOT);
    const machine = Machine.boot(bootConfigFor(SWEEP_MACHINE, {}));
    machine.kernel.faults.add({ point: 'CalculateScatterGatherList', mode: { kind: 'nth', n: 1 }, callSite: driver.name });
    const workload = Workload.start(machine, driver);
    assert.equal(machine.kernel.stopped, null, machine.kernel.stopped?.message);
    assert.equal(workload.stop?.kind, 'start failed');
    assert.equal(workload.stop?.kind === 'start failed' ? workload.stop.failure.status : null, STATUS.INSUFFICIENT_RESOURCES);
    assert.equal([...machine.mm.nonPagedPool.allocations.values()].filter((a) => a.driver === driver.name && a.bytes === 0).length, 0);
  });
});
