/**
 * A finding made after the driver's code returned (a mapping never undone,
 * pages still locked when the process exits) names where the driver acquired
 * what it kept: its function and the file:line of the acquiring call, marked
 * with the routine it called there. The line is found by reading the
 * driver's source, never written down here.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { protocolFor } from '../../src/conformance/classes';
import { cSourcesOfSuiteDriver, driverFilesOf, faultyDriverOf } from '../../src/conformance/driver-finder';
import type { ConformanceClass } from '../../src/conformance/classes';
import { compileCDriver, PROJECT_ROOT } from '../../src/personalities/c-wasm/compiler';
import type { DriverPlace } from '../../src/machine/driver-place';
import { describeFindings } from '../../src/oracles/oracle-finding';
import { NO_FAILURE } from '../../src/sweep/failure-plan';
import { runSweepPlan } from '../../src/sweep/sweep-run';
import { Machine } from '../../src/machine/machine';
import { KiB, MiB } from '../../src/contracts/units';
import { injectDeviceFault } from '../../src/workload/machine-events';
import { Workload } from '../../src/workload/workload';
import { bootConfigFor } from '../../src/workload/boot-variants';
import { SWEEP_MACHINE } from '../../src/sweep/sweep-run';
import { checkWorkload } from '../../src/oracles/conformance-oracles';
import { installDriver } from '../../src/personalities/wdm/loader';
import { moduleFramePlaceFinder, setPlaceFinderOf } from '../../src/personalities/driver-places';
import { STATUS, type DriverModule, type KernelApi } from '../../src/personalities/wdm/contract';

/** The 1-based line of the one call of `routine` in a source file's code (comments left out). */
function lineOfCall(file: string, routine: string): number {
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  const calls = lines.map((text, i) => ({ text, line: i + 1 })).filter(({ text }) => !/^\s*(\*\s|\*\/|\*$|\/\/|\/\*)/.test(text) && text.includes(`${routine}(`));
  assert.equal(calls.length, 1, `${file} should call ${routine} once, found ${calls.map((c) => c.line).join(', ')}`);
  return calls[0]!.line;
}

/** A faulty driver of the suite, compiled first when it is C. */
async function faulty(conformanceClass: ConformanceClass, name: string) {
  const source = driverFilesOf(conformanceClass, 'faulty').find((f) => path.basename(f).replace(/\.(ts|c)$/, '') === name)!;
  if (source.endsWith('.c')) await compileCDriver(cSourcesOfSuiteDriver(source), PROJECT_ROOT);
  return faultyDriverOf(conformanceClass, name)!.driver;
}

/** The standard workload of a faulty driver of the suite. */
async function runFaulty(conformanceClass: ConformanceClass, name: string) {
  return runSweepPlan(await faulty(conformanceClass, name), protocolFor(conformanceClass)!, NO_FAILURE);
}

function assertAcquiredAt(place: DriverPlace | undefined, file: string, routine: string): void {
  assert.ok(place, 'the finding names no place');
  assert.equal(place.acquiredWith, routine);
  assert.equal(path.resolve(place.file), file);
  assert.equal(place.line, lineOfCall(file, routine));
}

const classFile = (conformanceClass: ConformanceClass, file: string) => path.join(PROJECT_ROOT, 'src/conformance', conformanceClass, file);

