/**
 * The driver loader: a missing path, a module without the driver export, or a
 * module that does not implement the contract is rejected with one error that
 * lists every problem; a driver whose DriverEntry fails, raises or hangs is
 * reported with its name and never crashes the runner.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as ts from 'typescript';
import { after, before, describe, it } from 'node:test';
import { BugCheck } from '../../src/machine/bug-check';
import { STATUS } from '../../src/machine/ntstatus';
import { MiB } from '../../src/contracts/units';
import { Hal } from '../../src/kernel/hal/hal';
import { Application } from '../../src/kernel/io/application';
import { DriverModule, KEVENT } from '../../src/personalities/wdm/contract';
import { CONFORMANCE_CLASS_NAMES } from '../../src/conformance/classes';
import { DriverLoadError, contractProblems, installDriver, loadDriverFromWorldParameters, loadDriverModule } from '../../src/personalities/wdm/loader';
import { DriverHang } from '../../src/kernel/io/driver-hang';
import { DriverStartFailed } from '../../src/kernel/io/driver-start-failed';
import { IoManager } from '../../src/kernel/io/io-manager';
import { createKernelApi } from '../../src/personalities/wdm/kernel-api-binding';
import { adapterFor, bootHal } from '../hal/hal-fixture';
import { bootSmallMachine } from '../mm/machine-fixture';
import { ruleRefProblem } from '../../src/rules/rule-ref';

const VALID_DRIVER = `
module.exports.default = {
  name: 'tiny',
  conformanceClasses: ['read-write-direct'],
  DriverEntry() { return 0; },
  AddDevice() { return 0; },
  StartDevice() { return 0; },
};`;

let dir: string;

function writeModule(name: string, source: string): string {
  fs.writeFileSync(path.join(dir, name), source);
  return `./${name}`;
}

function loadError(fn: () => unknown): DriverLoadError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof DriverLoadError, `expected a DriverLoadError, got ${String(e)}`);
    return e;
  }
  assert.fail('expected the loader to reject the module');
}

before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'driver-loader-'));
});

after(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('loading a driver module', () => {
  it('loads a module\'s default export relative to the working directory', () => {
    const driver = loadDriverModule(writeModule('valid.js', VALID_DRIVER), dir);
    assert.equal(driver.name, 'tiny');
  });

  it('accepts a module that exports the driver as "driver"', () => {
    const driver = loadDriverModule(writeModule('named.js', VALID_DRIVER.replace('module.exports.default', 'module.exports.driver')), dir);
    assert.equal(driver.name, 'tiny');
  });

  it('loads a TypeScript driver written against the contract', () => {
    const contract = path.resolve(__dirname, '../../src/personalities/wdm/contract');
    const file = writeModule('typed.ts', `
import { DriverModule, STATUS } from ${JSON.stringify(contract)};
const driver: DriverModule = {
  name: 'typed',
  conformanceClasses: ['shared-buffer-ioctl'],
  DriverEntry: () => STATUS.SUCCESS,
  AddDevice: () => STATUS.SUCCESS,
  StartDevice: () => STATUS.SUCCESS,
};
export default driver;
`);
    assert.deepEqual(loadDriverModule(file, dir).conformanceClasses, ['shared-buffer-ioctl']);
  });

  it('a path that does not exist is rejected naming the resolved path', () => {
    const e = loadError(() => loadDriverModule('./no-such-driver.ts', dir));
    assert.equal(e.message, `driver ./no-such-driver.ts: no module at that path (resolved to ${path.join(dir, 'no-such-driver.ts')})`);
  });

  it('a module that fails to load is rejected with its error', () => {
    const e = loadError(() => loadDriverModule(writeModule('throws.js', 'throw new Error("no device here");'), dir));
    assert.match(e.message, /^driver \.\/throws\.js: the module at .*throws\.js failed to load: no device here$/);
  });

  it('a module that does not compile is rejected with every diagnostic, each with its file, line and column', () => {
    const e = loadError(() => loadDriverModule(writeModule('broken.ts', 'const a = 1 +;\nexport default a;\nconst b = );\n'), dir));
    assert.equal(e.failure, 'compile');
    const lines = e.message.split('\n');
    assert.equal(lines[0], 'driver ./broken.ts does not compile:');
    assert.ok(lines.length >= 3, `every diagnostic is listed, not the first only: ${e.message}`);
    assert.match(lines[1]!, /^ {2}- .*broken\.ts\(1,14\): error TS1109: Expression expected\.$/);
    assert.match(lines[2]!, /^ {2}- .*broken\.ts\(3,11\): error TS1109: Expression expected\.$/);
  });

  it('a module with no default or "driver" export is rejected listing what it exports', () => {
    const e = loadError(() => loadDriverModule(writeModule('noexport.js', 'module.exports.checksum = 1; module.exports.other = 2;'), dir));
    assert.equal(e.message, 'driver ./noexport.js: the module has no default export and no export named "driver" (it exports: checksum, other); write "export default driver" or "export const driver = ..."');
  });

  it('a module missing parts of the contract gets ONE error listing every problem', () => {
    const file = writeModule('partial.js', `module.exports.default = { conformanceClasses: ['read-write-direct', 'fast-path'], AddDevice: 3, StartDevice() {}, breaksRule: 'rule one' };`);
    const e = loadError(() => loadDriverModule(file, dir));
    assert.equal(e.failure, 'contract');
    const valid = `valid: ${CONFORMANCE_CLASS_NAMES.join(', ')}`;
    assert.deepEqual(e.problems, [
      'missing name: a non-empty string that names the driver',
      `unknown conformance class "fast-path" (${valid})`,
      'missing DriverEntry: a function (DriverObject, Kernel) => NTSTATUS',
      'AddDevice must be a function (DriverObject, PhysicalDeviceObject) => NTSTATUS, got a number',
      `breaksRule must name a rule of the catalog such as PAGE-5, or a verifier catalog entry such as VER-SG-DOUBLE-PUT: ${ruleRefProblem('rule one')}`,
    ]);
    assert.ok(e.message.startsWith('driver ./partial.js does not implement the driver contract:\n  - missing name'));
    assert.equal(e.message.split('\n').length, 6, 'one line per problem under the headline');
  });

  it('missing conformance classes, an empty list and unknown members are each named', () => {
    const base = { name: 'x', DriverEntry() {}, AddDevice() {}, StartDevice() {} };
    assert.match(contractProblems(base).join('\n'), /missing conformanceClasses/);
    assert.match(contractProblems({ ...base, conformanceClasses: [] }).join('\n'), /conformanceClasses is empty/);
    assert.match(contractProblems({ ...base, conformanceClasses: ['read-write-direct'], DriverUnLoad() {} }).join('\n'), /unknown member "DriverUnLoad"/);
    assert.deepEqual(contractProblems({ ...base, conformanceClasses: ['read-write-direct'], breaksRule: 'PAGE-5' }), []);
    assert.deepEqual(contractProblems({ ...base, conformanceClasses: ['read-write-direct'], breaksRule: 'VER-SG-DOUBLE-PUT' }), []);
    assert.match(contractProblems({ ...base, conformanceClasses: ['read-write-direct'], breaksRule: 'VER-double-free' }).join('\n'), /"VER-double-free" is no rule of the catalog \(docs\/RULES\.md\) nor a verifier catalog entry .*the rules are PAGE-1, .*DEV-8, VER-\*; the verifier entries are VER-UNLOCKED-DMA, .*VER-SG-DOUBLE-PUT/);
    // Well formed, but the catalog has no such rule.
    assert.match(contractProblems({ ...base, conformanceClasses: ['read-write-direct'], breaksRule: 'PAGE-9' }).join('\n'), /breaksRule must name a rule of the catalog .*"PAGE-9" is no rule of the catalog/);
  });

  it('loadDriverFromWorldParameters: none named gives null; a named one is loaded', () => {
    assert.equal(loadDriverFromWorldParameters({}, dir), null);
    assert.equal(loadDriverFromWorldParameters({ driver: writeModule('fromworld.js', VALID_DRIVER) }, dir)?.name, 'tiny');
    assert.throws(() => loadDriverFromWorldParameters({ driver: './absent.ts' }, dir), DriverLoadError);
  });
});

describe('starting a driver', () => {
  function driverWith(entry: DriverModule['DriverEntry']): DriverModule {
    return { name: 'starter', conformanceClasses: ['read-write-direct'], DriverEntry: entry, AddDevice: () => STATUS.SUCCESS, StartDevice: () => STATUS.SUCCESS };
  }

  function install(driver: DriverModule) {
    const machine = bootSmallMachine();
    const io = new IoManager(machine.kernel);
    return { machine, run: () => installDriver({ kernel: machine.kernel, io, bus: machine.bus }, driver, [machine.bus.functionOf(machine.dmaDevice)]) };
  }

  it('a DriverEntry that returns a failure status is reported with the driver\'s name and the status', () => {
    const { run } = install(driverWith(() => STATUS.INSUFFICIENT_RESOURCES));
    assert.throws(run, (e: unknown) => e instanceof DriverStartFailed && e.message === 'driver starter failed to start: DriverEntry returned STATUS_INSUFFICIENT_RESOURCES');
  });

  it('a DriverEntry that throws stops the machine with 0x1E naming the driver and the error', () => {
    const { machine, run } = install(driverWith(() => {
      throw new Error('registry key missing');
    }));
    assert.throws(run, (e: unknown) => e instanceof BugCheck && e.code === 0x1e && /driver starter crashed in DriverEntry: Error: registry key missing/.test(e.message)
      && e.thrownIn?.routine === 'DriverEntry' && e.exception === 'program-error');
    assert.ok(machine.kernel.stopped);
  });

  it('a DriverEntry that waits forever is reported by the hang guard', () => {
    const { run } = install(driverWith((_d, k) => k.KeWaitForSingleObject(new KEVENT('device ready'), 'Executive', 'KernelMode', false, null)));
    assert.throws(run, (e: unknown) => e instanceof DriverHang && e.driverName === 'starter' && /device ready/.test(e.message));
  });

  it('an AddDevice that creates no device is reported', () => {
    const { run } = install({ ...driverWith(() => STATUS.SUCCESS) });
    assert.throws(run, (e: unknown) => e instanceof DriverStartFailed && /AddDevice returned success but created no device object/.test(e.message));
  });
});

describe('the example driver of docs/driver-contract.md', () => {
  /** The code block after the <!-- example-driver --> marker, its imports pointed at this checkout. */
  function exampleSource(): string {
    const doc = fs.readFileSync(path.resolve(__dirname, '../../docs/driver-contract.md'), 'utf8');
    const block = /<!-- example-driver -->\s*```ts\n([\s\S]*?)```/.exec(doc);
    assert.ok(block, 'docs/driver-contract.md has a ```ts block after <!-- example-driver -->');
    const src = path.resolve(__dirname, '../../src');
    return block[1]!.replace(/from '\.\.\/src\//g, `from '${src}/`);
  }

  it('is the same code as docs/example-driver.ts, the file the conformance features run', () => {
    const doc = fs.readFileSync(path.resolve(__dirname, '../../docs/driver-contract.md'), 'utf8');
    const block = /<!-- example-driver -->\s*```ts\n([\s\S]*?)```/.exec(doc);
    assert.ok(block, 'docs/driver-contract.md has a ```ts block after <!-- example-driver -->');
    assert.equal(fs.readFileSync(path.resolve(__dirname, '../../docs/example-driver.ts'), 'utf8'), block[1]);
  });

  it('loads, serves direct-I/O reads and writes on the DMA test device, and leaves nothing behind', () => {
    const driver = loadDriverModule(writeModule('example-driver.ts', exampleSource()), dir);
    const machine = bootSmallMachine();
    const hal = new Hal(machine.kernel, machine.bus, { iommu: machine.iommu });
    const io = new IoManager(machine.kernel, { hal });
    const installed = installDriver({ kernel: machine.kernel, io, hal, bus: machine.bus }, driver, [machine.bus.functionOf(machine.dmaDevice)]);
    const device = machine.dmaDevice;
    const app = new Application(io, 'app');
    const handle = app.open('example-direct');

    const big = app.allocate(MiB + 300, { offset: 123 });
    const read = app.ReadFile(handle, big, undefined, { byteOffset: 4096 });
    assert.equal(read.status, STATUS.SUCCESS, read.describe());
    assert.equal(read.information, big.length);
    assert.equal(app.firstPatternMismatch(big, device.pattern, 4096), null, 'the buffer holds the device\'s stream from offset 4096');

    const small = [1, 2, 3].map((i) => app.allocate(1000 * i, { offset: 7 * i }));
    const queued = small.map((b, i) => app.ReadFile(handle, b, undefined, { overlapped: true, byteOffset: i * 10_000 }));
    for (const r of queued) app.waitFor(r);
    queued.forEach((r, i) => {
      assert.equal(r.status, STATUS.SUCCESS);
      assert.equal(app.firstPatternMismatch(small[i]!, device.pattern, i * 10_000), null);
    });

    const out = app.allocate(200_000, { offset: 5 });
    app.writePattern(out, device.pattern, 0);
    const write = app.WriteFile(handle, out, undefined, { byteOffset: 0 });
    assert.equal(write.status, STATUS.SUCCESS);
    assert.equal(device.checker.mismatchCount, 0);
    assert.equal(device.checker.bytesChecked, out.length);

    assert.equal(app.CloseHandle(handle), STATUS.SUCCESS);
    app.exit();
    io.unloadDriver(installed.driverObject);
    assert.equal(machine.kernel.stopped, null);
    assert.deepEqual(io.findings, []);
    assert.deepEqual(hal.verifier.findings, []);
    assert.equal(hal.liveAdapters('example-direct').length, 0);
    assert.equal(machine.kernel.mdl.liveMdls('example-direct').length, 0);
    assert.equal([...machine.mm.nonPagedPool.allocations.values()].filter((a) => a.driver === 'example-direct').length, 0);
  });
});

