/**
 * The user-mode DMA library (seed 002 style): the large-buffer option of the
 * low-level lock (DEV-8), GPU-direct (DEV-7), transactions split into
 * transfers (DEV-2), contiguous buffers mapped into the application (CONT-6,
 * CONT-7), and syncing bounced data.
 */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { FOUR_GIB } from '../../src/machine/boot-config';
import { MiB, PAGE_SIZE } from '../../src/contracts/units';
import { FrameFlag } from '../../src/kernel/mm/physical-memory';
import { DmaPage, UserDmaDevice, UserDmaLibrary, splitIntoTransfers } from '../../src/kernel/hal/user-dma-library';
import { DMA_OPTION, USER_DMA_STATUS } from '../../src/contracts/user-dma-options';
import { HalMachine, assertFinding, bootHal, pattern, readUser, userBuffer } from './hal-fixture';

function open(t: HalMachine, dma64Bit = true, maximumTransferLength = 64 * 1024): { lib: UserDmaLibrary; device: UserDmaDevice } {
  const lib = new UserDmaLibrary(t.hal, t.machine.gpu);
  const r = lib.openDevice({ name: 'dma0', requesterId: t.machine.dmaDevice.requesterId }, { dma64Bit, maximumTransferLength });
  assert.equal(r.status, USER_DMA_STATUS.SUCCESS);
  return { lib, device: r.device! };
}

const inApp = <T>(t: HalMachine, fn: () => T): T => t.machine.cpu.inProcess(t.app, fn);
const total = (pages: readonly DmaPage[]) => pages.reduce((n, p) => n + p.bytes, 0);

