/**
 * Reference driver 4 (storage-forward-progress) through the I/O manager:
 * direct-I/O reads and writes of any size and alignment, and forward progress
 * when every pool allocation of the driver fails (SG-5): lists built into the
 * reserve, requests queued while it is busy, each list put back once (SG-3).
 */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { STATUS, statusName } from '../../src/machine/ntstatus';
import { KiB, MiB, PAGE_SIZE } from '../../src/contracts/units';
import { Application } from '../../src/kernel/io/application';
import { installDriver } from '../../src/personalities/wdm/loader';
import type { DriverModule } from '../../src/personalities/wdm/contract';
import { DmaAdapter } from '../../src/kernel/hal/dma-adapter';
import { STORAGE_MAXIMUM_TRANSFER } from '../../src/conformance/storage-forward-progress/interface';
import { bootSmallMachine } from '../mm/machine-fixture';
import { referenceDriverFor } from './suite-drivers';

const storage = referenceDriverFor('storage-forward-progress');

function start(driver: DriverModule = storage) {
  const machine = bootSmallMachine();
  const installed = installDriver(machine, driver, [machine.bus.functionOf(machine.dmaDevice)]);
  const app = new Application(machine.io, 'app');
  const handle = app.open(`${driver.name}#0`);
  const adapter = () => machine.hal.liveAdapters(driver.name)[0] as DmaAdapter;
  return { machine, installed, app, handle, adapter, device: machine.dmaDevice };
}

describe('storage-forward-progress: ordinary requests', () => {
  it('reads and writes buffers of any size and start, longer ones in several transfers', () => {
    const { machine, app, handle, device, adapter, installed } = start();
    const sizes = [1, 511, PAGE_SIZE, 3 * MiB + 123];
    sizes.forEach((size, i) => {
      const buffer = app.allocate(size, { offset: (i * 1111) % PAGE_SIZE });
      const read = app.ReadFile(handle, buffer, undefined, { byteOffset: i * 100_000 });
      assert.equal(read.status, STATUS.SUCCESS, read.describe());
      assert.equal(read.information, size);
      assert.equal(app.firstPatternMismatch(buffer, device.pattern, i * 100_000), null);
    });
    const out = app.allocate(2 * MiB + 5, { offset: 77 });
    app.writePattern(out, device.pattern, 0);
    const write = app.WriteFile(handle, out, undefined, { byteOffset: 0 });
    assert.equal(write.status, STATUS.SUCCESS);
    assert.equal(device.checker.mismatchCount, 0);
    assert.equal(device.checker.bytesChecked, out.length);
    const lists = adapter().lists;
    assert.equal(lists.allocatedCount, lists.freedCount, 'every list was put back');
    assert.ok(lists.allocatedCount >= sizes.length + 3, 'a 3 MiB request takes several lists');
    app.CloseHandle(handle);
    app.exit();
    machine.io.unloadDriver(installed.driverObject);
    assert.equal(machine.kernel.stopped, null);
    assert.deepEqual(machine.io.findings, []);
    assert.deepEqual(machine.verifier.findings, []);
    assert.equal(machine.mm.nonPagedPool.outstanding(storage.name).length, 0, 'the reserve is freed at removal');
  });
});

