/**
 * The C personality: docs/example-driver.c compiles (cached) and runs the
 * read-write-direct standard workload with nothing found; a syntax error
 * stops with the compiler's file:line message; a C driver that dereferences a
 * register is stopped by a bug check naming its C function.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { CCompileError, compileCDriver } from '../../src/personalities/c-wasm/compiler';
import { loadDriverModule } from '../../src/personalities/driver-loader';
import { protocolFor } from '../../src/conformance/classes';
import { NO_FAILURE } from '../../src/sweep/failure-plan';
import { runSweepPlan } from '../../src/sweep/sweep-run';

const ROOT = path.resolve(__dirname, '..', '..');
const readWrite = protocolFor('read-write-direct')!;

function scratchC(name: string, text: string): string {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'c-driver-'));
  const file = path.join(folder, name);
  fs.writeFileSync(file, text);
  return file;
}

describe('a C driver', () => {
  it('docs/example-driver.c compiles and passes the standard read-write-direct workload', async () => {
    const compiled = await compileCDriver(['docs/example-driver.c'], ROOT);
    assert.ok(fs.existsSync(compiled.wasmPath));
    assert.equal((await compileCDriver(['docs/example-driver.c'], ROOT)).cached, true, 'the second compile comes from the cache');
    const driver = loadDriverModule('docs/example-driver.c', ROOT);
    assert.equal(driver.name, 'example-direct-c');
    assert.deepEqual([...driver.conformanceClasses], ['read-write-direct']);
    const run = runSweepPlan(driver, readWrite, NO_FAILURE);
    assert.ok(run.calls > 5, `the driver made only ${run.calls} fallible call(s)`);
    assert.deepEqual(run.findings, []);
  });

  it('a syntax error stops with the compiler\'s diagnostics, naming file and line', async () => {
    const file = scratchC('broken.c', '#include <wdm.h>\nNTSTATUS f(ULONG x) { return x + ; }\n');
    await assert.rejects(compileCDriver([file], path.dirname(file)), (e: unknown) => {
      assert.ok(e instanceof CCompileError);
      assert.match(e.message, /broken\.c:2:\d+: error: expected expression/);
      return true;
    });
  });

  it('a register read by plain dereference is a bug check naming the C function', async () => {
    const source = fs.readFileSync(path.join(ROOT, 'docs/example-driver.c'), 'utf8').replace(
      'static ULONG ReadRegister(PDEVICE_EXTENSION Ext, ULONG Offset) { return READ_REGISTER_ULONG((volatile ULONG *)(Ext->Registers + Offset)); }',
      'static ULONG ReadRegister(PDEVICE_EXTENSION Ext, ULONG Offset) { return *(volatile ULONG *)(Ext->Registers + Offset); }',
    );
    assert.match(source, /return \*\(volatile ULONG \*\)/);
    const file = scratchC('plain-dereference.c', source);
    await compileCDriver([file], path.dirname(file));
    const driver = loadDriverModule(file, path.dirname(file));
    const run = runSweepPlan(driver, readWrite, NO_FAILURE);
    const stop = run.findings.find((f) => f.oracle === 'stop');
    assert.ok(stop, `no stop among ${JSON.stringify(run.findings)}`);
    assert.match(stop.message, /0x1E/);
    const line = source.split('\n').findIndex((l) => l.includes('return *(volatile ULONG *)')) + 1;
    assert.match(stop.message, new RegExp(`C function ReadRegister \\(plain-dereference\\.c:${line}\\)`));
  });
});
