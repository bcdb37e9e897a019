/**
 * Every C reference driver of the class folders, built checked (every load
 * and store checked: a NULL dereference, a use after free, a user address or
 * register dereferenced, paged pool touched at DISPATCH_LEVEL), runs its
 * class's standard workload with nothing found: the suite's own C drivers
 * are held to the checked build, not only to the plain one.
 */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { CONFORMANCE_CLASS_NAMES, protocolFor } from '../../src/conformance/classes';
import { driverFilesOf } from '../../src/conformance/driver-finder';
import { PROJECT_ROOT, compileCDriver } from '../../src/personalities/c-wasm/compiler';
import { loadDriverModule } from '../../src/personalities/driver-loader';
import { NO_FAILURE } from '../../src/sweep/failure-plan';
import { runSweepPlan } from '../../src/sweep/sweep-run';

describe('the C reference drivers, built checked', () => {
  const references = CONFORMANCE_CLASS_NAMES.flatMap((c) => driverFilesOf(c, 'reference').filter((f) => f.endsWith('.c')).map((file) => ({ conformanceClass: c, file })));

  it('every class has one', () => {
    assert.deepEqual(references.map((r) => r.conformanceClass), [...CONFORMANCE_CLASS_NAMES]);
  });

  for (const { conformanceClass, file } of references) {
    it(`${conformanceClass}: the standard workload finds nothing`, async () => {
      const { wasmPath } = await compileCDriver([file], PROJECT_ROOT, { checked: true });
      const run = runSweepPlan(loadDriverModule(wasmPath), protocolFor(conformanceClass)!, NO_FAILURE);
      assert.deepEqual(run.findings, []);
    });
  }
});