describe('storage-forward-progress: forward progress (SG-5)', () => {
  it('completes every request while every pool allocation of the driver fails, one list at a time in the reserve', () => {
    const { machine, app, handle, device, adapter } = start();
    machine.kernel.faults.add({ point: 'ExAllocatePoolWithTag:NonPagedPool', mode: { kind: 'every' }, callSite: storage.name });
    const buffers = Array.from({ length: 8 }, (_, i) => app.allocate(STORAGE_MAXIMUM_TRANSFER, { offset: 1 + i * 7 }));
    const requests = buffers.map((b, i) => app.ReadFile(handle, b, undefined, { overlapped: true, byteOffset: i * STORAGE_MAXIMUM_TRANSFER }));
    for (const r of requests) app.waitFor(r);
    requests.forEach((r, i) => {
      assert.equal(statusName(r.status), 'STATUS_SUCCESS', r.describe());
      assert.equal(r.information, STORAGE_MAXIMUM_TRANSFER);
      assert.equal(app.firstPatternMismatch(buffers[i]!, device.pattern, i * STORAGE_MAXIMUM_TRANSFER), null);
    });
    assert.ok((machine.kernel.faults.injected.get('ExAllocatePoolWithTag:NonPagedPool') ?? 0) >= 8, 'pool allocation really failed');
    const lists = adapter().lists;
    assert.equal(lists.allocatedCount, 8);
    assert.equal(lists.freedCount, 8);
    assert.deepEqual(machine.verifier.findings, []);
    app.CloseHandle(handle);
  });

  it('a list that cannot be built into the reserve with nothing in flight is tried again later, and the request completes', () => {
    const { machine, app, handle, device } = start();
    machine.kernel.faults.add({ point: 'GetScatterGatherList', mode: { kind: 'nth', n: 1 }, callSite: storage.name });
    machine.kernel.faults.add({ point: 'BuildScatterGatherList', mode: { kind: 'nth', n: 1 }, callSite: storage.name });
    const buffer = app.allocate(STORAGE_MAXIMUM_TRANSFER, { offset: 9 });
    const read = app.ReadFile(handle, buffer, undefined, { byteOffset: 0 });
    assert.equal(statusName(read.status), 'STATUS_SUCCESS', read.describe());
    assert.equal(app.firstPatternMismatch(buffer, device.pattern, 0), null);
    assert.equal(machine.kernel.faults.injected.get('BuildScatterGatherList'), 1, 'building into the reserve really failed');
    assert.deepEqual(machine.verifier.findings, []);
    app.CloseHandle(handle);
  });

  it('mixes pool lists and reserve lists when only some allocations fail, writes included', () => {
    const { machine, app, handle, device, adapter } = start();
    machine.kernel.faults.add({ point: 'ExAllocatePoolWithTag:NonPagedPool', mode: { kind: 'fraction', probability: 0.5 }, callSite: storage.name });
    let streamOffset = 0;
    const work = Array.from({ length: 12 }, (_, i) => {
      const size = 64 * KiB * (1 + (i % 5)) + i;
      const buffer = app.allocate(size, { offset: (i * 313) % PAGE_SIZE });
      const at = streamOffset;
      streamOffset += size;
      return { buffer, at, write: i % 3 === 2 };
    });
    const requests = work.map((w) => {
      if (w.write) app.writePattern(w.buffer, device.pattern, w.at);
      return w.write ? app.WriteFile(handle, w.buffer, undefined, { overlapped: true, byteOffset: w.at }) : app.ReadFile(handle, w.buffer, undefined, { overlapped: true, byteOffset: w.at });
    });
    for (const r of requests) app.waitFor(r);
    requests.forEach((r, i) => {
      assert.equal(r.status, STATUS.SUCCESS, r.describe());
      if (!work[i]!.write) assert.equal(app.firstPatternMismatch(work[i]!.buffer, device.pattern, work[i]!.at), null);
    });
    assert.equal(device.checker.mismatchCount, 0);
    assert.equal(adapter().lists.allocatedCount, adapter().lists.freedCount);
    assert.deepEqual(machine.verifier.findings, []);
  });

  it('cancels requests still waiting for the reserve when their handle is closed, and nothing is left behind', () => {
    const { machine, app, handle, installed } = start();
    machine.kernel.faults.add({ point: 'ExAllocatePoolWithTag:NonPagedPool', mode: { kind: 'every' }, callSite: storage.name });
    const requests = Array.from({ length: 4 }, (_, i) => app.ReadFile(handle, app.allocate(512 * KiB), undefined, { overlapped: true, byteOffset: i * 512 * KiB }));
    app.CloseHandle(handle);
    for (const r of requests) assert.ok(r.done);
    assert.equal(requests[0]!.status, STATUS.SUCCESS, 'the transfer on the device finishes');
    assert.ok(requests.slice(1).every((r) => r.status === STATUS.CANCELLED || r.status === STATUS.SUCCESS));
    assert.ok(requests.some((r) => r.status === STATUS.CANCELLED), 'waiting requests are cancelled at cleanup');
    app.exit();
    machine.io.unloadDriver(installed.driverObject);
    assert.equal(machine.kernel.stopped, null);
    assert.deepEqual(machine.io.findings, []);
    assert.deepEqual(machine.verifier.findings, []);
  });

  it('a transfer the device never finishes is aborted by the watchdog, and its request still completes', () => {
    const { machine, app, handle, adapter } = start();
    machine.dmaDevice.injectFault('hang');
    const hung = app.ReadFile(handle, app.allocate(256 * KiB), undefined, { byteOffset: 0 });
    assert.equal(statusName(hung.status), 'STATUS_IO_DEVICE_ERROR');
    const next = app.ReadFile(handle, app.allocate(64 * KiB), undefined, { byteOffset: 0 });
    assert.equal(next.status, STATUS.SUCCESS, 'the device works again after the abort');
    assert.equal(adapter().lists.outstandingCount, 0);
  });
});
