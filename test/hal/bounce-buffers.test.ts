/**
 * Map registers and bounce buffers (SG-1, SG-6): a device with 32-bit
 * addressing gets pages below 4 GiB in place of the ones above; data goes
 * there at map time toward the device and comes back at flush/put from it.
 */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { FOUR_GIB } from '../../src/machine/boot-config';
import { DISPATCH_LEVEL } from '../../src/machine/irql';
import { STATUS } from '../../src/machine/ntstatus';
import { GiB, MiB, PAGE_SIZE } from '../../src/contracts/units';
import { MDL } from '../../src/kernel/mm/mdl';
import { MAXIMUM_BOUNCING_MAP_REGISTERS } from '../../src/kernel/hal/device-description';
import { DmaAdapter, adapterOf } from '../../src/kernel/hal/dma-adapter';
import type { SCATTER_GATHER_LIST } from '../../src/kernel/hal/scatter-gather-list';
import { HalMachine, adapterFor, bootHal, description, getList, lockedMdl, pattern, sumOfLengths, userBuffer } from './hal-fixture';

/** Non-paged memory above 4 GiB with an MDL over it, filled with a known pattern. */
function highBuffer(t: HalMachine, bytes: number, seed = 11): { va: number; mdl: MDL; data: Uint8Array } {
  const mm = t.machine.mm;
  const va = mm.MmAllocateContiguousMemorySpecifyCache(bytes, FOUR_GIB, t.machine.physical.highRamTop - 1, 0, 'MmCached');
  assert.ok(va, 'contiguous memory above 4 GiB');
  const data = pattern(bytes, seed);
  mm.writeVirtual(va, data);
  const mdl = t.machine.kernel.mdl.IoAllocateMdl(va, bytes, false, false, null)!;
  t.machine.kernel.mdl.MmBuildMdlForNonPagedPool(mdl);
  assert.ok(mdl.PfnArray.every((pfn) => pfn * PAGE_SIZE >= FOUR_GIB));
  return { va, mdl, data };
}

function adapter32(t: HalMachine, maximumLength = 64 * PAGE_SIZE): DmaAdapter {
  return adapterFor(t, { Dma64BitAddresses: false, MaximumLength: maximumLength });
}

describe('map registers', () => {
  it('follow the description: maximum length in pages plus one, capped, so fewer may be granted than asked', () => {
    const t = bootHal();
    const g = { value: 0 };
    assert.ok(t.hal.IoGetDmaAdapter({ requesterId: null }, description({ MaximumLength: MiB }), g));
    assert.equal(g.value, 257);
    assert.ok(t.hal.IoGetDmaAdapter({ requesterId: null }, description({ MaximumLength: MiB + 1 }), g));
    assert.equal(g.value, 258);
    assert.ok(t.hal.IoGetDmaAdapter({ requesterId: null }, description({ Dma64BitAddresses: false, MaximumLength: 4 * MiB }), g));
    assert.equal(g.value, MAXIMUM_BOUNCING_MAP_REGISTERS, 'a 32-bit device on a machine with RAM above 4 GiB gets fewer than the 1025 it asks for');
  });

  it('IoGetDmaAdapter returns NULL under an injected failure or for an invalid description, and says why', () => {
    const t = bootHal();
    const g = { value: -1 };
    t.machine.kernel.faults.add({ point: 'IoGetDmaAdapter', mode: { kind: 'nth', n: 1 } });
    assert.equal(t.hal.IoGetDmaAdapter({ requesterId: null }, description(), g), null);
    assert.match(t.hal.lastAdapterFailure!, /injected/);
    assert.equal(g.value, -1, 'nothing granted');
    assert.equal(t.hal.IoGetDmaAdapter({ requesterId: null }, description({ MaximumLength: 0 }), g), null);
    assert.match(t.hal.lastAdapterFailure!, /MaximumLength/);
    assert.throws(() => t.hal.IoGetDmaAdapter({ requesterId: null }, description({ Master: false }), g), /bus-master DMA only/);
  });

  it('a 32-bit device on a machine whose RAM is all below 4 GiB, or a 64-bit device, needs no bounce pages', () => {
    const small = bootHal({ ramBytes: 2 * GiB });
    assert.equal(adapter32(small).mapRegisters.bouncing, false);
    const t = bootHal();
    assert.equal(adapterFor(t).mapRegisters.bouncing, false);
    assert.equal(adapter32(t).mapRegisters.bouncing, true);
    const { va, mdl } = highBuffer(t, 4 * PAGE_SIZE);
    const a64 = adapterFor(t);
    const { list } = getList(a64, mdl, va, 4 * PAGE_SIZE, true);
    assert.ok(list!.Elements.every((e) => e.Address >= FOUR_GIB), 'a 64-bit device is given the real pages');
  });
});

