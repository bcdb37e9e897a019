import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BugCheck } from '../../src/machine/bug-check';
import { FOUR_GIB } from '../../src/machine/boot-config';
import { COST } from '../../src/machine/cost-model';
import { PAGE_SIZE } from '../../src/contracts/units';
import { FrameFlag } from '../../src/kernel/mm/physical-memory';
import { DmaObserver } from '../../src/pci/dma-observer';
import { DmaBar, DmaRegister, DMA_DEVICE_ID_VALUE } from '../../src/contracts/dma-test-device-registers';
import { GpuBar } from '../../src/pci/gpu-device';
import { bootPci, setBusMaster } from './pci-fixture';

test('BARs are placed at boot in the device hole below 4 GiB and in port space, aligned and apart', () => {
  const pci = bootPci({ gpu: true });
  const holeBase = FOUR_GIB - pci.config.deviceHoleBytes;
  const memory = pci.bus.functions.flatMap((f) => f.bars.filter((b) => b.kind === 'memory'));
  assert.equal(memory.length, 4);
  for (const b of memory) {
    assert.ok(b.base >= holeBase && b.base + b.size <= FOUR_GIB, `BAR at 0x${b.base.toString(16)} inside the hole`);
    assert.equal(b.base % b.size, 0);
  }
  const sorted = [...memory].sort((a, b) => a.base - b.base);
  for (let i = 1; i < sorted.length; i++) assert.ok(sorted[i]!.base >= sorted[i - 1]!.base + sorted[i - 1]!.size, 'no overlap');
  const io = pci.bus.functionOf(pci.dma).bars.find((b) => b.kind === 'io')!;
  assert.ok(io.base >= 0x1000 && io.base < 0x10000);
  assert.equal(pci.dma.config.barAddress(DmaBar.Ports), io.base);
  assert.equal(pci.gpu!.config.barAddress(GpuBar.Memory), pci.gpu!.memoryBarAddress);
  // Each function has its own interrupt vector, written into config space.
  assert.notEqual(pci.dma.config.interruptLine, pci.gpu!.config.interruptLine);
});

test('MMIO reaches the owning BAR only while memory decoding is on; unclaimed reads return all ones and are recorded', () => {
  const pci = bootPci();
  const idAddress = pci.dma.registerAddress(DmaRegister.Id);
  assert.equal(pci.bus.mmioRead(idAddress, 4), DMA_DEVICE_ID_VALUE);
  assert.equal(pci.bus.mmioRead(idAddress + 2, 2), DMA_DEVICE_ID_VALUE >>> 16);
  pci.dma.config.setCommandBits(0x2, false);
  assert.equal(pci.bus.mmioRead(idAddress, 4), 0xffffffff);
  assert.equal(pci.bus.unclaimedAccesses.length, 1);
  assert.deepEqual({ ...pci.bus.unclaimedAccesses[0]!, atNs: 0 }, { space: 'memory', address: idAddress, width: 4, write: false, atNs: 0 });
  assert.throws(() => pci.bus.mmioRead(idAddress + 1, 4), /not naturally aligned/);
  assert.throws(() => pci.bus.mmioRead(pci.frame(), 4), /hits RAM/);
});

test('each CPU access charges the cost table: an MMIO read, a posted write, a port access', () => {
  const pci = bootPci();
  const t0 = pci.clock.now;
  pci.bus.mmioRead(pci.dma.registerAddress(DmaRegister.Id), 4);
  const t1 = pci.clock.now;
  pci.bus.mmioWrite(pci.dma.registerAddress(DmaRegister.InterruptMask), 4, 0);
  const t2 = pci.clock.now;
  pci.bus.portRead(pci.dma.portAddress(4), 4);
  const t3 = pci.clock.now;
  assert.equal(t1 - t0, COST.mmioRead.ns);
  assert.equal(t2 - t1, COST.mmioWrite.ns);
  assert.equal(t3 - t2, COST.ioPortAccess.ns);
  assert.deepEqual([pci.bus.stats.mmioReads, pci.bus.stats.mmioWrites, pci.bus.stats.portReads], [1, 1, 1]);
});

test('device DMA to RAM: one observer call per frame before it is touched; frames marked DMA-touched, not modified (no PTE sees DMA)', () => {
  const pci = bootPci();
  setBusMaster(pci, true);
  const a = pci.frame();
  const bytes = new Uint8Array(PAGE_SIZE + 100).fill(7);
  const r = pci.bus.dmaWrite(pci.dma, a + PAGE_SIZE - 50, bytes);
  assert.equal(r.status, 'ok');
  // Bus addresses are physical without an IOMMU; the write spans three pages.
  const calls = pci.observer.ramAccesses;
  assert.deepEqual(calls.map((c) => c.length), [50, PAGE_SIZE, 50]);
  assert.deepEqual(calls.map((c) => c.pfn), [a / PAGE_SIZE, a / PAGE_SIZE + 1, a / PAGE_SIZE + 2]);
  assert.ok(calls.every((c) => c.write && c.device === pci.dma.requesterId && c.deviceName === 'dma0'));
  const pfn = a / PAGE_SIZE;
  assert.ok((pci.physical.flags[pfn]! & FrameFlag.DmaTouched) !== 0);
  assert.equal(pci.physical.flags[pfn]! & FrameFlag.Dirty, 0, 'a device write sets no dirty bit');
  const back = pci.bus.dmaRead(pci.dma, a + PAGE_SIZE - 50, bytes.length);
  assert.deepEqual(back.data, bytes);
  assert.equal(pci.observer.ramAccesses.at(-1)!.write, false);
});

test('a bug check thrown by the observer stops the DMA before the frame is written', () => {
  const pci = bootPci();
  setBusMaster(pci, true);
  const a = pci.frame();
  const stopper: DmaObserver = {
    onDeviceAccess: (access) => { throw new BugCheck(0xe6, 0x0e, access.pfn, 0, 0, 'DMA to an unlocked page'); },
    onDmaFault: () => {},
    onPeerAccess: () => {},
  };
  pci.bus.setObserver(stopper);
  assert.throws(() => pci.bus.dmaWrite(pci.dma, a, new Uint8Array(16).fill(1)), (e: unknown) => e instanceof BugCheck && e.code === 0xe6);
  assert.deepEqual(pci.physical.read(a, 16), new Uint8Array(16));
  assert.equal(pci.physical.flags[a / PAGE_SIZE]! & FrameFlag.DmaTouched, 0);
});

test('DMA with bus mastering off, or to an address nothing decodes, is a master abort', () => {
  const pci = bootPci();
  const a = pci.frame();
  const off = pci.bus.dmaWrite(pci.dma, a, new Uint8Array(8).fill(1));
  assert.deepEqual(off, { status: 'master-abort', bytesTransferred: 0, faultAddress: a });
  assert.equal(pci.observer.faults[0]!.kind, 'bus-master-disabled');
  setBusMaster(pci, true);
  const hole = FOUR_GIB - PAGE_SIZE; // in the device hole, not a BAR
  const nowhere = pci.bus.dmaRead(pci.dma, hole, 8);
  assert.equal(nowhere.status, 'master-abort');
  assert.equal(pci.observer.faults[1]!.kind, 'no-target');
  assert.equal(pci.bus.stats.dmaFaults, 2);
  assert.deepEqual(pci.physical.read(a, 8), new Uint8Array(8));
});
