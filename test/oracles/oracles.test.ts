/**
 * Each oracle finds what it guards on a crafted bad case, names the rule,
 * and finds nothing on a clean workload.
 */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { DriverHang } from '../../src/kernel/io/driver-hang';
import { IoRequest } from '../../src/kernel/io/io-request';
import { FrameState } from '../../src/kernel/mm/physical-memory';
import { BugCheck } from '../../src/machine/bug-check';
import { STATUS } from '../../src/machine/ntstatus';
import { GiB, PAGE_SIZE } from '../../src/contracts/units';
import { DmaError } from '../../src/contracts/dma-test-device-registers';
import { ORACLE_NAMES, checkWorkload } from '../../src/oracles/conformance-oracles';
import { completionOracle } from '../../src/oracles/completion-oracle';
import { dataOracle } from '../../src/oracles/data-oracle';
import { leftoversOracle } from '../../src/oracles/leftovers-oracle';
import { describeFindings, rulesOf } from '../../src/oracles/oracle-finding';
import { ownershipOracle } from '../../src/oracles/ownership-oracle';
import { stopOracle } from '../../src/oracles/stop-oracle';
import { verifierOracle } from '../../src/oracles/verifier-oracle';
import { guardedKernelBuffer } from '../../src/workload/hostile-input';
import { startWorkload, workloadWithApplication } from '../workload/workload-fixture';

describe('a clean workload', () => {
  it('passes every oracle', () => {
    const { workload, app } = workloadWithApplication();
    app.read(app.allocate(100_000, 3));
    app.write(app.allocate(70_000, 4000));
    workload.finish();
    assert.deepEqual(checkWorkload(workload), []);
    assert.equal(ORACLE_NAMES.length, 6);
  });
});

describe('the stop oracle', () => {
  it('reports a bug check against the rule its code stands for', () => {
    const workload = startWorkload();
    workload.perform('mapping', () => workload.machine.kernel.crash(new BugCheck(0xe6, 0x0e, 1, 2, 1, 'VER-UNLOCKED-DMA: test')));
    const [finding] = stopOracle(workload);
    assert.equal(finding?.rule, 'PAGE-1');
    assert.match(finding!.message, /while mapping: bug check 0xE6/);
  });

  it('reports a hang, and nothing for a workload that ran to its end', () => {
    const workload = startWorkload();
    assert.deepEqual(stopOracle(workload), []);
    workload.perform('waiting', () => { throw new DriverHang('drv', 'completing request #1', 'never'); });
    assert.deepEqual(stopOracle(workload).map((f) => f.rule), ['PAGE-5']);
  });
});

describe('the verifier oracle', () => {
  it('reports recorded verifier findings and the I/O manager\'s findings against the driver', () => {
    const workload = startWorkload({ verifierMode: 'record' });
    workload.machine.verifier.report('VER-SG-DOUBLE-PUT', 1, 2, 3, 'a list put back twice');
    workload.machine.io.findings.push({ kind: 'cleanup-left-requests-pending', driver: workload.driverName, detail: 'two reads left', atNs: 0, irpIds: [1, 2] });
    workload.machine.io.findings.push({ kind: 'status-mismatch', driver: 'someone-else', detail: 'not ours', atNs: 0, irpIds: [] });
    const findings = verifierOracle(workload);
    assert.deepEqual(findings.map((f) => f.rule), ['SG-3', 'PAGE-5']);
    assert.match(findings[1]!.message, /two reads left/);
  });
});

describe('the data oracle', () => {
  it('reports a read whose bytes differ and a write the device found different', () => {
    const workload = startWorkload();
    workload.recordDataCheck({ label: 'read #1', rule: 'PAGE-1', mismatch: 'byte 7 differs' });
    workload.recordDataCheck({ label: 'read #2', rule: 'PAGE-1', mismatch: null });
    workload.machine.dmaDevice.checker.check(0, new Uint8Array(16));
    const findings = dataOracle(workload);
    assert.equal(findings.length, 2);
    assert.equal(findings[0]!.message, 'read #1: byte 7 differs');
    assert.match(findings[1]!.message, /the device read \d+ byte\(s\) for writes that differ/);
  });

  it('names SG-6 first where the 32-bit device\'s adapter bounces (RAM above 4 GiB), the check\'s rule where it does not', () => {
    const bouncing = startWorkload({ ramBytes: 6 * GiB, dmaDevice: { addressBits: 32, maxTransferLength: 65536, patternSeed: 1 } });
    bouncing.recordDataCheck({ label: 'read', rule: 'PAGE-1', mismatch: 'stale' });
    assert.deepEqual(rulesOf(dataOracle(bouncing)), ['SG-6']);
    const low = startWorkload({ ramBytes: 1 * GiB, dmaDevice: { addressBits: 32, maxTransferLength: 65536, patternSeed: 1 } });
    low.recordDataCheck({ label: 'read', rule: 'PAGE-1', mismatch: 'stale' });
    assert.deepEqual(rulesOf(dataOracle(low)), ['PAGE-1']);
  });

  it('names the check\'s own rule for the driver\'s answer or holdings, even where the adapter bounces', () => {
    const bouncing = startWorkload({ ramBytes: 6 * GiB, dmaDevice: { addressBits: 32, maxTransferLength: 65536, patternSeed: 1 } });
    bouncing.recordDataCheck({ label: 'set-up', rule: 'CONT-3', of: 'driver-answer', mismatch: 'kept 4 preallocated buffers' });
    const findings = dataOracle(bouncing);
    assert.deepEqual(rulesOf(findings), ['CONT-3']);
    assert.equal(findings[0]!.candidates, undefined, 'no other rule is offered');
  });
});