describe('bounce buffers', () => {
  it('host to device: every element lies below 4 GiB and already holds the data when the list is handed out', () => {
    const t = bootHal();
    const adapter = adapter32(t);
    const bytes = 6 * PAGE_SIZE + 500;
    const { va, mdl, data } = highBuffer(t, 8 * PAGE_SIZE);
    const before = t.machine.clock.cpuTime('hal:bounce-copy');
    const { status, list } = getList(adapter, mdl, va + 300, bytes, true);
    assert.equal(status, STATUS.SUCCESS);
    assert.ok(list);
    assert.equal(sumOfLengths(list), bytes);
    let offset = 0;
    for (const e of list.Elements) {
      assert.ok(e.Address + e.Length <= FOUR_GIB, `element at 0x${e.Address.toString(16)} is reachable by a 32-bit device`);
      assert.deepEqual(t.machine.physical.read(e.Address, e.Length), data.subarray(300 + offset, 300 + offset + e.Length));
      offset += e.Length;
    }
    assert.equal(adapter.mapRegisters.bytesBouncedToDevice, bytes);
    assert.equal(t.machine.clock.cpuTime('hal:bounce-copy') - before, bytes * 0.25, 'the copy is charged per byte');
  });

  it('device to host: what the device wrote reaches the caller\'s pages only when the list is put back', () => {
    const t = bootHal();
    const adapter = adapter32(t);
    const bytes = 5 * PAGE_SIZE;
    const { va, mdl, data } = highBuffer(t, bytes);
    const { list } = getList(adapter, mdl, va, bytes, false);
    assert.ok(list);
    const fromDevice = pattern(bytes, 99);
    let offset = 0;
    for (const e of list.Elements) {
      t.machine.physical.write(e.Address, fromDevice.subarray(offset, offset + e.Length)); // the device writes
      offset += e.Length;
    }
    assert.deepEqual(t.machine.mm.readVirtual(va, bytes), data, 'nothing copied back before the flush');
    t.machine.cpu.atIrql(DISPATCH_LEVEL, () => adapter.DmaOperations.PutScatterGatherList(adapter, list, false));
    assert.deepEqual(t.machine.mm.readVirtual(va, bytes), fromDevice);
    assert.equal(adapter.mapRegisters.bytesBouncedFromDevice, bytes);
  });

  it('a put with the wrong direction does not copy back: the data is lost and the mismatch recorded', () => {
    const t = bootHal();
    const adapter = adapter32(t);
    const { va, mdl, data } = highBuffer(t, PAGE_SIZE);
    const { list } = getList(adapter, mdl, va, PAGE_SIZE, false);
    t.machine.physical.write(list!.Elements[0]!.Address, pattern(PAGE_SIZE, 5));
    adapter.DmaOperations.PutScatterGatherList(adapter, list!, true);
    assert.deepEqual(t.machine.mm.readVirtual(va, PAGE_SIZE), data);
    assert.equal(t.hal.verifier.findings[0]?.id, 'VER-UNMAP-MISMATCH');
  });

  it('the old path copies at MapTransfer toward the device and at FlushAdapterBuffers from it', () => {
    const t = bootHal();
    const adapter = adapter32(t);
    const bytes = 3 * PAGE_SIZE;
    const { va, mdl, data } = highBuffer(t, bytes);
    const ops = adapter.DmaOperations;
    t.machine.cpu.atIrql(DISPATCH_LEVEL, () => ops.AllocateAdapterChannel(adapter, {}, 3, (_d, _i, base) => {
      // Device to host: map page by page, let the device write, then flush once.
      const written = pattern(bytes, 42);
      let at = va;
      while (at < va + bytes) {
        const length = { value: va + bytes - at };
        const address = ops.MapTransfer(adapter, mdl, base, at, length, false).QuadPart;
        assert.ok(address + length.value <= FOUR_GIB);
        assert.equal(length.value, PAGE_SIZE, 'each bounce page is its own element');
        t.machine.physical.write(address, written.subarray(at - va, at - va + length.value));
        at += length.value;
      }
      assert.deepEqual(t.machine.mm.readVirtual(va, bytes), data);
      assert.equal(ops.FlushAdapterBuffers(adapter, mdl, base, va, bytes, false), true);
      assert.deepEqual(t.machine.mm.readVirtual(va, bytes), written);
      // Host to device: the bounce page holds the data right after MapTransfer.
      const length = { value: PAGE_SIZE };
      const address = ops.MapTransfer(adapter, mdl, base, va, length, true).QuadPart;
      assert.deepEqual(t.machine.physical.read(address, PAGE_SIZE), written.subarray(0, PAGE_SIZE));
      ops.FlushAdapterBuffers(adapter, mdl, base, va, PAGE_SIZE, true);
      return 'DeallocateObject';
    }, null));
    assert.equal(t.hal.verifier.findings.length, 0, JSON.stringify(t.hal.verifier.findings));
  });

  it('bounce registers are shared: a list that needs more than are free waits, and its routine runs once others are put back', () => {
    const t = bootHal();
    const adapter = adapter32(t, MiB);
    assert.equal(adapter.numberOfMapRegisters, MAXIMUM_BOUNCING_MAP_REGISTERS);
    const bytes = 200 * PAGE_SIZE;
    const one = userBuffer(t, bytes);
    const two = userBuffer(t, bytes);
    const m1 = lockedMdl(t, one.va, bytes);
    const m2 = lockedMdl(t, two.va, bytes);
    const first = getList(adapter, m1, one.va, bytes, true);
    assert.equal(first.status, STATUS.SUCCESS);
    type Call = { irql: number; process: unknown; list: SCATTER_GATHER_LIST };
    const seen: { later?: Call } = {};
    const cpu = t.machine.kernel.cpu;
    const status = cpu.atIrql(DISPATCH_LEVEL, () => adapter.DmaOperations.GetScatterGatherList(adapter, {}, m2, two.va, bytes, (_d, _i, list) => {
      seen.later = { irql: cpu.irql, process: cpu.currentProcess, list };
    }, null, true));
    // Windows queues the request instead of failing it: success now, the routine once registers come back.
    assert.equal(status, STATUS.SUCCESS);
    assert.ok(!seen.later, 'no list while the bounce registers are held');
    t.machine.clock.runUntilIdle();
    assert.ok(!seen.later, 'still none: nothing was put back');
    adapter.DmaOperations.PutScatterGatherList(adapter, first.list!, true);
    t.machine.clock.runUntilIdle();
    const later = seen.later as Call | undefined; // set by the routine: the checks above narrowed it
    assert.ok(later, 'the routine ran once the first list was put back');
    assert.equal(later.irql, DISPATCH_LEVEL);
    assert.equal(later.process, null, 'from a DPC, in no particular process');
    assert.equal(sumOfLengths(later.list), bytes);
    assert.equal(adapterOf(adapter).lists.waitedCount, 1);
  });

  it('copying back into pages that were unlocked meanwhile is flagged as DMA to unlocked memory', () => {
    const t = bootHal();
    const adapter = adapter32(t);
    // Find a user page above 4 GiB (frames are scattered over all of RAM).
    const bytes = 32 * PAGE_SIZE;
    const { va } = userBuffer(t, bytes);
    const mdl = lockedMdl(t, va, bytes);
    assert.ok(mdl.PfnArray.some((pfn) => pfn * PAGE_SIZE >= FOUR_GIB), 'some page lies above 4 GiB');
    const { list } = getList(adapter, mdl, va, bytes, false);
    t.machine.kernel.mdl.MmUnlockPages(mdl);
    adapter.DmaOperations.PutScatterGatherList(adapter, list!, false);
    assert.equal(t.hal.verifier.findings[0]?.id, 'VER-UNLOCKED-DMA');
    assert.match(t.hal.verifier.findings[0]!.details, /copied back/);
  });
});
