/**
 * The performance measurements (DEV-3, DEV-4, DEV-5, PAGE-6) measure what
 * they say, deliver intact data, and keep their invariants.
 */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { MiB, PAGE_SIZE } from '../../src/contracts/units';
import { addressesIncrement, distinctAddresses, fifoTransferFromPort, memoryBlockTransferThroughWindow, watchBusAccesses } from '../../src/scenarios/fifo-and-block-transfers';
import { prepareRequests } from '../../src/scenarios/lock-per-request-cost';
import { blockWriteIntoMemoryWindow, fifoReadMethodNamed, measureFifoRead } from '../../src/scenarios/register-access-measurement';
import { BLOCKING_CALL_BYTES, measureEveryTransferType, measureTransferType, slowestToFastest, transferTypeNamed } from '../../src/scenarios/transfer-type-ranking';
import { DRIVER, adapter, boot } from './scenario-fixture';

describe('transfer types (DEV-3)', () => {
  it('every type delivers the device\'s data; for 64 KiB they rank as seed 002 says', () => {
    const machine = boot();
    const app = machine.kernel.createProcess('app');
    const all = measureEveryTransferType(machine, app, 64 * 1024);
    assert.ok(all.every((m) => m.dataIntact), JSON.stringify(all));
    assert.deepEqual(slowestToFastest(all), ['blocking block transfer', 'non-blocking single accesses', 'DMA with interrupts', 'DMA with polling']);
    assert.equal(machine.verifier.findings.length, 0);
  });

  it('for one ULONG a single access beats DMA; odd sizes and unknown names are refused', () => {
    const machine = boot();
    const app = machine.kernel.createProcess('app');
    const single = measureTransferType(machine, app, 'non-blocking single accesses', 4);
    const dma = measureTransferType(machine, app, 'DMA with polling', 4);
    assert.ok(single.elapsedNs < dma.elapsedNs);
    assert.throws(() => measureTransferType(machine, app, 'DMA with polling', 6), /multiple of 4/);
    assert.throws(() => transferTypeNamed('carrier pigeon'), /unknown transfer type/);
    assert.equal(BLOCKING_CALL_BYTES % 4, 0);
  });
});

describe('register access (DEV-4, DEV-5)', () => {
  it('MMIO beats ports and a block beats singles, with the stream intact', () => {
    const machine = boot();
    const m = (name: string) => measureFifoRead(machine, fifoReadMethodNamed(name), 1024);
    const mmio = m('single reads through the memory-mapped register');
    const port = m('single reads through the I/O port');
    const block = m('one block read through the I/O port');
    assert.ok(mmio.dataIntact && port.dataIntact && block.dataIntact);
    assert.ok(mmio.elapsedNs < port.elapsedNs);
    assert.ok(block.elapsedNs < port.elapsedNs);
    assert.equal(port.busAccesses, 256);
    assert.throws(() => fifoReadMethodNamed('smoke signals'), /unknown way/);
  });

  it('a misaligned block write is split and still lands in place', () => {
    const machine = boot();
    assert.deepEqual(blockWriteIntoMemoryWindow(machine, 0x200, 2), { busAccesses: 2, landedInPlace: true });
    assert.deepEqual(blockWriteIntoMemoryWindow(machine, 0x301, 2), { busAccesses: 4, landedInPlace: true });
    assert.throws(() => blockWriteIntoMemoryWindow(machine, 4090, 2), /do not fit/);
  });

  it('FIFO transfers stay on one address, memory-block transfers walk; the bus is left as it was', () => {
    const machine = boot();
    const fifo = fifoTransferFromPort(machine, 8);
    assert.equal(fifo.accesses.length, 8);
    assert.deepEqual(distinctAddresses(fifo.accesses), [fifo.firstDeviceAddress]);
    assert.deepEqual(fifo.buffer, machine.dmaDevice.pattern.expected(0, 32));
    const block = memoryBlockTransferThroughWindow(machine, 0x40, 8);
    assert.equal(addressesIncrement(block.accesses), true);
    assert.equal(addressesIncrement(fifo.accesses), false);
    assert.deepEqual(block.buffer, block.written);
    assert.equal(Object.prototype.hasOwnProperty.call(machine.bus, 'mmioRead'), false, 'the watch removed its shadow methods');
    assert.throws(() => watchBusAccesses(machine.bus, () => { throw new Error('boom'); }), /boom/);
    assert.equal(Object.prototype.hasOwnProperty.call(machine.bus, 'portRead'), false, 'removed even when the transfer throws');
  });
});

describe('locking per request against a long-lived buffer (PAGE-6)', () => {
  it('per request grows with the requests; the long-lived buffer locks once', () => {
    const machine = boot();
    const a = adapter(machine);
    const process = machine.kernel.createProcess('app');
    const va = machine.mm.allocateVirtual(process.addressSpace, MiB / 4);
    machine.cpu.inProcess(process, () => machine.mm.fillVirtual(va, MiB / 4, 1));
    const buffer = { process, va, length: MiB / 4 };
    const p1 = prepareRequests(machine, DRIVER, a, buffer, 1, 'lock per request');
    const p8 = prepareRequests(machine, DRIVER, a, buffer, 8, 'lock per request');
    const l1 = prepareRequests(machine, DRIVER, a, buffer, 1, 'long-lived buffer');
    const l8 = prepareRequests(machine, DRIVER, a, buffer, 8, 'long-lived buffer');
    assert.equal(p1.pages, 64);
    assert.ok(Math.abs(p8.cpuNs - 8 * p1.cpuNs) < 1e-6 * p8.cpuNs, `${p8.cpuNs} against 8 x ${p1.cpuNs}`);
    assert.equal(l8.lockingNs, l1.lockingNs);
    assert.equal(l1.lockingNs, p1.lockingNs);
    assert.ok(p8.cpuNs / l8.cpuNs > p1.cpuNs / l1.cpuNs);
    assert.equal(process.addressSpace.lockedPages, 0, 'every lock undone');
    assert.equal(a.lists.outstandingCount, 0);
    assert.throws(() => prepareRequests(machine, DRIVER, a, buffer, 0, 'lock per request'), /at least 1/);
    assert.ok(PAGE_SIZE > 0);
  });
});