describe('scatter/gather locks', () => {
  it('the low-level lock describes at most 256 pages without LARGE_BUFFER; the high-level lock sets it itself (DEV-8)', () => {
    const t = bootHal();
    const { lib, device } = open(t);
    const { va } = userBuffer(t, 2 * MiB);
    const exact = inApp(t, () => lib.lockBuffer(device, va, MiB, DMA_OPTION.TO_DEVICE));
    assert.equal(exact.status, USER_DMA_STATUS.SUCCESS, '256 aligned pages fit');
    assert.equal(total(exact.buffer!.pages), MiB);
    const over = inApp(t, () => lib.lockBuffer(device, va, MiB + 1, DMA_OPTION.TO_DEVICE));
    assert.equal(over.status, 0x20000005);
    assert.equal(over.buffer, null);
    const large = inApp(t, () => lib.lockBuffer(device, va, 2 * MiB, DMA_OPTION.TO_DEVICE | DMA_OPTION.LARGE_BUFFER));
    assert.equal(large.status, USER_DMA_STATUS.SUCCESS);
    const high = inApp(t, () => lib.lockScatterGatherBuffer(device, va + 10, 2 * MiB - 10, DMA_OPTION.FROM_DEVICE));
    assert.equal(high.status, USER_DMA_STATUS.SUCCESS);
    assert.equal(total(high.buffer!.pages), 2 * MiB - 10);
    assert.ok(high.buffer!.options & DMA_OPTION.LARGE_BUFFER);
    for (const b of [exact.buffer!, large.buffer!, high.buffer!]) assert.equal(lib.unlockBuffer(b), USER_DMA_STATUS.SUCCESS);
    assert.equal(t.app.addressSpace.lockedPages, 0, 'every page unlocked');
    assert.equal(lib.unlockBuffer(high.buffer!), USER_DMA_STATUS.INVALID_PARAMETER, 'a second unlock is refused');
    assert.equal(lib.closeDevice(device), USER_DMA_STATUS.SUCCESS);
  });

  it('a locked buffer keeps the device open: closing it first is refused', () => {
    const t = bootHal();
    const { lib, device } = open(t);
    const { va } = userBuffer(t, PAGE_SIZE);
    const r = inApp(t, () => lib.lockScatterGatherBuffer(device, va, PAGE_SIZE, DMA_OPTION.TO_DEVICE));
    assert.equal(lib.closeDevice(device), USER_DMA_STATUS.INVALID_PARAMETER);
    lib.unlockBuffer(r.buffer!);
    assert.equal(lib.closeDevice(device), USER_DMA_STATUS.SUCCESS);
  });

  it('GPU-direct: ordinary host memory fails with 0x20000007; GPU memory from the GPU allocator succeeds (DEV-7)', () => {
    const t = bootHal();
    const { lib, device } = open(t);
    const { va } = userBuffer(t, 64 * 1024);
    const host = inApp(t, () => lib.lockScatterGatherBuffer(device, va, 64 * 1024, DMA_OPTION.FROM_DEVICE | DMA_OPTION.GPUDIRECT));
    assert.equal(host.status, 0x20000007);
    const gpu = t.machine.gpu!;
    const allocation = gpu.allocateGpuMemory(256 * 1024)!;
    const r = inApp(t, () => lib.lockScatterGatherBuffer(device, allocation.busAddress, 256 * 1024, DMA_OPTION.FROM_DEVICE | DMA_OPTION.GPUDIRECT));
    assert.equal(r.status, USER_DMA_STATUS.SUCCESS);
    assert.equal(r.buffer!.kind, 'gpu-memory');
    assert.deepEqual(r.buffer!.pages, [{ physicalAddress: allocation.busAddress, bytes: 256 * 1024 }], 'the device is given the GPU\'s memory BAR, peer to peer');
    gpu.freeGpuMemory(allocation);
    const freed = inApp(t, () => lib.lockScatterGatherBuffer(device, allocation.busAddress, 4096, DMA_OPTION.GPUDIRECT));
    assert.equal(freed.status, 0x20000007, 'freed GPU memory is not GPU memory any more');
  });

  it('a 32-bit device: data the device wrote into bounce pages reaches the application at syncCpu', () => {
    const t = bootHal();
    const { lib, device } = open(t, false);
    const bytes = 32 * PAGE_SIZE;
    const { va } = userBuffer(t, bytes);
    const r = inApp(t, () => lib.lockScatterGatherBuffer(device, va, bytes, DMA_OPTION.FROM_DEVICE));
    assert.equal(r.status, USER_DMA_STATUS.SUCCESS);
    assert.ok(r.buffer!.pages.every((p) => p.physicalAddress + p.bytes <= FOUR_GIB));
    assert.ok(device.adapter.mapRegisters.bytesBouncedToDevice === 0);
    const written = pattern(bytes, 77);
    let at = 0;
    for (const p of r.buffer!.pages) {
      t.machine.physical.write(p.physicalAddress, written.subarray(at, at + p.bytes));
      at += p.bytes;
    }
    assert.notDeepEqual(readUser(t, va, bytes), written, 'pages above 4 GiB still hold the old bytes');
    assert.equal(lib.syncCpu(r.buffer!), USER_DMA_STATUS.SUCCESS);
    assert.deepEqual(readUser(t, va, bytes), written);
    lib.unlockBuffer(r.buffer!);
    assert.equal(lib.syncCpu(r.buffer!), USER_DMA_STATUS.INVALID_PARAMETER);
    assertFinding(t, 'VER-SYNC-OUTSIDE-MAPPING', 0x16, /syncCpu .* already unlocked/);
  });
});

describe('contiguous buffers', () => {
  it('are mapped into the application, non-cached unless ALLOW_CACHE, below 16 MiB with KBUF_BELOW_16M', () => {
    const t = bootHal();
    const { lib, device } = open(t);
    const r = inApp(t, () => lib.lockContiguousBuffer(device, 3 * PAGE_SIZE, DMA_OPTION.TO_DEVICE));
    assert.equal(r.status, USER_DMA_STATUS.SUCCESS);
    const b = r.buffer!;
    assert.equal(b.pages.length, 1);
    assert.equal(b.pages[0]!.physicalAddress, t.machine.mm.physicalAddressOf(b.kernelAddress));
    inApp(t, () => t.machine.mm.writeVirtual(b.userAddress, Uint8Array.of(1, 2, 3)));
    assert.deepEqual(t.machine.mm.readVirtual(b.kernelAddress, 3), Uint8Array.of(1, 2, 3), 'one buffer, two mappings');
    const pfn = t.machine.mm.translate(b.kernelAddress);
    assert.ok(t.machine.physical.flags[pfn]! & FrameFlag.NonCached);
    const cached = inApp(t, () => lib.lockContiguousBuffer(device, PAGE_SIZE, DMA_OPTION.TO_DEVICE | DMA_OPTION.ALLOW_CACHE)).buffer!;
    assert.equal(t.machine.physical.flags[t.machine.mm.translate(cached.kernelAddress)]! & FrameFlag.NonCached, 0);
    const low = inApp(t, () => lib.lockContiguousBuffer(device, PAGE_SIZE, DMA_OPTION.FROM_DEVICE | DMA_OPTION.KBUF_BELOW_16M)).buffer!;
    assert.ok(low.pages[0]!.physicalAddress < 16 * MiB);
    for (const x of [b, cached, low]) assert.equal(lib.unlockBuffer(x), USER_DMA_STATUS.SUCCESS);
    assert.equal(lib.outstandingBuffers, 0);
  });
});

