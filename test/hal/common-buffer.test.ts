/**
 * Common buffers (CONT-1, CONT-7), KeFlushIoBuffers, and what releasing an
 * adapter or unloading a driver requires (SG-1).
 */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { FOUR_GIB } from '../../src/machine/boot-config';
import { DEVICE_LEVEL, DISPATCH_LEVEL, PASSIVE_LEVEL } from '../../src/machine/irql';
import { PAGE_SIZE } from '../../src/contracts/units';
import { FrameFlag } from '../../src/kernel/mm/physical-memory';
import { PHYSICAL_ADDRESS } from '../../src/kernel/hal/dma-adapter';
import { adapterFor, assertFinding, bootHal, getList, lockedMdl, userBuffer } from './hal-fixture';

describe('AllocateCommonBuffer', () => {
  it('is contiguous in virtual and device address space and returns its device address', () => {
    const t = bootHal();
    const adapter = adapterFor(t);
    const logical: PHYSICAL_ADDRESS = { QuadPart: 0 };
    const bytes = 9 * PAGE_SIZE + 10;
    const va = adapter.DmaOperations.AllocateCommonBuffer(adapter, bytes, logical, false);
    assert.ok(va);
    const first = t.machine.mm.translate(va);
    for (let i = 0; i < Math.ceil(bytes / PAGE_SIZE); i++) assert.equal(t.machine.mm.translate(va + i * PAGE_SIZE), first + i, `page ${i} follows the one before`);
    assert.equal(logical.QuadPart, first * PAGE_SIZE, 'without an IOMMU the device address is the physical address');
    assert.ok(adapter.commonBuffers.outstandingCount === 1);
  });

  it('a 32-bit device gets a buffer below 4 GiB', () => {
    const t = bootHal();
    const adapter = adapterFor(t, { Dma64BitAddresses: false });
    const logical = { QuadPart: 0 };
    for (let i = 0; i < 8; i++) {
      assert.ok(adapter.DmaOperations.AllocateCommonBuffer(adapter, 64 * PAGE_SIZE, logical, true));
      assert.ok(logical.QuadPart + 64 * PAGE_SIZE <= FOUR_GIB);
    }
  });

  it('is non-cached unless the caller allows caching (CONT-7), and the CPU pays for that', () => {
    const t = bootHal();
    const adapter = adapterFor(t);
    const logical = { QuadPart: 0 };
    const uncached = adapter.DmaOperations.AllocateCommonBuffer(adapter, PAGE_SIZE, logical, false)!;
    const cached = adapter.DmaOperations.AllocateCommonBuffer(adapter, PAGE_SIZE, logical, true)!;
    const flags = (va: number) => t.machine.physical.flags[t.machine.mm.translate(va)]!;
    assert.ok(flags(uncached) & FrameFlag.NonCached);
    assert.equal(flags(cached) & FrameFlag.NonCached, 0);
    const clock = t.machine.clock;
    let before = clock.now;
    t.machine.mm.readVirtual(uncached, PAGE_SIZE);
    const slow = clock.now - before;
    before = clock.now;
    t.machine.mm.readVirtual(cached, PAGE_SIZE);
    assert.ok(slow > clock.now - before);
  });

  it('fails (NULL) under an injected failure', () => {
    const t = bootHal();
    const adapter = adapterFor(t);
    t.machine.kernel.faults.add({ point: 'AllocateCommonBuffer', mode: { kind: 'every' } });
    assert.equal(adapter.DmaOperations.AllocateCommonBuffer(adapter, PAGE_SIZE, { QuadPart: 0 }, false), null);
  });

  it('FreeCommonBuffer must repeat the allocation: another length is a mismatch, a second free is 0xE6 P1=0x03', () => {
    const t = bootHal();
    const adapter = adapterFor(t);
    const logical = { QuadPart: 0 };
    const va = adapter.DmaOperations.AllocateCommonBuffer(adapter, 2 * PAGE_SIZE, logical, false)!;
    adapter.DmaOperations.FreeCommonBuffer(adapter, PAGE_SIZE, logical, va, false);
    assertFinding(t, 'VER-UNMAP-MISMATCH', 0x1000, /Length 4096; it was allocated with 8192/);
    assert.deepEqual(t.hal.verifier.findings[0]!.parameters.slice(1), [1, 2 * PAGE_SIZE, PAGE_SIZE]);
    adapter.DmaOperations.FreeCommonBuffer(adapter, 2 * PAGE_SIZE, logical, va, false);
    assertFinding(t, 'VER-COMMON-BUFFER-DOUBLE-FREE', 0x03);
  });

  it('may not be called above PASSIVE_LEVEL', () => {
    const t = bootHal();
    const adapter = adapterFor(t);
    t.machine.cpu.atIrql(DISPATCH_LEVEL, () => adapter.DmaOperations.AllocateCommonBuffer(adapter, PAGE_SIZE, { QuadPart: 0 }, false));
    assertFinding(t, 'VER-WRONG-IRQL', 0x13);
    assert.deepEqual(t.hal.verifier.findings[0]!.parameters.slice(1), [0x01, PASSIVE_LEVEL, DISPATCH_LEVEL], 'P2 IRQL other than expected, P3 expected, P4 current');
  });

  it('KeFlushIoBuffers above DISPATCH_LEVEL is an IRQL higher than the expected maximum', () => {
    const t = bootHal();
    const mdl = lockedMdl(t, userBuffer(t, PAGE_SIZE).va, PAGE_SIZE);
    t.machine.cpu.atIrql(DEVICE_LEVEL, () => t.hal.KeFlushIoBuffers(mdl, true, true));
    assertFinding(t, 'VER-WRONG-IRQL', 0x13);
    assert.deepEqual(t.hal.verifier.findings[0]!.parameters.slice(1), [0x02, DISPATCH_LEVEL, DEVICE_LEVEL], 'P2 IRQL too high, P3 expected maximum, P4 current');
  });
});