describe('docs/driver-contract.md and the kernel API', () => {
  /** Names written as code in the document: `Name` or `Name(...)`. */
  function namesInDocument(): Set<string> {
    const doc = fs.readFileSync(path.resolve(__dirname, '../../docs/driver-contract.md'), 'utf8');
    return new Set([...doc.matchAll(/`([A-Za-z_][A-Za-z0-9_]*)(?:\([^`]*\))?`/g)].map((m) => m[1]!));
  }

  /** The members the declared KernelApi interface lists, read from its source. */
  function declaredKernelApiMembers(): string[] {
    const file = path.resolve(__dirname, '../../src/personalities/wdm/kernel-api.ts');
    const source = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022);
    const declaration = source.statements.find((s): s is ts.InterfaceDeclaration => ts.isInterfaceDeclaration(s) && s.name.text === 'KernelApi');
    assert.ok(declaration, 'kernel-api.ts declares interface KernelApi');
    return declaration.members.map((m) => (m.name && ts.isIdentifier(m.name) ? m.name.text : '?'));
  }

  it('binds exactly the routines the declared KernelApi lists', () => {
    const machine = bootSmallMachine();
    const api = createKernelApi({ kernel: machine.kernel, io: new IoManager(machine.kernel), bus: machine.bus });
    const declared = declaredKernelApiMembers();
    assert.ok(declared.includes('IoGetDmaAdapter') && declared.includes('takePreallocatedBuffer'), 'the members are read from the declaration');
    assert.deepEqual(Object.keys(api).sort(), [...declared].sort());
  });

  it('names every routine of the declared KernelApi, and every routine of an adapter\'s DmaOperations', () => {
    const t = bootHal();
    const operations = adapterFor(t).DmaOperations;
    const documented = namesInDocument();
    const members = [...declaredKernelApiMembers(), ...Object.keys(operations)];
    assert.ok(members.includes('takePreallocatedBuffer') && members.includes('GetScatterGatherList'), 'the members are read from the declaration and the live adapter');
    const missing = members.filter((name) => !documented.has(name));
    assert.deepEqual(missing, [], `docs/driver-contract.md ("The kernel API") does not mention: ${missing.join(', ')}`);
  });
});
