/**
 * The mixed workload: a seeded plan of reads and writes whose sizes span one
 * byte to the largest allowed, run to the end with every read checked.
 */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { Rng } from '../../src/machine/rng';
import { MiB, PAGE_SIZE } from '../../src/contracts/units';
import { mixedRequests, runMixedWorkload } from '../../src/workload/mixed-workload';
import { workloadWithApplication } from './workload-fixture';

describe('a mixed workload', () => {
  it('is the same plan for the same seed, and another for another seed', () => {
    const plan = (seed: number) => { const rng = new Rng(seed); return mixedRequests(() => rng.next(), { requests: 50, largest: 8 * MiB, depth: 2 }); };
    assert.deepEqual(plan(7), plan(7));
    assert.notDeepEqual(plan(7), plan(8));
  });

  it('spans a few bytes to the largest size, unaligned starts, reads and writes', () => {
    const rng = new Rng(3);
    const plan = mixedRequests(() => rng.next(), { requests: 400, largest: 8 * MiB, depth: 1 });
    assert.ok(plan.every((r) => r.size >= 1 && r.size <= 8 * MiB && r.offsetIntoPage >= 0 && r.offsetIntoPage < PAGE_SIZE));
    assert.ok(plan.some((r) => r.size < 64), 'some requests of a few bytes');
    assert.ok(plan.some((r) => r.size === 8 * MiB), 'some requests of the largest size');
    assert.ok(plan.some((r) => r.offsetIntoPage !== 0) && plan.some((r) => r.offsetIntoPage === 0));
    assert.ok(plan.some((r) => r.write) && plan.some((r) => !r.write));
  });

  it('rejects a plan that cannot be run', () => {
    assert.throws(() => mixedRequests(Math.random, { requests: 0, largest: 10, depth: 1 }), /positive whole number of requests/);
    assert.throws(() => mixedRequests(Math.random, { requests: 1, largest: 10, depth: 0 }), /depth/);
  });

  it('runs against the reference driver: every request tracked, every read checked and intact', () => {
    const { workload, app } = workloadWithApplication();
    const plan = runMixedWorkload(app, { requests: 12, largest: 256 * 1024, depth: 3 });
    assert.equal(workload.stop, null);
    assert.equal(workload.ledger.requests.length, plan.length);
    assert.ok(workload.ledger.requests.every((t) => t.request.done));
    assert.equal(workload.dataChecks.length, plan.filter((r) => !r.write).length);
    assert.ok(workload.dataChecks.every((c) => c.mismatch === null));
    assert.equal(workload.machine.dmaDevice.checker.mismatchCount, 0);
  });
});
