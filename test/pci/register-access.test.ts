import { test } from 'node:test';
import assert from 'node:assert/strict';
import { COST } from '../../src/machine/cost-model';
import {
  READ_PORT_BUFFER_ULONG, READ_PORT_ULONG, READ_REGISTER_BUFFER_ULONG, READ_REGISTER_UCHAR, READ_REGISTER_ULONG,
  WRITE_PORT_BUFFER_ULONG, WRITE_REGISTER_BUFFER_ULONG, WRITE_REGISTER_ULONG, transferBlock,
} from '../../src/kernel/hal/register-access';
import { DmaPortRegister, DmaRegister } from '../../src/contracts/dma-test-device-registers';
import { bootPci } from './pci-fixture';

const ulongs = (bytes: Uint8Array) => Array.from({ length: bytes.length / 4 }, (_, i) => new DataView(bytes.buffer).getUint32(i * 4, true));

test('an MMIO register access costs less simulated time than the same access through an I/O port', () => {
  const pci = bootPci();
  const t0 = pci.clock.now;
  READ_REGISTER_ULONG(pci.bus, pci.dma.registerAddress(DmaRegister.FifoData));
  const mmio = pci.clock.now - t0;
  const t1 = pci.clock.now;
  READ_PORT_ULONG(pci.bus, pci.dma.portAddress(DmaPortRegister.FifoData));
  const port = pci.clock.now - t1;
  assert.ok(mmio < port, `MMIO ${mmio} ns < port ${port} ns`);
  assert.equal(mmio, COST.singleAccessCallOverhead.ns + COST.mmioRead.ns);
  assert.equal(port, COST.singleAccessCallOverhead.ns + COST.ioPortAccess.ns);
});

test('FIFO transfer: every element comes from the same port, and together they are the stream in order', () => {
  const pci = bootPci();
  const buffer = new Uint32Array(8);
  const reads = pci.bus.stats.portReads;
  READ_PORT_BUFFER_ULONG(pci.bus, pci.dma.portAddress(DmaPortRegister.FifoData), buffer, 8);
  assert.equal(pci.bus.stats.portReads - reads, 8);
  assert.deepEqual(Array.from(buffer), ulongs(pci.dma.pattern.expected(0, 32)));
  // Writing the next 32 bytes of the stream back through the FIFO checks clean.
  const next = new Uint32Array(ulongs(pci.dma.pattern.expected(32, 32)));
  WRITE_PORT_BUFFER_ULONG(pci.bus, pci.dma.portAddress(DmaPortRegister.FifoData), next, 8);
  assert.equal(pci.dma.checker.bytesChecked, 32);
  assert.equal(pci.dma.checker.mismatchCount, 0);
});

test('memory-block transfer: both addresses increment, so the data lands spread over the device window', () => {
  const pci = bootPci();
  const data = new Uint32Array([0x11111111, 0x22222222, 0x33333333, 0x44444444]);
  WRITE_REGISTER_BUFFER_ULONG(pci.bus, pci.dma.memoryWindowAddress + 0x100, data, 4);
  assert.deepEqual(ulongs(pci.dma.memoryWindow.slice(0x100, 0x110)), Array.from(data));
  const back = new Uint32Array(4);
  READ_REGISTER_BUFFER_ULONG(pci.bus, pci.dma.memoryWindowAddress + 0x100, back, 4);
  assert.deepEqual(back, data);
  // The same routine aimed at the MMIO FIFO register walks off it into the next registers:
  // only the first element comes from the FIFO (x64 string-move semantics).
  const walked = new Uint32Array(3);
  READ_REGISTER_BUFFER_ULONG(pci.bus, pci.dma.registerAddress(DmaRegister.FifoData), walked, 3);
  assert.equal(walked[0], ulongs(pci.dma.pattern.expected(0, 4))[0]);
  assert.equal(pci.dma.totalFifoBytes, 4);
  // A non-incrementing block transfer on the MMIO FIFO gives the stream.
  const fifo = new Uint8Array(16);
  transferBlock(pci.bus, { space: 'memory', address: pci.dma.registerAddress(DmaRegister.FifoData), elementWidth: 4, count: 4, direction: 'read', buffer: fifo, autoIncrement: false });
  assert.deepEqual(fifo, pci.dma.pattern.expected(4, 16));
});

test('a misaligned string transfer is split into smaller accesses, and the bytes still land in place', () => {
  const pci = bootPci();
  const data = new Uint32Array([0x04030201, 0x08070605]);
  const aligned = pci.bus.stats.mmioWrites;
  WRITE_REGISTER_BUFFER_ULONG(pci.bus, pci.dma.memoryWindowAddress + 0x200, data, 2);
  assert.equal(pci.bus.stats.mmioWrites - aligned, 2);
  const before = pci.bus.stats.mmioWrites;
  const t0 = pci.clock.now;
  WRITE_REGISTER_BUFFER_ULONG(pci.bus, pci.dma.memoryWindowAddress + 0x301, data, 2);
  // At 0x301 eight bytes go as byte@301, word@302, dword@304, byte@308.
  assert.equal(pci.bus.stats.mmioWrites - before, 4);
  assert.equal(pci.clock.now - t0, COST.singleAccessCallOverhead.ns + 4 * (COST.blockTransferPerElement.ns + COST.mmioWrite.ns));
  assert.deepEqual(Array.from(pci.dma.memoryWindow.slice(0x301, 0x309)), [1, 2, 3, 4, 5, 6, 7, 8]);
  // A single misaligned ULONG read is split too.
  const reads = pci.bus.stats.mmioReads;
  assert.equal(READ_REGISTER_ULONG(pci.bus, pci.dma.memoryWindowAddress + 0x303), 0x06050403);
  assert.equal(pci.bus.stats.mmioReads - reads, 3);
  assert.equal(READ_REGISTER_UCHAR(pci.bus, pci.dma.memoryWindowAddress + 0x308), 8);
});

test('one block transfer costs less than the same data moved by single accesses', () => {
  const pci = bootPci();
  const port = pci.dma.portAddress(DmaPortRegister.FifoData);
  const t0 = pci.clock.now;
  for (let i = 0; i < 64; i++) READ_PORT_ULONG(pci.bus, port);
  const singles = pci.clock.now - t0;
  const t1 = pci.clock.now;
  READ_PORT_BUFFER_ULONG(pci.bus, port, new Uint32Array(64), 64);
  const block = pci.clock.now - t1;
  assert.ok(block < singles, `block ${block} ns < singles ${singles} ns`);
});

test('bad arguments are named: a short buffer, a value too wide', () => {
  const pci = bootPci();
  assert.throws(() => READ_PORT_BUFFER_ULONG(pci.bus, pci.dma.portAddress(0), new Uint32Array(2), 3), /holds 2 ULONGs, Count asks for 3/);
  assert.throws(() => WRITE_REGISTER_ULONG(pci.bus, pci.dma.registerAddress(DmaRegister.InterruptMask), 2 ** 32), /does not fit/);
});
