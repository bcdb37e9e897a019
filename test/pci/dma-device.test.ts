import { test } from 'node:test';
import assert from 'node:assert/strict';
import { COST } from '../../src/machine/cost-model';
import { SimulationStalled } from '../../src/machine/clock';
import { DEVICE_LEVEL } from '../../src/machine/irql';
import { GiB, PAGE_SIZE } from '../../src/contracts/units';
import { FrameFlag } from '../../src/kernel/mm/physical-memory';
import { PciStatus } from '../../src/pci/config-space';
import { describeFaultPoint } from '../../src/pci/dma-device';
import { DescriptorFlag, DmaControl, DmaPortRegister, DmaError, DmaInterrupt, DmaRegister, DmaState, DmaStatusBit, DMA_DEVICE_ID_VALUE } from '../../src/contracts/dma-test-device-registers';
import type { DmaFaultInjection, DmaFaultPoint } from '../../src/pci/dma-device';
import { HARDWARE_INTERRUPT_STORM, STORM_LIMIT } from '../../src/pci/interrupt-line';
import { isBugCheck } from '../../src/machine/bug-check';
import { READ_PORT_ULONG } from '../../src/kernel/hal/register-access';
import { bootPci, reg, setBusMaster, setReg, startRing, startSingle, writeDescriptors } from './pci-fixture';

const state = (status: number) => status & DmaStatusBit.StateMask;
const errorCode = (status: number) => (status >>> DmaStatusBit.ErrorCodeShift) & 0xff;

test('a descriptor-ring transfer writes exactly the pattern into scattered frames and interrupts after the expected time', () => {
  const pci = bootPci();
  setBusMaster(pci, true);
  const ring = pci.frame();
  // Three data frames, scattered; descriptors of unequal lengths, one ending mid-page.
  const frames = [pci.frame(), pci.frame(), pci.frame()];
  assert.ok(frames.some((f, i) => i > 0 && f !== frames[i - 1]! + PAGE_SIZE), 'frames are physically discontiguous');
  const lengths = [PAGE_SIZE, PAGE_SIZE, 1000];
  writeDescriptors(pci, ring, frames.map((address, i) => ({ address, length: lengths[i]!, flags: i === 2 ? DescriptorFlag.Last : 0 })));
  let isrAt = -1;
  let isrIrql = -1;
  pci.dma.interrupt.connect(() => {
    isrAt = pci.clock.now;
    isrIrql = pci.cpu.irql;
    setReg(pci, DmaRegister.InterruptAck, DmaInterrupt.Done);
    return true;
  });
  startRing(pci, ring, 3, DmaControl.InterruptEnable);
  const t0 = pci.clock.now;
  pci.clock.runUntil(() => isrAt >= 0, 'waiting for the completion interrupt');

  const expectedDevice = lengths.reduce((t, len) => t + COST.descriptorFetch.ns + pci.bus.linkTransferNs(len), 0);
  // The ISR runs after the interrupt latency, then pays the ISR cost before its body.
  assert.equal(isrAt, t0 + expectedDevice + COST.interruptLatency.ns + COST.isr.ns);
  assert.equal(isrIrql, DEVICE_LEVEL);
  let stream = 0;
  frames.forEach((f, i) => {
    const got = pci.physical.read(f, lengths[i]!);
    assert.deepEqual(got, pci.dma.pattern.expected(stream, lengths[i]!), `frame ${i} holds the pattern`);
    stream += lengths[i]!;
    assert.ok((pci.physical.flags[f / PAGE_SIZE]! & FrameFlag.DmaTouched) !== 0);
  });
  // Nothing past the last descriptor's length was written.
  assert.deepEqual(pci.physical.read(frames[2]! + 1000, PAGE_SIZE - 1000), new Uint8Array(PAGE_SIZE - 1000));
  const status = reg(pci, DmaRegister.Status);
  assert.equal(state(status), DmaState.Done);
  assert.equal(reg(pci, DmaRegister.BytesTransferred), 2 * PAGE_SIZE + 1000);
  assert.equal(reg(pci, DmaRegister.RingProgress), 3);
  // The device wrote the Completed bit back into each descriptor's flags.
  const flags2 = new DataView(pci.physical.read(ring + 2 * 16 + 12, 4).buffer).getUint32(0, true);
  assert.equal(flags2, (DescriptorFlag.Last | DescriptorFlag.Completed) >>> 0);
  // The observer saw every data frame and the descriptor traffic before it was touched.
  const touched = new Set(pci.observer.ramAccesses.map((a) => a.pfn));
  for (const f of [ring, ...frames]) assert.ok(touched.has(f / PAGE_SIZE));
});

