/**
 * A faulty variant in faulty/ includes its reference's header as
 * "../reference.h": the compiler's in-memory file system does not step up
 * through "..", so the compile places that header where the include lands.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { compileCDriver } from '../../src/personalities/c-wasm/compiler';

describe('a C variant one folder below its reference', () => {
  it('compiles with #include "../reference.h"', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'c-variant-'));
    fs.mkdirSync(path.join(root, 'faulty'));
    fs.writeFileSync(path.join(root, 'reference.h'), '#include <wdm.h>\nULONG Limit(void);\n');
    fs.writeFileSync(path.join(root, 'reference.c'), [
      '#include "reference.h"',
      'DMA_CONFORMANCE_DRIVER("variant-include", "read-write-direct", "A reference with one replaceable routine.");',
      'DMA_CONFORMANCE_REPLACEABLE ULONG Limit(void) { return 1; }',
      'DRIVER_EXPORT(DriverEntry) NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath) { return Limit() ? STATUS_SUCCESS : STATUS_UNSUCCESSFUL; }',
      '',
    ].join('\n'));
    fs.writeFileSync(path.join(root, 'faulty', 'variant.c'), '#include "../reference.h"\nULONG Limit(void) { return 0; }\n');
    const compiled = await compileCDriver(['reference.c', 'faulty/variant.c'], root);
    assert.ok(fs.existsSync(compiled.wasmPath));
  });
});