describe('the completion oracle', () => {
  it('reports a request that ended otherwise than the rules require, and one that never finished', () => {
    const { workload, app } = workloadWithApplication();
    const failed = new IoRequest(90, 'read', app.process, workload.driverName, 4096, 0);
    failed.status = STATUS.IO_DEVICE_ERROR;
    failed.done = true;
    workload.track(failed, 'read that failed', { kind: 'success', length: 4096 }, 'MDL-4');
    workload.track(new IoRequest(91, 'read', app.process, workload.driverName, 1, 0), 'read left pending', { kind: 'success', length: 1 }, 'MDL-4');
    const findings = completionOracle(workload);
    assert.deepEqual(findings.map((f) => f.rule), ['MDL-4', 'PAGE-5']);
    assert.match(describeFindings(findings), /\[completion, MDL-4\] read that failed ended in STATUS_IO_DEVICE_ERROR/);
  });
});

describe('the completion oracle and the device\'s errors', () => {
  /** A finished request of `length` bytes on stream offset 0, as a driver completed it. */
  function finished(status: number, information: number) {
    const { workload, app } = workloadWithApplication();
    const request = new IoRequest(92, 'read', app.process, workload.driverName, 8192, 0);
    request.status = status;
    request.information = information;
    request.done = true;
    const tracked = workload.track(request, 'read of 8 KiB', { kind: 'success', length: 8192 }, 'MDL-4', { offset: 0, length: 8192 });
    const log = workload.machine.dmaDevice.transferLog;
    const record = { toDevice: false, ring: true, streamStart: 0, errorAddress: 0x5000, endedNs: 0 };
    return { workload, tracked, log, record };
  }

  it('a failed request names the device error that stopped it, and the rule that error points at', () => {
    const { workload, log, record } = finished(STATUS.IO_DEVICE_ERROR, 0);
    log.add({ ...record, streamEnd: 4096, errorCode: DmaError.BadLength, errorName: 'BadLength', descriptor: 3 });
    const findings = completionOracle(workload);
    assert.deepEqual(rulesOf(findings), ['DEV-2']);
    assert.match(findings[0]!.message, /ended in STATUS_IO_DEVICE_ERROR .*; the device stopped with device error BadLength at descriptor 3/);
  });

  it('a failure status no device fault allows, after an injected master abort: the request\'s own rule, the device error in the message', () => {
    const { workload, tracked, log, record } = finished(STATUS.UNSUCCESSFUL, 0);
    tracked.disturbances.add('device-fault');
    log.add({ ...record, streamEnd: 4096, errorCode: DmaError.MasterAbort, errorName: 'MasterAbort', descriptor: 1 });
    const findings = completionOracle(workload);
    assert.deepEqual(rulesOf(findings), ['MDL-4']);
    assert.match(findings[0]!.message, /device error MasterAbort at descriptor 1/);
  });

  it('success after the device reported an error, for bytes it never moved, is a DEV-3 finding, even where a device fault excuses a failure', () => {
    const { workload, tracked, log, record } = finished(STATUS.SUCCESS, 8192);
    tracked.disturbances.add('device-fault');
    log.add({ ...record, streamEnd: 4096, errorCode: DmaError.MasterAbort, errorName: 'MasterAbort', descriptor: 1 });
    const findings = completionOracle(workload);
    assert.deepEqual(rulesOf(findings), ['DEV-3']);
    assert.match(findings[0]!.message, /completed with STATUS_SUCCESS and 8192 byte\(s\) after device error MasterAbort at descriptor 1 .*the device moved only 4096 of those bytes/);
  });

  it('an error completion claiming more bytes than the device moved before its error is a DEV-3 finding; one claiming what it moved is not', () => {
    const over = finished(STATUS.IO_DEVICE_ERROR, 8192);
    over.tracked.disturbances.add('device-fault');
    over.log.add({ ...over.record, streamEnd: 4096, errorCode: DmaError.MasterAbort, errorName: 'MasterAbort', descriptor: 1 });
    const findings = completionOracle(over.workload);
    assert.deepEqual(rulesOf(findings), ['DEV-3']);
    assert.match(findings[0]!.message, /completed with STATUS_IO_DEVICE_ERROR and 8192 byte\(s\) after device error MasterAbort .*the device moved only 4096 of those bytes/);
    const exact = finished(STATUS.IO_DEVICE_ERROR, 4096);
    exact.tracked.disturbances.add('device-fault');
    exact.log.add({ ...exact.record, streamEnd: 4096, errorCode: DmaError.MasterAbort, errorName: 'MasterAbort', descriptor: 1 });
    assert.deepEqual(completionOracle(exact.workload), []);
  });

  it('success after an error the driver recovered from (the failed part ran again), or with no error, is no finding', () => {
    const { workload, log, record } = finished(STATUS.SUCCESS, 8192);
    assert.deepEqual(completionOracle(workload), []);
    log.add({ ...record, streamEnd: 4096, errorCode: DmaError.MasterAbort, errorName: 'MasterAbort', descriptor: 1 });
    log.add({ ...record, streamStart: 4096, streamEnd: 8192, errorCode: 0, errorName: 'None', descriptor: null });
    assert.deepEqual(completionOracle(workload), []);
  });
});

