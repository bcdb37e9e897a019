/**
 * A TypeScript driver given by path is compiled by the suite's own loader
 * (instrumented-require.ts), not by ts-node: its stack frames, and so a
 * finding's place in the driver, still name its TypeScript lines, through
 * the compiled code's inline source map.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { protocolFor } from '../../src/conformance/classes';
import { loadDriverModule } from '../../src/personalities/driver-loader';
import { NO_FAILURE } from '../../src/sweep/failure-plan';
import { runSweepPlan } from '../../src/sweep/sweep-run';

describe('a driver compiled by the suite\'s loader', () => {
  it('is found at its TypeScript line, not the compiled one', () => {
    // Loaded here first, so nothing has required it through ts-node before.
    const file = path.resolve(__dirname, '../../src/conformance/read-write-direct/faulty/double-put.ts');
    const run = runSweepPlan(loadDriverModule(file), protocolFor('read-write-direct')!, NO_FAILURE);
    const doublePut = run.findings.find((f) => f.entry === 'VER-SG-DOUBLE-PUT');
    assert.ok(doublePut?.place, `no double put with a place among ${JSON.stringify(run.findings)}`);
    const line = fs.readFileSync(path.resolve(doublePut.place.file), 'utf8').split('\n')[doublePut.place.line - 1] ?? '';
    assert.match(line, /PutScatterGatherList/);
  });
});
