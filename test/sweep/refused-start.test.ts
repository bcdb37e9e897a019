/**
 * A start the driver refuses because a call failed is a correct answer; what
 * it leaves behind is not. The sweep removes the device and unloads the
 * driver as the PnP manager would, then counts what is left.
 */
import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { DriverModule, KernelApi, NT_SUCCESS, STATUS } from '../../src/personalities/wdm/contract';
import { loadDriverModule } from '../../src/personalities/wdm/loader';
import { protocolFor } from '../../src/conformance/classes';
import { rulesOf } from '../../src/oracles/oracle-finding';
import { pointOfCallSite } from '../../src/sweep/call-site';
import { runSweepPlan } from '../../src/sweep/sweep-run';
import { sweepClass } from '../../src/sweep/systematic-sweep';

const ROOT = path.resolve(__dirname, '..', '..');
const directIo = loadDriverModule('src/conformance/read-write-direct/reference.ts', ROOT);
const readWrite = protocolFor('read-write-direct')!;

/** The direct-I/O driver with a pool allocation of its own in StartDevice, freed by RemoveDevice only when the start succeeded. */
function leaksWhenStartFails(): DriverModule {
  let kernel: KernelApi | null = null;
  const held = new Map<object, number>();
  return {
    ...directIo,
    name: 'start-leaks-pool',
    DriverEntry: (object, k) => {
      kernel = k;
      return directIo.DriverEntry(object, k);
    },
    StartDevice: (fdo, resources) => {
      const va = kernel!.ExAllocatePoolWithTag('NonPagedPool', 64, 'Leak');
      if (va === null) return STATUS.INSUFFICIENT_RESOURCES;
      const status = directIo.StartDevice(fdo, resources);
      if (NT_SUCCESS(status)) held.set(fdo, va);
      return status;
    },
    RemoveDevice: (fdo) => {
      const va = held.get(fdo);
      if (va !== undefined) kernel!.ExFreePoolWithTag(va, 'Leak');
      held.delete(fdo);
      directIo.RemoveDevice!(fdo);
    },
  };
}

describe('a refused start', () => {
  it('is no finding when the driver cleans up, whichever start call failed', () => {
    const sweep = sweepClass(directIo, readWrite);
    const atStart = sweep.runs.filter((r) => r.injected.some((i) => i.duringStart));
    assert.ok(atStart.length >= 2, 'the direct-I/O driver gets an adapter and a common buffer while it starts');
    for (const run of atStart) assert.deepEqual(run.findings, []);
  });

  it('is a finding when the driver leaves its pool behind, and only then', () => {
    const leaky = leaksWhenStartFails();
    const sweep = sweepClass(leaky, readWrite);
    const clean = sweep.runs.find((r) => r.injected.length === 0)!;
    assert.deepEqual(clean.findings, [], 'the driver frees its pool when its device is removed');
    assert.ok(sweep.failures.length > 0);
    for (const run of sweep.failures) {
      assert.ok(run.injected[0]!.duringStart);
      assert.notEqual(pointOfCallSite(run.injected[0]!.site), 'ExAllocatePoolWithTag:NonPagedPool', 'the start that got no pool holds none');
      assert.deepEqual(rulesOf(run.findings), ['CONT-4']);
      assert.match(run.findings[0]!.message, /1 pool allocation\(s\) of driver start-leaks-pool were never freed after its start failed/);
    }
    // The same runs of the reference driver leave nothing.
    for (const run of sweep.failures) assert.deepEqual(runSweepPlan(directIo, readWrite, run.plan).findings, []);
  });
});
