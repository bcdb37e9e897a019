/**
 * The fuzzer's proof of a faulty C variant (src/conformance/<class>/faulty/<name>.c)
 * runs the variant linked after its class's reference.c, as the driver finder
 * builds it, so that `node scripts/fuzz-proof.cjs <path to the .c>` proves it.
 */
import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { compileCDriver } from '../../src/personalities/c-wasm/compiler';
import { cSourcesOfSuiteDriver } from '../../src/conformance/driver-finder';
import { proveDriver } from '../../src/fuzz/fuzzer-proof';

const VARIANT = path.join('src', 'conformance', 'storage-forward-progress', 'faulty', 'reserve-sized-by-sizeof.c');

describe('the fuzzer\'s proof of a faulty C variant', () => {
  it('loads the variant with its reference and names the variant\'s claims', async () => {
    await compileCDriver(cSourcesOfSuiteDriver(VARIANT));
    const proof = proveDriver(path.resolve(VARIANT), { runs: 1, operations: 2, seed: 1 });
    assert.equal(proof.driver, 'storage-reserve-sized-by-sizeof-c');
    assert.equal(proof.kind, 'faulty');
    assert.equal(proof.breaksRule, 'SG-4');
  });
});
