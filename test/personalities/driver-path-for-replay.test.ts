/**
 * A replay command names what the user ran: the C sources a cached module was
 * compiled from (they may have edited them since), never the cache's file.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { writeCompiledSources } from '../../src/personalities/c-wasm/compiled-sources';
import { driverPathForReplay } from '../../src/personalities/driver-path-for-replay';

describe('the driver a replay command names', () => {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'replay-path-'));
  const wasm = path.join(folder, 'driver-0123.wasm');
  fs.writeFileSync(wasm, '');

  it('is the C sources of a module the compiler cached, relative to the working directory when below it', () => {
    const below = path.join(process.cwd(), 'src', 'conformance', 'read-write-direct', 'reference.c');
    writeCompiledSources(wasm, { sources: [below, '/elsewhere/extra.c'], checked: false });
    assert.equal(driverPathForReplay(wasm), 'src/conformance/read-write-direct/reference.c,/elsewhere/extra.c');
  });

  it('is the module itself for a checked build, which its sources alone would not rebuild', () => {
    writeCompiledSources(wasm, { sources: ['/elsewhere/driver.c'], checked: true });
    assert.equal(driverPathForReplay(wasm), wasm);
  });

  it('is a module path relative to the working directory when it lies below it', () => {
    assert.equal(driverPathForReplay(path.join(process.cwd(), 'docs', 'example-driver.ts')), 'docs/example-driver.ts');
    assert.equal(driverPathForReplay(path.join(folder, 'no-sources.wasm')), path.join(folder, 'no-sources.wasm'));
  });
});