describe('the ownership oracle', () => {
  it('reports device access to a free frame and to another process\'s frame, not to the application\'s own', () => {
    const { workload, app } = workloadWithApplication({ verifierMode: 'record' });
    const trace = workload.session!.trace;
    const machine = workload.machine;
    const access = (pfn: number) => trace.onDeviceAccess({ device: 8, deviceName: 'dma0', busAddress: pfn * PAGE_SIZE, physicalAddress: pfn * PAGE_SIZE, pfn, length: 64, write: true, atNs: 0 });
    const mine = app.allocate(PAGE_SIZE);
    app.app.writeBytes(mine, new Uint8Array([1]));
    access(machine.mm.translate(mine.address, app.process.addressSpace));
    assert.deepEqual(ownershipOracle(workload), []);
    let free = 300;
    while (machine.physical.state[free] !== FrameState.Free) free++;
    access(free);
    const other = machine.kernel.createProcess('other.exe');
    const va = machine.mm.allocateVirtual(other.addressSpace, PAGE_SIZE);
    machine.cpu.inProcess(other, () => machine.mm.writeVirtual(va, new Uint8Array([2])));
    access(machine.mm.translate(va, other.addressSpace));
    const findings = ownershipOracle(workload);
    assert.equal(findings.length, 2);
    assert.match(findings[0]!.message, /belonged to nobody \(free\)/);
    assert.match(findings[1]!.message, /belonged to process other\.exe/);
    assert.deepEqual(rulesOf(findings), ['PAGE-1']);
  });

  it('reports kernel memory passed as a buffer that came out changed', () => {
    const workload = startWorkload();
    const guard = guardedKernelBuffer(workload, 3 * PAGE_SIZE)!;
    assert.deepEqual(ownershipOracle(workload), []);
    workload.machine.mm.writeVirtual(guard.va + PAGE_SIZE + 5, new Uint8Array([0xff, 0xff]), workload.machine.mm.systemSpace);
    const [finding] = ownershipOracle(workload);
    assert.equal(finding?.rule, 'PAGE-3');
    assert.match(finding!.message, /changed at byte 4101 \(page 1\)/);
  });
});

describe('the leftovers oracle', () => {
  it('cannot count before the driver is unloaded, and says so', () => {
    const workload = startWorkload();
    assert.deepEqual(leftoversOracle(workload).map((f) => f.rule), ['VER-LEAK-AT-UNLOAD']);
  });

  it('reports pool, MDLs and locked pages the driver left, and a mapping left after cleanup', () => {
    const { workload, app } = workloadWithApplication();
    const machine = workload.machine;
    const buffer = app.allocate(2 * PAGE_SIZE);
    machine.cpu.inDriver(workload.driverName, () => machine.cpu.inProcess(app.process, () => {
      machine.mm.ExAllocatePoolWithTag('NonPagedPool', 100, 'Leak');
      const mdl = machine.kernel.mdl.IoAllocateMdl(buffer.address, buffer.length, false, false, null, workload.driverName)!;
      machine.kernel.mdl.MmProbeAndLockPages(mdl, 'UserMode', 'IoWriteAccess');
    }));
    workload.leftAtClose.push({ rule: 'CONT-6', message: 'MDL #9 is still mapped into app.exe' });
    app.close();
    workload.session!.unload();
    const rules = rulesOf(leftoversOracle(workload));
    assert.deepEqual(rules.sort(), ['CONT-4', 'CONT-6', 'PAGE-5'].sort());
    assert.ok(leftoversOracle(workload).some((f) => /2 page\(s\) of app.exe are still locked/.test(f.message)));
  });

  it('reports system PTEs the driver still holds after unload', () => {
    const workload = startWorkload();
    const machine = workload.machine;
    machine.cpu.inDriver(workload.driverName, () => machine.mm.MmMapIoSpace(machine.dmaDevice.registerAddress(0), PAGE_SIZE));
    workload.session!.unload();
    assert.ok(leftoversOracle(workload).some((f) => f.rule === 'MDL-3' && /1 system PTE/.test(f.message)));
  });
});
