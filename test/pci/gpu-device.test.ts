import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MiB, PAGE_SIZE } from '../../src/contracts/units';
import { DescriptorFlag, DmaControl } from '../../src/contracts/dma-test-device-registers';
import { GPU_ALLOCATION_ALIGNMENT, GpuDevice } from '../../src/pci/gpu-device';
import { bootPci, setBusMaster, startRing, startSingle, writeDescriptors } from './pci-fixture';

test('peer-to-peer: the DMA device writes into a GPU allocation; GPU memory gets the data and RAM is untouched', () => {
  const pci = bootPci({ gpu: true });
  const gpu = pci.gpu!;
  setBusMaster(pci, true);
  const allocation = gpu.allocateGpuMemory(3 * PAGE_SIZE)!;
  assert.ok(allocation.busAddress >= gpu.memoryBarAddress && allocation.busAddress + allocation.length <= gpu.memoryBarAddress + gpu.memoryBytes);
  const ring = pci.frame();
  writeDescriptors(pci, ring, [
    { address: allocation.busAddress, length: 2 * PAGE_SIZE, flags: 0 },
    { address: allocation.busAddress + 2 * PAGE_SIZE, length: 100, flags: DescriptorFlag.Last },
  ]);
  const ramBytesBefore = pci.bus.stats.dmaBytesToRam;
  startRing(pci, ring, 2, 0);
  pci.clock.runUntil(() => pci.dma.status !== 'busy', 'peer-to-peer transfer');
  assert.equal(pci.dma.status, 'done');
  const length = 2 * PAGE_SIZE + 100;
  assert.deepEqual(gpu.readGpuMemory(allocation.offset, length), pci.dma.pattern.expected(0, length));
  // The only RAM traffic is the descriptor ring: fetches and write-backs, no data.
  assert.ok(pci.observer.ramAccesses.every((a) => a.pfn === ring / PAGE_SIZE));
  assert.equal(pci.bus.stats.dmaBytesToRam - ramBytesBefore, 2 * 4, 'two descriptor write-backs of 4 bytes');
  assert.equal(pci.bus.stats.dmaBytesPeerToPeer, length);
  assert.deepEqual(new Set(pci.observer.peerAccesses.map((p) => p.peerName)), new Set(['gpu0']));
  assert.equal(gpu.allocationContaining(allocation.busAddress, length), allocation);
  assert.equal(gpu.allocationContaining(pci.frame(), 16), null, 'host memory is not GPU memory');
});

test('host-to-device peer-to-peer reads GPU memory and checks it', () => {
  const pci = bootPci({ gpu: true });
  setBusMaster(pci, true);
  const allocation = pci.gpu!.allocateGpuMemory(PAGE_SIZE)!;
  pci.gpu!.writeGpuMemory(allocation.offset, pci.dma.pattern.expected(0, 2048));
  startSingle(pci, allocation.busAddress, 2048, DmaControl.DirectionHostToDevice);
  pci.clock.runUntil(() => pci.dma.status !== 'busy', 'read from GPU');
  assert.equal(pci.dma.checker.bytesChecked, 2048);
  assert.equal(pci.dma.checker.mismatchCount, 0);
});

test('the GPU allocator: 64 KiB aligned, first fit, frees coalesce, exhaustion returns null, double free is refused', () => {
  const pci = bootPci({ gpu: true });
  const gpu = new GpuDevice({ name: 'gpu1', memoryBytes: 1 * MiB });
  pci.bus.attach(gpu);
  const a = gpu.allocateGpuMemory(1)!;
  const b = gpu.allocateGpuMemory(GPU_ALLOCATION_ALIGNMENT + 1)!;
  assert.equal(a.length, GPU_ALLOCATION_ALIGNMENT);
  assert.equal(b.offset, GPU_ALLOCATION_ALIGNMENT);
  assert.equal(b.length, 2 * GPU_ALLOCATION_ALIGNMENT);
  assert.equal(gpu.allocateGpuMemory(1 * MiB), null);
  gpu.freeGpuMemory(a);
  gpu.freeGpuMemory(b);
  assert.throws(() => gpu.freeGpuMemory(a), /not live/);
  const whole = gpu.allocateGpuMemory(1 * MiB)!;
  assert.equal(whole.offset, 0);
  // Sparse: a 256 MiB card that was never written holds no memory.
  assert.equal(pci.gpu!.storedBytes, 0);
});
