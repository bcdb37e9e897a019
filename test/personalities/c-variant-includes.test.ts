/**
 * A faulty variant in faulty/ is compiled with its class's reference.c and
 * finds the reference's own header by `#include "../reference.h"`: the
 * compiler's file tree skips a `..`, and every source's folder is a
 * quoted-include folder, where `reference.h` is found.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { compileCDriver } from '../../src/personalities/c-wasm/compiler';

describe('a variant\'s includes', () => {
  it('finds the header beside reference.c from faulty/', async () => {
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'c-variant-'));
    fs.mkdirSync(path.join(folder, 'faulty'));
    fs.writeFileSync(path.join(folder, 'reference.h'), '#include <wdm.h>\nULONG Step(void);\n');
    fs.writeFileSync(path.join(folder, 'reference.c'), '#include "reference.h"\nDMA_CONFORMANCE_REPLACEABLE ULONG Step(void) { return 1; }\n');
    fs.writeFileSync(path.join(folder, 'faulty', 'variant.c'), '#include "../reference.h"\nULONG Step(void) { return 2; }\n');
    const compiled = await compileCDriver(['reference.c', 'faulty/variant.c'], folder);
    assert.ok(fs.existsSync(compiled.wasmPath));
  });
});