describe('transactions', () => {
  it('split into transfers no longer than the maximum; "completed and check" says more processing required until the last (DEV-2)', () => {
    const t = bootHal();
    const max = 64 * 1024;
    const { lib, device } = open(t, true, max);
    const bytes = MiB + 100;
    const { va } = userBuffer(t, bytes, 300);
    const init = inApp(t, () => lib.transactionInitScatterGather(device, va, bytes, DMA_OPTION.TO_DEVICE));
    assert.equal(init.status, USER_DMA_STATUS.SUCCESS);
    const tx = init.transaction!;
    assert.equal(tx.transfers.length, Math.ceil(bytes / max));
    let r = lib.transactionExecute(tx);
    assert.equal(r.status, USER_DMA_STATUS.SUCCESS);
    const seen: number[] = [];
    let more = 0;
    for (;;) {
      assert.ok(r.transfer);
      assert.ok(r.transfer.bytes <= max);
      assert.equal(total(r.transfer.pages), r.transfer.bytes);
      seen.push(r.transfer.bytes);
      r = lib.transferCompletedAndCheck(tx);
      if (r.status !== USER_DMA_STATUS.MORE_PROCESSING_REQUIRED) break;
      more++;
    }
    assert.equal(r.status, USER_DMA_STATUS.SUCCESS);
    assert.equal(r.transfer, null);
    assert.equal(more, tx.transfers.length - 1);
    assert.equal(seen.reduce((a, b) => a + b, 0), bytes);
    assert.equal(lib.transferCompletedAndCheck(tx).status, USER_DMA_STATUS.INVALID_PARAMETER, 'nothing left to complete');
    assert.equal(lib.transactionRelease(tx), USER_DMA_STATUS.SUCCESS);
    assert.equal(lib.transactionExecute(tx).transfer, tx.transfers[0], 'a released transaction can run again');
    assert.equal(lib.transactionUninit(tx), USER_DMA_STATUS.INVALID_PARAMETER, 'not while executing');
    lib.transactionRelease(tx);
    assert.equal(lib.transactionUninit(tx), USER_DMA_STATUS.SUCCESS);
    assert.equal(t.app.addressSpace.lockedPages, 0);
  });

  it('property: transfers cover the buffer in order, each at most the maximum, all but the last exactly the maximum', () => {
    const run = fc.record({ address: fc.integer({ min: 0, max: 2 ** 40 }), bytes: fc.integer({ min: 1, max: 100_000 }) });
    fc.assert(fc.property(fc.array(run, { minLength: 1, maxLength: 20 }), fc.integer({ min: 1, max: 200_000 }), (runs, max) => {
      const pages = runs.map((r) => ({ physicalAddress: r.address, bytes: r.bytes }));
      const transfers = splitIntoTransfers(pages, max);
      let offset = 0;
      transfers.forEach((tr, i) => {
        assert.equal(tr.offset, offset);
        assert.ok(tr.bytes <= max && tr.bytes > 0);
        if (i < transfers.length - 1) assert.equal(tr.bytes, max);
        offset += tr.bytes;
      });
      assert.equal(offset, total(pages));
      // The transfers' pieces, in order, cut the original runs and nothing else.
      const pieces = transfers.flatMap((tr) => tr.pages);
      let k = 0;
      for (const p of pages) {
        let at = p.physicalAddress;
        while (at < p.physicalAddress + p.bytes) {
          const piece = pieces[k++]!;
          assert.equal(piece.physicalAddress, at);
          assert.ok(piece.physicalAddress + piece.bytes <= p.physicalAddress + p.bytes);
          at += piece.bytes;
        }
      }
      assert.equal(k, pieces.length);
    }), { seed: 5, numRuns: 200 });
  });
});
