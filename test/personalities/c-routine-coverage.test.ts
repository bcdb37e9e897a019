/**
 * Every routine of the simulated kernel API has a C shape: a row of the one
 * import table (routine-signatures.ts) declared in include/wdm.h, or an entry
 * of the one exception table (routines-without-imports.ts) whose macro or
 * inline function wdm.h defines. The routine names come from the kernel API
 * a driver receives, so a routine added there without a C shape fails here.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { createKernelApi } from '../../src/personalities/wdm/kernel-api-binding';
import { ROUTINE_SIGNATURES } from '../../src/personalities/c-wasm/routine-signatures';
import { ROUTINES_WITHOUT_IMPORTS } from '../../src/personalities/c-wasm/routines-without-imports';
import { bootSmallMachine } from '../mm/machine-fixture';

const HEADER = fs.readFileSync(path.resolve(__dirname, '..', '..', 'include', 'wdm.h'), 'utf8');
const machine = bootSmallMachine();
const kernelApiRoutines = Object.keys(createKernelApi({ kernel: machine.kernel, io: machine.io, hal: machine.hal, bus: machine.bus })).sort();
const imported = new Set(ROUTINE_SIGNATURES.filter((s) => s.module === 'kernel').map((s) => s.name));

/** wdm.h defines `name` as a macro or a function with a body (FORCEINLINE or a weak definition). */
function definedInHeader(name: string): boolean {
  return new RegExp(`#define ${name}\\(`).test(HEADER) || new RegExp(`\\b${name}\\([^;{]*\\)\\s*\\{`).test(HEADER);
}

describe('C shapes of the kernel API', () => {
  it('the kernel API is read from the binding a driver receives', () => {
    assert.ok(kernelApiRoutines.length > 100, `only ${kernelApiRoutines.length} routines`);
    assert.ok(kernelApiRoutines.includes('KeWaitForSingleObject'));
  });

  it('every KernelApi routine has a row in the import table or a reason in the exception table, not both', () => {
    const missing = kernelApiRoutines.filter((name) => !imported.has(name) && !(name in ROUTINES_WITHOUT_IMPORTS));
    assert.deepEqual(missing, [], 'routines with no C shape');
    const both = kernelApiRoutines.filter((name) => imported.has(name) && name in ROUTINES_WITHOUT_IMPORTS);
    assert.deepEqual(both, [], 'routines both imported and excepted');
  });

  it('every exception names a KernelApi routine, gives its reason, and wdm.h defines it', () => {
    for (const [name, reason] of Object.entries(ROUTINES_WITHOUT_IMPORTS)) {
      assert.ok(kernelApiRoutines.includes(name), `${name} is no KernelApi routine`);
      assert.ok(reason.trim().length > 10, `${name}: no reason`);
      assert.ok(definedInHeader(name), `${name}: wdm.h defines no macro or inline function of that name`);
    }
  });

  it('every import of the table is declared in wdm.h under its name', () => {
    const declaration = (module: string, name: string) => (module === 'kernel' ? `WDM_KERNEL_IMPORT(${name})` : `, ${name}, (PDMA_ADAPTER`);
    const undeclared = ROUTINE_SIGNATURES.filter((s) => !HEADER.includes(declaration(s.module, s.name))).map((s) => s.name);
    assert.deepEqual(undeclared, []);
  });
});