test('completion without interrupts is found by polling the status register', () => {
  const pci = bootPci();
  setBusMaster(pci, true);
  const buffer = pci.frame();
  let isrRuns = 0;
  pci.dma.interrupt.connect(() => ++isrRuns > 0);
  startSingle(pci, buffer, 512, 0);
  let polls = 0;
  while (state(reg(pci, DmaRegister.Status)) === DmaState.Busy) {
    polls++;
    pci.clock.advance(COST.pollInterval.ns);
  }
  assert.ok(polls > 0);
  assert.equal(state(reg(pci, DmaRegister.Status)), DmaState.Done);
  assert.equal(reg(pci, DmaRegister.InterruptStatus) & DmaInterrupt.Done, DmaInterrupt.Done);
  pci.clock.runUntilIdle();
  assert.equal(isrRuns, 0);
  assert.deepEqual(pci.physical.read(buffer, 512), pci.dma.pattern.expected(0, 512));
});

test('the host-to-device checker catches one corrupted byte and counts every byte checked', () => {
  const pci = bootPci();
  setBusMaster(pci, true);
  const buffer = pci.frame();
  const data = pci.dma.pattern.expected(0, 3000);
  data[1234] = data[1234]! ^ 0x40;
  pci.physical.write(buffer, data);
  startSingle(pci, buffer, 3000, DmaControl.DirectionHostToDevice);
  pci.clock.runUntil(() => pci.dma.status !== 'busy', 'host-to-device transfer');
  assert.equal(pci.dma.status, 'done');
  assert.equal(pci.dma.checker.bytesChecked, 3000);
  assert.equal(pci.dma.checker.mismatchCount, 1);
  assert.deepEqual(pci.dma.checker.mismatches[0], { offset: 1234, expected: data[1234]! ^ 0x40, got: data[1234] });
});

test('a descriptor longer than the maximum transfer length stops the transfer with BadLength', () => {
  const pci = bootPci({ dma: { maxTransferLength: 8192 } });
  setBusMaster(pci, true);
  assert.equal(reg(pci, DmaRegister.MaxTransferLength), 8192);
  const ring = pci.frame();
  const a = pci.frame();
  const b = pci.frame();
  writeDescriptors(pci, ring, [{ address: a, length: 4096, flags: 0 }, { address: b, length: 8193, flags: DescriptorFlag.Last }]);
  startRing(pci, ring, 2, 0);
  pci.clock.runUntil(() => pci.dma.status !== 'busy', 'ring transfer');
  const status = reg(pci, DmaRegister.Status);
  assert.equal(state(status), DmaState.Error);
  assert.equal(errorCode(status), DmaError.BadLength);
  assert.equal(reg(pci, DmaRegister.RingProgress), 1);
  assert.equal(reg(pci, DmaRegister.ErrorAddressLow), (ring + 16) % 2 ** 32);
  // Nothing of the bad descriptor was moved.
  assert.equal(pci.physical.flags[b / PAGE_SIZE]! & FrameFlag.DmaTouched, 0);
  // The same limit applies to a single buffer, and zero length is refused too.
  setReg(pci, DmaRegister.Control, DmaControl.Reset);
  startSingle(pci, a, 8193, 0);
  assert.equal(errorCode(reg(pci, DmaRegister.Status)), DmaError.BadLength);
  startSingle(pci, a, 0, 0);
  assert.equal(errorCode(reg(pci, DmaRegister.Status)), DmaError.BadLength);
});

