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
import { installDriver } from '../../src/personalities/wdm/loader';
import { IoManager } from '../../src/kernel/io/io-manager';
import { DriverStartFailed } from '../../src/kernel/io/driver-start-failed';
import { bootSmallMachine } from '../mm/machine-fixture';

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

  it('WDM_TRY_STATUS returns the status a routine raised, where a WDK driver writes __try/__except', async () => {
    // ProbeForRead of a system address (pool) raises STATUS_ACCESS_VIOLATION; DriverEntry returns what WDM_TRY_STATUS caught.
    const file = scratchC('probe.c', [
      '#include <wdm.h>',
      'DMA_CONFORMANCE_DRIVER("probe", "read-write-direct", "Returns the status ProbeForRead raised.");',
      'DRIVER_EXPORT(DriverEntry) NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath) {',
      '  PVOID pool = ExAllocatePoolWithTag(NonPagedPool, 64, 0x20206f54);',
      '  NTSTATUS status = WDM_TRY_STATUS(ProbeForRead(pool, 64, 1));',
      '  NTSTATUS none = WDM_TRY_STATUS(KeStallExecutionProcessor(1));',
      '  ExFreePoolWithTag(pool, 0x20206f54);',
      '  return none == STATUS_SUCCESS ? status : STATUS_UNSUCCESSFUL;',
      '}',
      'DRIVER_EXPORT(AddDevice) NTSTATUS AddDevice(PDRIVER_OBJECT DriverObject, PDEVICE_OBJECT Pdo) { return STATUS_SUCCESS; }',
      'DRIVER_EXPORT(StartDevice) NTSTATUS StartDevice(PDEVICE_OBJECT DeviceObject, PCM_RESOURCE_LIST Resources) { return STATUS_SUCCESS; }',
      '',
    ].join('\n'));
    await compileCDriver([file], path.dirname(file));
    const driver = loadDriverModule(file, path.dirname(file));
    const machine = bootSmallMachine();
    const io = new IoManager(machine.kernel);
    assert.throws(() => installDriver({ kernel: machine.kernel, io, bus: machine.bus }, driver, []),
      (e: unknown) => e instanceof DriverStartFailed && e.status === 0xc0000005);
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
    // A trap is the C program's own error: the driver crashed, in that C function, naming no rule.
    assert.ok(run.crash, `no crash; findings ${JSON.stringify(run.findings)}`);
    assert.equal(run.crash.bugCheck, 0x1e);
    const line = source.split('\n').findIndex((l) => l.includes('return *(volatile ULONG *)')) + 1;
    assert.match(run.crash.routine, new RegExp(`^C function ReadRegister \\(plain-dereference\\.c:${line}\\)`));
  });

  it('a write after FreeCommonBuffer passes the plain build and stops a checked build, naming the C function and line', async () => {
    const source = fs.readFileSync(path.join(ROOT, 'docs/example-driver.c'), 'utf8').replace(
      '  if (ext->Adapter) ext->Adapter->DmaOperations->PutDmaAdapter(ext->Adapter);',
      '  if (ext->Ring) ext->Ring[0].Flags = 0;\n  if (ext->Adapter) ext->Adapter->DmaOperations->PutDmaAdapter(ext->Adapter);',
    );
    const file = scratchC('use-after-free.c', source);
    const line = source.split('\n').indexOf('  if (ext->Ring) ext->Ring[0].Flags = 0;') + 1;
    assert.ok(line > 0);
    const plain = await compileCDriver([file], path.dirname(file));
    assert.deepEqual(runSweepPlan(loadDriverModule(plain.wasmPath), readWrite, NO_FAILURE).findings, []);
    const checked = await compileCDriver([file], path.dirname(file), { checked: true });
    assert.notEqual(checked.wasmPath, plain.wasmPath);
    const stop = runSweepPlan(loadDriverModule(checked.wasmPath), readWrite, NO_FAILURE).findings.find((f) => f.oracle === 'stop');
    assert.ok(stop, 'the checked build was not stopped');
    assert.match(stop.message, new RegExp(`0x50 PAGE_FAULT_IN_NONPAGED_AREA .*C function RemoveDevice \\(use-after-free\\.c:${line}\\) wrote 4 byte\\(s\\) .*use after free`));
  });

  it('a C driver that never puts its scatter/gather lists back is found out for SG-3', async () => {
    const put = '  ext->Adapter->DmaOperations->PutScatterGatherList(ext->Adapter, ext->Current.List, ext->Current.Write);  /* before the IRP completes */';
    const original = fs.readFileSync(path.join(ROOT, 'docs/example-driver.c'), 'utf8');
    assert.ok(original.includes(put));
    const file = scratchC('never-puts-lists.c', original.replace(put, ''));
    await compileCDriver([file], path.dirname(file));
    const run = runSweepPlan(loadDriverModule(file, path.dirname(file)), readWrite, NO_FAILURE);
    assert.ok(run.findings.some((f) => f.rule === 'SG-3'), `no SG-3 finding among ${JSON.stringify(run.findings)}`);
  });
});
