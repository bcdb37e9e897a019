/**
 * The checks the storage-forward-progress scenarios rely on, against the
 * reference driver and its faulty variants: pool that runs out for everyone
 * (pages given back are taken again), the forward-progress oracle (SG-5,
 * SG-4) and the mapping accounting (scatter/gather lists, SG-3; adapter
 * channels and map registers).
 */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { MiB } from '../../src/contracts/units';
import { forwardProgressOracle } from '../../src/oracles/forward-progress-oracle';
import { mappingAccounting, mappingsHandedOut } from '../../src/oracles/mapping-accounting';
import { exhaustNonPagedPool, poolIsExhausted, releaseNonPagedPool } from '../../src/workload/pool-exhaustion';
import { failCalls } from '../../src/workload/machine-events';
import { workloadWithApplication } from '../workload/workload-fixture';
import { DISPATCH_LEVEL } from '../../src/machine/irql';
import { violationEntry } from '../../src/kernel/verifier/violation-catalog';
import type { MapRegisterBase } from '../../src/kernel/hal/map-registers';
import { faultyDriverFor, referenceDriverFor } from './suite-drivers';

const storage = referenceDriverFor('storage-forward-progress');
const noReserve = faultyDriverFor('storage-forward-progress', 'no-reserve');
const sizedByGuess = faultyDriverFor('storage-forward-progress', 'reserve-sized-by-guess');

describe('pool exhaustion', () => {
  it('takes every page that is left and keeps taking the ones given back, until released', () => {
    const { workload, app } = workloadWithApplication({}, storage);
    const pool = workload.machine.mm.nonPagedPool;
    assert.ok(exhaustNonPagedPool(workload) > 0);
    assert.equal(poolIsExhausted(workload), true);
    assert.equal(pool.hasRoom(1), false);
    assert.equal(workload.machine.mm.ExAllocatePoolWithTag('NonPagedPool', 1, 'Test'), null);
    releaseNonPagedPool(workload);
    assert.equal(poolIsExhausted(workload), false);
    const va = workload.machine.mm.ExAllocatePoolWithTag('NonPagedPool', 1, 'Test');
    assert.notEqual(va, null, 'pool has room again');
    workload.machine.mm.ExFreePoolWithTag(va!, 'Test');
    assert.ok(app.read(app.allocate(MiB)).request.succeeded);
  });
});

describe('the forward-progress oracle', () => {
  function underExhaustion(driver: typeof storage) {
    const { workload, app } = workloadWithApplication({}, driver);
    const reads = [0, 1, 2].map((i) => app.read(app.allocate(3 * MiB, 1 + i), { overlapped: true }));
    exhaustNonPagedPool(workload);
    workload.perform('waiting', () => app.waitForAll());
    return { workload, reads };
  }

  it('finds nothing when the reference driver finishes every request after pool ran out', () => {
    const { workload, reads } = underExhaustion(storage);
    assert.ok(reads.every((r) => r.request.succeeded));
    assert.deepEqual(forwardProgressOracle(workload), []);
  });

  it('names SG-5 for a request failed for lack of resources', () => {
    const { workload } = underExhaustion(noReserve);
    const findings = forwardProgressOracle(workload);
    assert.ok(findings.length > 0);
    assert.ok(findings.every((f) => f.rule === 'SG-5' && /STATUS_INSUFFICIENT_RESOURCES/.test(f.message)));
  });

  it('names SG-4 for a list that did not fit the reserve', () => {
    const { workload, app } = workloadWithApplication({}, sizedByGuess);
    failCalls(workload, 'ExAllocatePoolWithTag:NonPagedPool', 'driver');
    workload.perform('an unaligned read of 2 MiB', () => app.read(app.allocate(2 * MiB, 7)));
    assert.deepEqual(forwardProgressOracle(workload).map((f) => f.rule), ['SG-4']);
  });
});

describe('mapping accounting', () => {
  it('counts the lists the driver got and finds none left once its requests are done', () => {
    const { workload, app } = workloadWithApplication({}, storage);
    failCalls(workload, 'ExAllocatePoolWithTag:NonPagedPool', 'driver', 2);
    for (let i = 0; i < 3; i++) app.read(app.allocate(MiB + i, i), { overlapped: true });
    assert.ok(mappingAccounting(workload).some((f) => /still outstanding/.test(f.message)), 'requests in flight are reported, not counted');
    workload.perform('waiting', () => app.waitForAll());
    assert.ok(mappingsHandedOut(workload) >= 3);
    assert.deepEqual(mappingAccounting(workload), []);
  });

  it('counts an adapter channel granted as a mapping, and finds its map registers while the driver keeps them', () => {
    const { workload } = workloadWithApplication({}, storage);
    const { machine, driverName } = workload;
    const adapter = machine.hal.liveAdapters(driverName)[0]!;
    const before = mappingsHandedOut(workload);
    let kept: MapRegisterBase | null = null;
    const inDriverAtDispatch = (fn: () => void) => machine.cpu.inDriver(driverName, () => machine.cpu.atIrql(DISPATCH_LEVEL, fn));
    inDriverAtDispatch(() => adapter.DmaOperations.AllocateAdapterChannel(adapter, {}, 1, (_d, _i, base) => {
      kept = base;
      return 'DeallocateObjectKeepRegisters';
    }, null));
    assert.equal(mappingsHandedOut(workload), before + 1);
    assert.deepEqual(mappingAccounting(workload).map((f) => f.rule), [violationEntry('VER-ADAPTER-RELEASED-WITH-MAP-REGISTERS').rule]);
    inDriverAtDispatch(() => adapter.DmaOperations.FreeMapRegisters(adapter, kept!, 1));
    assert.deepEqual(mappingAccounting(workload), []);
  });
});