test('a 32-bit device drops the high address bits: a buffer above 4 GiB is missed and the low alias is hit', () => {
  const pci = bootPci({ dma: { addressBits: 32 } });
  setBusMaster(pci, true);
  assert.equal(pci.dma.config.dma64BitCapable, false);
  assert.equal(reg(pci, DmaRegister.Capabilities) & 1, 0);
  // Find a frame above 4 GiB whose low alias is RAM.
  let high = pci.frame();
  while (high < 4 * GiB || !pci.physical.isRam((high - 4 * GiB) / PAGE_SIZE)) high = pci.frame();
  const alias = high - 4 * GiB;
  setReg(pci, DmaRegister.BufferAddressHigh, 1);
  assert.equal(reg(pci, DmaRegister.BufferAddressHigh), 0, 'the high register ignores writes and reads 0');
  startSingle(pci, high, 256, 0);
  pci.clock.runUntil(() => pci.dma.status !== 'busy', '32-bit transfer');
  assert.equal(pci.dma.status, 'done');
  assert.deepEqual(pci.physical.read(high, 256), new Uint8Array(256), 'the intended buffer is untouched');
  assert.deepEqual(pci.physical.read(alias, 256), pci.dma.pattern.expected(0, 256), 'the data landed at the address modulo 4 GiB');
  assert.equal(pci.observer.ramAccesses[0]!.busAddress, alias);

  // A 64-bit device reaches the high buffer.
  const wide = bootPci();
  setBusMaster(wide, true);
  let high64 = wide.frame();
  while (high64 < 4 * GiB) high64 = wide.frame();
  startSingle(wide, high64, 256, 0);
  wide.clock.runUntil(() => wide.dma.status !== 'busy', '64-bit transfer');
  assert.deepEqual(wide.physical.read(high64, 256), wide.dma.pattern.expected(0, 256));
});

test('with bus mastering off the device cannot DMA: master abort on the device, reported, RAM untouched', () => {
  const pci = bootPci();
  const buffer = pci.frame();
  startSingle(pci, buffer, 256, 0);
  pci.clock.runUntil(() => pci.dma.status !== 'busy', 'transfer without bus master');
  assert.equal(errorCode(reg(pci, DmaRegister.Status)), DmaError.MasterAbort);
  assert.ok((pci.dma.config.status & PciStatus.ReceivedMasterAbort) !== 0);
  assert.equal(pci.observer.faults[0]!.kind, 'bus-master-disabled');
  assert.equal(pci.observer.ramAccesses.length, 0);
  assert.equal(pci.physical.flags[buffer / PAGE_SIZE]! & FrameFlag.DmaTouched, 0);
  assert.deepEqual(pci.physical.read(buffer, 256), new Uint8Array(256));
});

test('an unreadable descriptor ring is a DescriptorFault; an IOMMU-blocked data address an IommuFault', () => {
  const pci = bootPci({ iommu: true });
  setBusMaster(pci, true);
  const ring = pci.frame();
  const data = pci.frame();
  writeDescriptors(pci, ring, [{ address: data, length: 64, flags: DescriptorFlag.Last }]);
  startRing(pci, ring, 1, 0);
  pci.clock.runUntil(() => pci.dma.status !== 'busy', 'ring not mapped');
  assert.equal(errorCode(reg(pci, DmaRegister.Status)), DmaError.DescriptorFault);
  // Map the ring (read-only is enough to fetch, but the write-back needs write access).
  pci.iommu!.map(pci.dma.requesterId, ring, ring, PAGE_SIZE, true);
  startRing(pci, ring, 1, 0);
  pci.clock.runUntil(() => pci.dma.status !== 'busy', 'data not mapped');
  assert.equal(errorCode(reg(pci, DmaRegister.Status)), DmaError.IommuFault);
  assert.equal(reg(pci, DmaRegister.ErrorAddressLow), data % 2 ** 32);
});

test('an injected master abort fails the next data request with its own code', () => {
  const pci = bootPci();
  setBusMaster(pci, true);
  const buffer = pci.frame();
  pci.dma.injectFault('master-abort');
  startSingle(pci, buffer, 256, 0);
  pci.clock.runUntil(() => pci.dma.status !== 'busy', 'transfer');
  assert.equal(errorCode(reg(pci, DmaRegister.Status)), DmaError.MasterAbort);
  assert.equal(pci.observer.faults[0]!.kind, 'injected-master-abort');
  // One-shot: the next transfer works.
  startSingle(pci, buffer, 256, 0);
  pci.clock.runUntil(() => pci.dma.status !== 'busy', 'transfer');
  assert.equal(pci.dma.status, 'done');
});

