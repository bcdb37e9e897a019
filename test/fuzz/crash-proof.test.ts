/**
 * The fuzzer's proof counts as found only a counterexample whose failure is
 * a finding: a driver whose only bug is a null dereference crashes, which
 * names no rule (not PAGE-3, which its stop code 0x1E alone would say).
 */
import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { proveDriver } from '../../src/fuzz/fuzzer-proof';

const FIXTURE = path.join('test', 'fixtures', 'null-dereference-driver.ts');

describe('the fuzzer proof', () => {
  it('reports a driver that crashes as crashed, not found and naming no rule', () => {
    const proof = proveDriver(FIXTURE, { runs: 5, operations: 6, seed: 1 });
    assert.equal(proof.outcome, 'crashed', proof.finding ?? '');
    assert.equal(proof.rule, null);
    assert.match(proof.finding ?? '', /driver null-dereference crashed in IRP_MJ_READ dispatch: TypeError/);
  });
});