describe('the place where the driver acquired what it kept', () => {
  it('a TypeScript driver that never unmaps its buffer from the process is named at its MmMapLockedPagesSpecifyCache', async () => {
    const run = await runFaulty('mapped-buffer-ioctl', 'never-unmapped');
    const left = run.findings.filter((f) => f.oracle === 'leftovers' && f.rule === 'CONT-6');
    assert.ok(left.length > 0, `no mapping left behind among ${JSON.stringify(run.findings)}`);
    for (const f of left) assertAcquiredAt(f.place, classFile('mapped-buffer-ioctl', 'reference.ts'), 'MmMapLockedPagesSpecifyCache');
    assert.match(describeFindings(left), /acquired with MmMapLockedPagesSpecifyCache by NeverUnmappedDevice\.mapIntoCaller \(src\/conformance\/mapped-buffer-ioctl\/reference\.ts:\d+\)/);
  });

  it('a TypeScript driver that never unlocks a view stops the machine at process exit, named at its MmProbeAndLockPages', async () => {
    const run = await runFaulty('mapped-file-dma', 'never-unlocks');
    const stop = run.findings.find((f) => f.oracle === 'stop' && f.bugCheck === 0xcb);
    assert.ok(stop, `no 0xCB among ${JSON.stringify(run.findings)}`);
    assertAcquiredAt(stop.place, classFile('mapped-file-dma', 'reference.ts'), 'MmProbeAndLockPages');
  });

  it('a C driver that unmaps in the wrong process is named at the C line of its MmMapLockedPagesSpecifyCache', async () => {
    const run = await runFaulty('mapped-buffer-ioctl', 'unmaps-in-closing-process');
    const left = run.findings.find((f) => f.oracle === 'leftovers' && f.rule === 'CONT-6');
    assert.ok(left, `no mapping left behind among ${JSON.stringify(run.findings)}`);
    assertAcquiredAt(left.place, classFile('mapped-buffer-ioctl', 'reference.c'), 'MmMapLockedPagesSpecifyCache');
    assert.equal(left.place!.function, 'MappedBufferFor');
  });

  it('a C driver whose error path forgets its list is named, when it releases the adapter, at the C line that asked for the list', async () => {
    const protocol = protocolFor('read-write-direct')!;
    const w = Workload.start(Machine.boot(bootConfigFor(SWEEP_MACHINE, protocol.bootOptions)), await faulty('read-write-direct', 'error-path-skips-put'));
    const app = w.startApplication('app.exe');
    app.open();
    injectDeviceFault(w, 'master-abort', { at: 'after-bytes', bytes: 300 * KiB });
    w.perform('a read the device fails part-way', () => app.read(app.allocate(MiB + 9, 9)));
    w.finish();
    const findings = checkWorkload(w);
    const kept = findings.find((f) => f.entry === 'VER-ADAPTER-RELEASED-WITH-SG-LISTS');
    assert.ok(kept, `no list kept past PutDmaAdapter among ${JSON.stringify(findings)}`);
    assertAcquiredAt(kept.place, classFile('read-write-direct', 'reference.c'), 'GetScatterGatherList');
  });

  it('a device object left after RemoveDevice and an interrupt left connected are named at their IoCreateDevice and IoConnectInterrupt', () => {
    // A driver written here, so its frames are this file's: it deletes nothing and disconnects nothing.
    let k: KernelApi;
    const forgetful: DriverModule = {
      name: 'forgetful-device',
      conformanceClasses: [],
      DriverEntry(_driverObject, kernel) {
        k = kernel;
        return STATUS.SUCCESS;
      },
      AddDevice(driverObject) {
        return k.IoCreateDevice(driverObject, 0, null, 0x22, 0, false).status;
      },
      StartDevice(_device, resources) {
        return k.IoConnectInterrupt(() => false, null, null, resources.interrupt!.Vector, resources.interrupt!.Level, resources.interrupt!.Level).status;
      },
      RemoveDevice() {},
    };
    setPlaceFinderOf(forgetful, moduleFramePlaceFinder(__filename));
    const machine = Machine.boot({ ramBytes: 1024 * MiB });
    const installed = installDriver(machine, forgetful, [machine.bus.functionOf(machine.dmaDevice)]);
    machine.io.unloadDriver(installed.driverObject);
    const placeOf = (kind: string) => machine.io.findings.find((f) => f.kind === kind)?.place;
    assertAcquiredAt(placeOf('device-not-deleted'), __filename, 'IoCreateDevice');
    assertAcquiredAt(placeOf('interrupt-still-connected'), __filename, 'IoConnectInterrupt');
  });

  it('what the kernel acquires for itself, with no driver code running, names no place', () => {
    const machine = Machine.boot({ ramBytes: 1024 * 1024 * 1024 });
    const mdl = machine.kernel.mdl.IoAllocateMdl(machine.mm.ExAllocatePoolWithTag('NonPagedPool', 4096, 'Test')!, 4096, false, false, null)!;
    assert.equal(mdl.allocatedAt, null);
    assert.equal(machine.kernel.cpu.acquisition('IoAllocateMdl'), null);
  });
});
