/**
 * An MDL's system mapping is C's memory only while the MDL holds it: after
 * MmUnlockPages (or IoFreeMdl) undoes it, the next mapping at the same system
 * addresses must show C the frames' current bytes. The mapped-file reference
 * in C reads each request's METHOD_NEITHER input (the stream offset) through
 * such a short-lived mapping; a stale alias would hand every request after the
 * first the first request's offset, and the device's data would not match.
 */
import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { compileCDriver } from '../../src/personalities/c-wasm/compiler';
import { loadDriverModule } from '../../src/personalities/driver-loader';
import { protocolFor } from '../../src/conformance/classes';
import { NO_FAILURE } from '../../src/sweep/failure-plan';
import { runSweepPlan } from '../../src/sweep/sweep-run';

const ROOT = path.resolve(__dirname, '..', '..');
const REFERENCE = 'src/conformance/mapped-file-dma/reference.c';

describe('an MDL system mapping in C', () => {
  it('is released with the MDL\'s lock, so each request reads its own input through a fresh mapping', async () => {
    await compileCDriver([REFERENCE], ROOT);
    const driver = loadDriverModule(REFERENCE, ROOT);
    const run = runSweepPlan(driver, protocolFor('mapped-file-dma')!, NO_FAILURE);
    assert.ok(run.calls > 10, `the driver made only ${run.calls} fallible call(s)`);
    assert.deepEqual(run.findings, []);
  });
});