test('surprise removal: every register reads all ones and the transfer stops', () => {
  const pci = bootPci();
  setBusMaster(pci, true);
  const frames = Array.from({ length: 4 }, () => pci.frame());
  const ring = pci.frame();
  writeDescriptors(pci, ring, frames.map((address, i) => ({ address, length: PAGE_SIZE, flags: i === 3 ? DescriptorFlag.Last : 0 })));
  assert.equal(reg(pci, DmaRegister.Id), DMA_DEVICE_ID_VALUE);
  startRing(pci, ring, 4, DmaControl.InterruptEnable);
  pci.clock.advance(COST.descriptorFetch.ns + pci.bus.linkTransferNs(PAGE_SIZE) + 1);
  const movedBefore = pci.dma.totalDmaBytes;
  assert.ok(movedBefore > 0 && movedBefore < 4 * PAGE_SIZE);
  pci.dma.injectFault('surprise-removal');
  for (const offset of [DmaRegister.Id, DmaRegister.Status, DmaRegister.InterruptStatus, DmaRegister.FifoData]) assert.equal(reg(pci, offset), 0xffffffff);
  assert.equal(pci.bus.configRead(pci.dma.requesterId, 0, 2), 0xffff, 'vendor ID reads all ones');
  pci.clock.runUntilIdle();
  assert.equal(pci.dma.totalDmaBytes, movedBefore, 'no DMA after removal');
  assert.equal(pci.dma.errorCode, DmaError.Removed);
  assert.equal(pci.dma.interrupt.asserted, false);
});

test('a hung device never completes: a driver waiting for it is stopped by the clock, and Abort reports Hang', () => {
  const pci = bootPci();
  setBusMaster(pci, true);
  const buffer = pci.frame();
  pci.dma.injectFault('hang');
  let interrupts = 0;
  pci.dma.interrupt.connect(() => {
    interrupts++;
    setReg(pci, DmaRegister.InterruptAck, 0x7);
    return true;
  });
  startSingle(pci, buffer, 256, DmaControl.InterruptEnable);
  assert.throws(() => pci.clock.runUntil(() => interrupts > 0, 'driver waiting for completion'), SimulationStalled);
  assert.equal(state(reg(pci, DmaRegister.Status)), DmaState.Busy);
  setReg(pci, DmaRegister.Control, DmaControl.InterruptEnable | DmaControl.Abort);
  const status = reg(pci, DmaRegister.Status);
  assert.equal(state(status), DmaState.Error);
  assert.equal(errorCode(status), DmaError.Hang);
  // A hang injected mid-transfer also stops it; Reset brings the device back.
  setReg(pci, DmaRegister.Control, DmaControl.Reset);
  startSingle(pci, buffer, 3 * 1024, 0);
  pci.dma.injectFault('hang');
  pci.clock.runUntilIdle();
  assert.equal(pci.dma.status, 'busy');
  setReg(pci, DmaRegister.Control, DmaControl.Reset);
  assert.equal(state(reg(pci, DmaRegister.Status)), DmaState.Idle);
  startSingle(pci, buffer, 256, 0);
  pci.clock.runUntilIdle();
  assert.equal(pci.dma.status, 'done');
});

test('a second Start while busy is rejected and flagged; Abort of a progressing transfer reports Aborted', () => {
  const pci = bootPci();
  setBusMaster(pci, true);
  const buffer = pci.frame();
  startSingle(pci, buffer, PAGE_SIZE, 0);
  setReg(pci, DmaRegister.Control, DmaControl.Start);
  assert.ok((reg(pci, DmaRegister.Status) & DmaStatusBit.CommandRejected) !== 0);
  setReg(pci, DmaRegister.Control, DmaControl.Abort);
  assert.equal(errorCode(reg(pci, DmaRegister.Status)), DmaError.Aborted);
});

test('the interrupt is level-triggered: redelivered until acknowledged, masked by the mask register', () => {
  const pci = bootPci();
  setBusMaster(pci, true);
  const buffer = pci.frame();
  let runs = 0;
  pci.dma.interrupt.connect(() => {
    runs++;
    if (runs === 3) setReg(pci, DmaRegister.InterruptAck, DmaInterrupt.Done);
    return true;
  });
  startSingle(pci, buffer, 64, DmaControl.InterruptEnable);
  pci.clock.runUntilIdle();
  assert.equal(runs, 3);
  assert.equal(pci.dma.interrupt.asserted, false);
  // Masked: the status bit is set but the line stays low.
  setReg(pci, DmaRegister.InterruptMask, DmaInterrupt.Done);
  startSingle(pci, buffer, 64, DmaControl.InterruptEnable);
  pci.clock.runUntilIdle();
  assert.equal(runs, 3);
  assert.equal(reg(pci, DmaRegister.InterruptStatus) & DmaInterrupt.Done, DmaInterrupt.Done);
  assert.equal(pci.dma.interrupt.asserted, false);
});

