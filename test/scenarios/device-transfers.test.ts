/**
 * Programming the DMA test device (rings, single buffers, polling and
 * interrupts, started-then-finished transfers) and one transfer through a
 * scatter/gather list, end to end.
 */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { FOUR_GIB } from '../../src/machine/boot-config';
import { PAGE_SIZE } from '../../src/contracts/units';
import { cutToDeviceMaximum, descriptorRing, finishRingTransfer, receivedMasterAbort, runRingTransfer, runSingleTransfers, setBusMastering, startRingTransfer } from '../../src/scenarios/dma-test-device-programming';
import { getScatterGatherList, putScatterGatherList } from '../../src/scenarios/scatter-gather-calls';
import { bytesInFrames, deviceTransferThroughList, transferThroughNewList } from '../../src/scenarios/scatter-gather-transfer';
import { DESCRIPTOR_SIZE, DescriptorFlag } from '../../src/contracts/dma-test-device-registers';
import { DRIVER, adapter, boot, lockedBuffer, readBack } from './scenario-fixture';

describe('device programming', () => {
  it('cuts runs to the device maximum and lays out descriptors with LAST on the final one', () => {
    const runs = cutToDeviceMaximum([{ address: 0x10000, length: 150 }, { address: 0x90000, length: 20 }], 64);
    assert.deepEqual(runs, [
      { address: 0x10000, length: 64 }, { address: 0x10040, length: 64 }, { address: 0x10080, length: 22 }, { address: 0x90000, length: 20 },
    ]);
    const ring = new DataView(descriptorRing(runs).buffer);
    assert.equal(ring.byteLength, 4 * DESCRIPTOR_SIZE);
    assert.equal(ring.getUint32(2 * DESCRIPTOR_SIZE + 8, true), 22);
    assert.equal(ring.getUint32(2 * DESCRIPTOR_SIZE + 12, true), 0);
    assert.equal(ring.getUint32(3 * DESCRIPTOR_SIZE + 12, true), DescriptorFlag.Last);
    assert.equal(ring.getUint32(3 * DESCRIPTOR_SIZE, true), 0x90000);
  });

  it('a ring transfer completes by polling and by interrupt, and the interrupt path takes longer', () => {
    const machine = boot();
    const a = adapter(machine);
    setBusMastering(machine, true);
    const logical = { QuadPart: 0 };
    const va = a.DmaOperations.AllocateCommonBuffer(a, 64 * 1024, logical, false)!;
    const polled = runRingTransfer(machine, a, [{ address: logical.QuadPart, length: 64 * 1024 }], 'from-device', 'polling');
    assert.equal(polled.state, 'done');
    assert.equal(polled.errorName, 'None');
    assert.equal(machine.dmaDevice.pattern.firstMismatch(0, machine.mm.readVirtual(va, 64 * 1024)), -1);
    const interrupted = runRingTransfer(machine, a, [{ address: logical.QuadPart, length: 64 * 1024 }], 'from-device', 'interrupt');
    assert.equal(interrupted.state, 'done');
    assert.ok(interrupted.elapsedNs > polled.elapsedNs, `interrupt ${interrupted.elapsedNs} ns against polling ${polled.elapsedNs} ns`);
    assert.equal(a.commonBuffers.outstandingCount, 1, 'the rings were freed again');
    assert.equal(machine.dmaDevice.interrupt.connected, false, 'the ISR was disconnected');
  });

  it('with bus mastering off a single-buffer transfer ends in MasterAbort and config space records it', () => {
    const machine = boot({ verifierMode: 'record' });
    const r = runSingleTransfers(machine, [{ address: 0x200000, length: 512 }], 'from-device', 'polling');
    assert.equal(r.errorName, 'MasterAbort');
    assert.equal(receivedMasterAbort(machine), true);
    assert.equal(machine.verifier.findingsOf('VER-BUS-MASTER-OFF').length, 1);
  });

  it('a single transfer longer than the maximum is refused by the device when not cut', () => {
    const machine = boot({ dmaDevice: { addressBits: 64, maxTransferLength: 4096, patternSeed: 1 } });
    const a = adapter(machine);
    setBusMastering(machine, true);
    const logical = { QuadPart: 0 };
    a.DmaOperations.AllocateCommonBuffer(a, 8192, logical, false);
    assert.equal(runSingleTransfers(machine, [{ address: logical.QuadPart, length: 8192 }], 'from-device', 'polling', 0, false).errorName, 'BadLength');
    assert.equal(runSingleTransfers(machine, [{ address: logical.QuadPart, length: 8192 }], 'from-device', 'polling', 0, true).errorName, 'None');
  });

  it('a started transfer runs only when the driver waits, so a list put back meanwhile is caught', () => {
    const machine = boot({ verifierMode: 'record' });
    const a = adapter(machine);
    setBusMastering(machine, true);
    const b = lockedBuffer(machine, 4 * PAGE_SIZE);
    const got = getScatterGatherList(machine, DRIVER, a, { mdl: b.mdl, va: b.va, length: b.bytes, writeToDevice: false });
    const started = startRingTransfer(machine, a, got.list!.Elements.map((e) => ({ address: e.Address, length: e.Length })), 'from-device');
    assert.equal(machine.dmaDevice.totalDmaBytes, 0, 'nothing moved before time passes');
    putScatterGatherList(machine, DRIVER, a, got.list!, false);
    const r = finishRingTransfer(machine, started);
    assert.equal(r.state, 'done');
    assert.ok(machine.verifier.findingsOf('VER-DMA-OUTSIDE-BUFFER').length >= 1);
  });
});

describe('a transfer through a scatter/gather list', () => {
  it('moves the device\'s data into a locked user buffer and reports the simulated time', () => {
    const machine = boot();
    const a = adapter(machine);
    setBusMastering(machine, true);
    const b = lockedBuffer(machine, 100 * 1024 + 17, 300);
    const t = transferThroughNewList(machine, DRIVER, a, { mdl: b.mdl, va: b.va, length: b.bytes, writeToDevice: false });
    assert.equal(t.device.state, 'done');
    assert.ok(t.elapsedNs > t.device.elapsedNs && t.device.elapsedNs > 0);
    assert.deepEqual(t.data, machine.dmaDevice.pattern.expected(0, b.bytes));
    assert.deepEqual(readBack(machine, b), t.data);
    assert.deepEqual(machine.verifier.findings, []);
    assert.equal(a.lists.outstandingCount, 0);
  });

  it('for a 32-bit device the frames above 4 GiB get the data only at the put', () => {
    const machine = boot({ dmaDevice: { addressBits: 32, maxTransferLength: 64 * 1024, patternSeed: 9 } });
    const a = adapter(machine);
    setBusMastering(machine, true);
    const b = lockedBuffer(machine, 64 * PAGE_SIZE);
    assert.ok(b.mdl.PfnArray.some((pfn) => pfn * PAGE_SIZE >= FOUR_GIB));
    const got = getScatterGatherList(machine, DRIVER, a, { mdl: b.mdl, va: b.va, length: b.bytes, writeToDevice: false });
    assert.equal(deviceTransferThroughList(machine, a, got.list!, false).state, 'done');
    const expected = machine.dmaDevice.pattern.expected(0, b.bytes);
    assert.notDeepEqual(bytesInFrames(machine, b.mdl, b.va, b.bytes), expected);
    putScatterGatherList(machine, DRIVER, a, got.list!, false);
    assert.deepEqual(bytesInFrames(machine, b.mdl, b.va, b.bytes), expected);
  });
});