describe('KeFlushIoBuffers', () => {
  it('needs a locked MDL; flushing one that is not locked is a sync outside any mapping', () => {
    const t = bootHal();
    const { va } = userBuffer(t, PAGE_SIZE);
    const mdl = lockedMdl(t, va, PAGE_SIZE);
    t.hal.KeFlushIoBuffers(mdl, true, true);
    assert.equal(t.hal.verifier.findings.length, 0);
    t.machine.kernel.mdl.MmUnlockPages(mdl);
    t.hal.KeFlushIoBuffers(mdl, true, true);
    assertFinding(t, 'VER-SYNC-OUTSIDE-MAPPING', 0x16, /KeFlushIoBuffers/);
  });
});

describe('PutDmaAdapter and driver unload', () => {
  it('releasing an adapter with anything outstanding is flagged, each kind with its own code', () => {
    const t = bootHal();
    const adapter = adapterFor(t);
    const ops = adapter.DmaOperations;
    ops.AllocateCommonBuffer(adapter, PAGE_SIZE, { QuadPart: 0 }, false);
    const { va } = userBuffer(t, PAGE_SIZE);
    const mdl = lockedMdl(t, va, PAGE_SIZE);
    assert.ok(getList(adapter, mdl, va, PAGE_SIZE, true).list);
    ops.AllocateAdapterChannel(adapter, {}, 1, () => 'DeallocateObjectKeepRegisters', null);
    ops.AllocateAdapterChannel(adapter, {}, 1, () => 'KeepObject', null);
    t.machine.clock.runUntilIdle();
    ops.PutDmaAdapter(adapter);
    assert.deepEqual(t.hal.verifier.findings.map((f) => f.parameters[0]), [0x07, 0x08, 0x09, 0x0a]);
    assert.ok(t.hal.verifier.findings.every((f) => f.parameters[1] === adapter.id && f.parameters[2] === 1));
    ops.FreeAdapterChannel(adapter);
    assertFinding(t, 'VER-ADAPTER-USED-AFTER-RELEASE', 0x18);
  });

  it('an adapter released cleanly gives its bounce pages back', () => {
    const t = bootHal();
    const before = t.machine.mm.contiguousAllocations().length;
    const adapter = adapterFor(t, { Dma64BitAddresses: false, MaximumLength: 16 * PAGE_SIZE });
    assert.equal(t.machine.mm.contiguousAllocations().length - before, 17, 'one bounce page per map register');
    adapter.DmaOperations.PutDmaAdapter(adapter);
    assert.equal(t.machine.mm.contiguousAllocations().length, before);
    assert.equal(t.hal.verifier.findings.length, 0);
  });

  it('a driver that unloads with an adapter or buffers outstanding leaks', () => {
    const t = bootHal();
    const adapter = t.machine.cpu.inDriver('leaky', () => adapterFor(t));
    t.machine.cpu.inDriver('leaky', () => adapter.DmaOperations.AllocateCommonBuffer(adapter, PAGE_SIZE, { QuadPart: 0 }, false));
    const tidy = t.machine.cpu.inDriver('tidy', () => adapterFor(t));
    tidy.DmaOperations.PutDmaAdapter(tidy);
    assert.equal(t.hal.checkDriverUnload('tidy'), true);
    assert.equal(t.hal.checkDriverUnload('leaky'), false);
    assertFinding(t, 'VER-LEAK-AT-UNLOAD', 0x1002, /leaky unloaded with 1 DMA adapter/);
    assert.deepEqual(t.hal.verifier.findings[0]!.parameters.slice(1), [1, 1, 0]);
  });
});