test('an ISR that never silences the device makes an interrupt storm (bug check 0xF2)', () => {
  const pci = bootPci();
  setBusMaster(pci, true);
  const buffer = pci.frame();
  let runs = 0;
  pci.dma.interrupt.connect(() => ++runs > 0);
  startSingle(pci, buffer, 64, DmaControl.InterruptEnable);
  assert.throws(() => pci.clock.runUntilIdle(), (e: unknown) => isBugCheck(e) && e.code === HARDWARE_INTERRUPT_STORM);
  assert.equal(runs, STORM_LIMIT);
});

test('FIFO data port: reads give the pattern, writes are checked, through MMIO and port alike', () => {
  const pci = bootPci();
  const first = reg(pci, DmaRegister.FifoData);
  const expected = pci.dma.pattern.expected(0, 4);
  assert.equal(first, new DataView(expected.buffer).getUint32(0, true));
  assert.equal(reg(pci, DmaRegister.StreamOffsetLow), 4);
  const next = new DataView(pci.dma.pattern.expected(4, 4).buffer).getUint32(0, true);
  setReg(pci, DmaRegister.FifoData, next);
  setReg(pci, DmaRegister.FifoData, 0);
  assert.equal(pci.dma.checker.bytesChecked, 8);
  assert.ok(pci.dma.checker.mismatchCount >= 1);
  // The same FIFO through the I/O port continues the stream at offset 12.
  const viaPort = READ_PORT_ULONG(pci.bus, pci.dma.portAddress(DmaPortRegister.FifoData));
  assert.equal(viaPort, new DataView(pci.dma.pattern.expected(12, 4).buffer).getUint32(0, true));
  assert.equal(READ_PORT_ULONG(pci.bus, pci.dma.portAddress(DmaPortRegister.Status)), reg(pci, DmaRegister.Status));
});

test('a fault armed for a point in the transfer strikes there: after N bytes, mid-burst, at a descriptor; what came before it moved', () => {
  const ringOf = (pci: ReturnType<typeof bootPci>, pages: number) => {
    const frames = Array.from({ length: pages }, () => pci.frame());
    const ring = pci.frame();
    writeDescriptors(pci, ring, frames.map((address, i) => ({ address, length: PAGE_SIZE, flags: i === pages - 1 ? DescriptorFlag.Last : 0 })));
    return ring;
  };
  const cases: { point: DmaFaultPoint; fault: DmaFaultInjection; moved: number; error: number }[] = [
    { point: { at: 'after-bytes', bytes: 5000 }, fault: 'master-abort', moved: 5000, error: DmaError.MasterAbort },
    { point: { at: 'mid-burst' }, fault: 'master-abort', moved: PAGE_SIZE / 2, error: DmaError.MasterAbort },
    { point: { at: 'descriptor', index: 2 }, fault: 'master-abort', moved: 2 * PAGE_SIZE, error: DmaError.MasterAbort },
    { point: { at: 'after-bytes', bytes: 3 * PAGE_SIZE + 7 }, fault: 'surprise-removal', moved: 3 * PAGE_SIZE + 7, error: DmaError.Removed },
  ];
  for (const c of cases) {
    const pci = bootPci();
    setBusMaster(pci, true);
    const ring = ringOf(pci, 4);
    pci.dma.injectFault(c.fault, c.point);
    startRing(pci, ring, 4, 0);
    pci.clock.runUntilIdle();
    assert.equal(pci.dma.totalDmaBytes, c.moved, `${c.fault} ${describeFaultPoint(c.point)}: bytes moved before it`);
    assert.equal(pci.dma.errorCode, c.error, `${c.fault} ${describeFaultPoint(c.point)}: the device's error`);
    if (c.fault === 'master-abort') {
      // One-shot: the next transfer runs to its end.
      startRing(pci, ring, 4, 0);
      pci.clock.runUntilIdle();
      assert.equal(pci.dma.status, 'done');
    }
  }
  const pci = bootPci();
  assert.throws(() => pci.dma.injectFault('master-abort', { at: 'after-bytes', bytes: -1 }), /whole number >= 0/);
  assert.throws(() => pci.dma.injectFault('master-abort', { at: 'descriptor', index: 1e9 }), /index from 0/);
});
