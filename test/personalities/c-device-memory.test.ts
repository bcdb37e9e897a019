/**
 * Device memory and short-lived system buffers in C: the peer-to-peer
 * reference maps a peer's BAR with MmMapIoSpace and builds an MDL over it,
 * which C sees as an address to pass back (no frames to share), and reads
 * each METHOD_BUFFERED order from a system buffer the I/O manager frees at
 * completion, whose frame a later buffer may reuse at another address.
 * Before either was handled, the second transfer stopped the simulator.
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
const REFERENCE = 'src/conformance/peer-to-peer-dma/reference.c';

describe('peer memory and system buffers in C', () => {
  it('a peer BAR mapped again for each transfer, and each order read from its own system buffer', async () => {
    await compileCDriver([REFERENCE], ROOT);
    const driver = loadDriverModule(REFERENCE, ROOT);
    const run = runSweepPlan(driver, protocolFor('peer-to-peer-dma')!, NO_FAILURE);
    assert.ok(run.calls > 5, `the driver made only ${run.calls} fallible call(s)`);
    assert.deepEqual(run.findings, []);
  });
});
