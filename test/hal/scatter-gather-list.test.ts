/**
 * GetScatterGatherList / PutScatterGatherList / CalculateScatterGatherList /
 * BuildScatterGatherList (SG-3, SG-4, SG-7).
 */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { DISPATCH_LEVEL } from '../../src/machine/irql';
import { STATUS } from '../../src/machine/ntstatus';
import { PAGE_SIZE } from '../../src/contracts/units';
import { MDL, MmGetMdlVirtualAddress } from '../../src/kernel/mm/mdl';
import { DMA_ADAPTER } from '../../src/kernel/hal/dma-adapter';
import { SCATTER_GATHER_LIST, scatterGatherListBytes } from '../../src/kernel/hal/scatter-gather-list';
import { LIST_IN_BUFFER } from '../../src/kernel/verifier/violation-catalog';
import { setBusMaster, startSingle, waitForDevice } from '../verifier/device-fixture';
import { HalMachine, adapterFor, assertFinding, bootHal, expectBugCheck, getList, lockedMdl, physicalRuns, sumOfLengths, userBuffer } from './hal-fixture';

/** BuildScatterGatherList at DISPATCH_LEVEL into [buffer, buffer+length). */
function buildList(t: HalMachine, adapter: DMA_ADAPTER, mdl: MDL, va: number, bytes: number, buffer: number, length: number, writeToDevice = false): { status: number; list: SCATTER_GATHER_LIST | null } {
  let list: SCATTER_GATHER_LIST | null = null;
  const status = t.machine.cpu.atIrql(DISPATCH_LEVEL, () =>
    adapter.DmaOperations.BuildScatterGatherList(adapter, {}, mdl, va, bytes, (_d, _i, sg) => { list = sg; }, null, writeToDevice, buffer, length));
  return { status, list };
}

function nonPagedBuffer(t: HalMachine, bytes: number): number {
  const va = t.machine.mm.ExAllocatePoolWithTag('NonPagedPool', bytes, 'Test');
  assert.ok(va);
  return va;
}

describe('GetScatterGatherList', () => {
  it('gives elements in transfer order whose lengths sum to the transfer, each covering the MDL\'s frames byte for byte', () => {
    const t = bootHal();
    const adapter = adapterFor(t);
    const { va } = userBuffer(t, 37 * PAGE_SIZE + 123, 456);
    const bytes = 37 * PAGE_SIZE + 123;
    const mdl = lockedMdl(t, va, bytes);
    const { status, list, irql } = getList(adapter, mdl, va, bytes, true);
    assert.equal(status, STATUS.SUCCESS);
    assert.ok(list);
    assert.equal(irql, DISPATCH_LEVEL, 'the execution routine runs at DISPATCH_LEVEL');
    assert.equal(list.NumberOfElements, list.Elements.length);
    assert.equal(sumOfLengths(list), bytes);
    // Walk the transfer byte offset by byte offset (page-wise): the element address must be the MDL's frame.
    let offset = 0;
    for (const e of list.Elements) {
      for (let done = 0; done < e.Length; ) {
        const pageIndex = Math.floor((mdl.ByteOffset + offset) / PAGE_SIZE);
        const inPage = (mdl.ByteOffset + offset) % PAGE_SIZE;
        assert.equal(e.Address + done, mdl.PfnArray[pageIndex]! * PAGE_SIZE + inPage);
        const n = Math.min(PAGE_SIZE - inPage, e.Length - done);
        done += n;
        offset += n;
      }
    }
  });

  it('merges physically adjacent pages: one element per physical run', () => {
    for (const scatterFrames of [true, false]) {
      const t = bootHal({ scatterFrames });
      const adapter = adapterFor(t);
      const bytes = 64 * PAGE_SIZE;
      const { va } = userBuffer(t, bytes);
      const mdl = lockedMdl(t, va, bytes);
      const { list } = getList(adapter, mdl, va, bytes, false);
      assert.ok(list);
      assert.equal(list.NumberOfElements, physicalRuns(mdl, 0, bytes), `scatterFrames=${scatterFrames}`);
      for (let i = 1; i < list.Elements.length; i++) {
        const prev = list.Elements[i - 1]!;
        assert.notEqual(prev.Address + prev.Length, list.Elements[i]!.Address, 'adjacent elements would have been merged');
      }
      if (!scatterFrames) assert.ok(list.NumberOfElements < 64, 'frames handed out in order give long runs');
    }
  });

  it('covers an MDL chain: the transfer continues into the next MDL', () => {
    const t = bootHal();
    const adapter = adapterFor(t);
    const a = userBuffer(t, 3 * PAGE_SIZE + 100, 50);
    const b = userBuffer(t, 2 * PAGE_SIZE + 7, 900);
    const first = lockedMdl(t, a.va, 3 * PAGE_SIZE + 100);
    const second = lockedMdl(t, b.va, 2 * PAGE_SIZE + 7);
    first.Next = second;
    const total = 5 * PAGE_SIZE + 107;
    const { status, list } = getList(adapter, first, a.va, total, true);
    assert.equal(status, STATUS.SUCCESS);
    assert.ok(list);
    assert.equal(sumOfLengths(list), total);
    const lastElement = list.Elements[list.Elements.length - 1]!;
    const lastFrame = second.PfnArray[second.PfnArray.length - 1]!;
    assert.equal(lastElement.Address + lastElement.Length, lastFrame * PAGE_SIZE + ((second.ByteOffset + second.ByteCount - 1) % PAGE_SIZE) + 1);
  });

  it('is put back exactly once: a second put is 0xE6 P1=0x06 (recorded, or a bug check)', () => {
    const t = bootHal();
    const adapter = adapterFor(t);
    const { va } = userBuffer(t, 2 * PAGE_SIZE);
    const mdl = lockedMdl(t, va, 2 * PAGE_SIZE);
    const { list } = getList(adapter, mdl, va, 2 * PAGE_SIZE, true);
    assert.ok(list);
    t.machine.cpu.atIrql(DISPATCH_LEVEL, () => adapter.DmaOperations.PutScatterGatherList(adapter, list, true));
    assert.equal(t.hal.verifier.findings.length, 0);
    t.machine.cpu.atIrql(DISPATCH_LEVEL, () => adapter.DmaOperations.PutScatterGatherList(adapter, list, true));
    assertFinding(t, 'VER-SG-DOUBLE-PUT', 0x06);
    assert.deepEqual(t.hal.verifier.findings[0]!.parameters.slice(1, 3), [1, 2], 'P2 lists allocated, P3 lists freed');

    const s = bootHal({ verifierMode: 'bugcheck' });
    const a2 = adapterFor(s);
    const buf = userBuffer(s, PAGE_SIZE);
    const m2 = lockedMdl(s, buf.va, PAGE_SIZE);
    const l2 = getList(a2, m2, buf.va, PAGE_SIZE, true).list!;
    a2.DmaOperations.PutScatterGatherList(a2, l2, true);
    expectBugCheck(0xe6, 0x06, () => a2.DmaOperations.PutScatterGatherList(a2, l2, true));
    assert.equal(s.machine.kernel.stopped?.parameters[0], 0x06);
  });

  it('allocates from non-paged pool and gives it back at put; fails with STATUS_INSUFFICIENT_RESOURCES when pool or map registers run out', () => {
    const t = bootHal();
    const adapter = adapterFor(t, { MaximumLength: 8 * PAGE_SIZE });
    const { va } = userBuffer(t, 16 * PAGE_SIZE);
    const mdl = lockedMdl(t, va, 16 * PAGE_SIZE);
    const pool = t.machine.mm.nonPagedPool;
    const before = pool.usedPages;
    const { list } = getList(adapter, mdl, va, 4 * PAGE_SIZE, true);
    assert.ok(list);
    assert.ok(pool.usedPages > before, 'the list lives in non-paged pool');
    adapter.DmaOperations.PutScatterGatherList(adapter, list, true);
    assert.equal(pool.usedPages, before);

    assert.equal(getList(adapter, mdl, va, 16 * PAGE_SIZE, true).status, STATUS.INSUFFICIENT_RESOURCES, 'more pages than the 9 map registers granted');

    t.machine.kernel.faults.add({ point: 'ExAllocatePoolWithTag:NonPagedPool', mode: { kind: 'every' } });
    const failed = getList(adapter, mdl, va, PAGE_SIZE, true);
    assert.equal(failed.status, STATUS.INSUFFICIENT_RESOURCES);
    assert.equal(failed.list, null, 'the execution routine does not run');
    t.machine.kernel.faults.clear();

    t.machine.kernel.faults.add({ point: 'GetScatterGatherList', mode: { kind: 'nth', n: 1 } });
    assert.equal(getList(adapter, mdl, va, PAGE_SIZE, true).status, STATUS.INSUFFICIENT_RESOURCES);
    assert.equal(getList(adapter, mdl, va, PAGE_SIZE, true).status, STATUS.SUCCESS, 'only the first call was failed');
  });

  it('flags an MDL whose pages are not locked (0xE6 P1=0x0E), a zero length and a range outside the MDL', () => {
    const t = bootHal();
    const adapter = adapterFor(t);
    const { va } = userBuffer(t, 2 * PAGE_SIZE);
    const mdl = t.machine.cpu.inProcess(t.app, () => t.machine.kernel.mdl.IoAllocateMdl(va, 2 * PAGE_SIZE, false, false, null))!;
    assert.equal(getList(adapter, mdl, va, 2 * PAGE_SIZE, true).status, STATUS.INVALID_PARAMETER);
    assertFinding(t, 'VER-UNLOCKED-DMA', 0x0e);
    assert.equal(t.hal.verifier.findings[0]!.parameters[1], mdl.id, 'P2 is the MDL');

    const locked = lockedMdl(t, va, 2 * PAGE_SIZE);
    getList(adapter, locked, va, 0, true);
    assertFinding(t, 'VER-ZERO-LENGTH-MAP', 0x21);
    getList(adapter, locked, va + PAGE_SIZE, 2 * PAGE_SIZE, true);
    assertFinding(t, 'VER-ADDRESS-NOT-IN-MDL', 0x1b, /ends .* before CurrentVa \+ Length/);
    const outside = t.hal.verifier.findingsOf('VER-ADDRESS-NOT-IN-MDL')[0]!;
    assert.deepEqual(outside.parameters.slice(1), [va + 2 * PAGE_SIZE, locked.id, 0], 'P2 the first address past the MDL, P3 the MDL');
    getList(adapter, locked, va - 16, PAGE_SIZE, true);
    assert.deepEqual(t.hal.verifier.findingsOf('VER-ADDRESS-NOT-IN-MDL')[1]!.parameters.slice(1), [va - 16, locked.id, 0], 'P2 CurrentVa before the MDL');
  });

  it('a put with another direction, or on another adapter, is an unmap mismatch', () => {
    const t = bootHal();
    const adapter = adapterFor(t);
    const other = adapterFor(t);
    const { va } = userBuffer(t, PAGE_SIZE);
    const mdl = lockedMdl(t, va, PAGE_SIZE);
    const l1 = getList(adapter, mdl, va, PAGE_SIZE, false).list!;
    other.DmaOperations.PutScatterGatherList(other, l1, false);
    assertFinding(t, 'VER-UNMAP-MISMATCH', 0x1000);
    assert.equal(t.hal.verifier.findings[0]!.parameters[1], 3, 'P2=3: a list from another adapter');
    adapter.DmaOperations.PutScatterGatherList(adapter, l1, true);
    assert.equal(t.hal.verifier.findings[1]!.parameters[1], 2, 'P2=2: another direction');
    assert.equal(adapter.lists.outstandingCount, 0);
  });
});

describe('CalculateScatterGatherList and BuildScatterGatherList', () => {
  it('the size depends on the start offset: an unaligned buffer needs one element more than an aligned one of the same length', () => {
    const t = bootHal();
    const adapter = adapterFor(t);
    const aligned = adapter.DmaOperations.CalculateScatterGatherList(adapter, null, 0x10000, 8 * PAGE_SIZE);
    const unaligned = adapter.DmaOperations.CalculateScatterGatherList(adapter, null, 0x10000 + 100, 8 * PAGE_SIZE);
    assert.equal(aligned.status, STATUS.SUCCESS);
    assert.equal(aligned.numberOfMapRegisters, 8);
    assert.equal(unaligned.numberOfMapRegisters, 9);
    assert.equal(unaligned.scatterGatherListSize - aligned.scatterGatherListSize, scatterGatherListBytes(9) - scatterGatherListBytes(8));
    assert.ok(unaligned.scatterGatherListSize > aligned.scatterGatherListSize);
  });

  it('with an MDL chain the size covers the whole chain', () => {
    const t = bootHal();
    const adapter = adapterFor(t);
    const a = userBuffer(t, PAGE_SIZE, 4000);
    const b = userBuffer(t, PAGE_SIZE, 4000);
    const first = lockedMdl(t, a.va, PAGE_SIZE);
    const second = lockedMdl(t, b.va, PAGE_SIZE);
    first.Next = second;
    const r = adapter.DmaOperations.CalculateScatterGatherList(adapter, first, a.va, 2 * PAGE_SIZE);
    assert.equal(r.numberOfMapRegisters, 4, 'each unaligned page of each MDL spans two pages');
    assert.equal(r.scatterGatherListSize, scatterGatherListBytes(4));
    const single = adapter.DmaOperations.CalculateScatterGatherList(adapter, null, a.va, 2 * PAGE_SIZE);
    assert.equal(single.numberOfMapRegisters, 3, 'one unaligned range of the same length spans three');
  });

  it('Build into a buffer that is too small fails with STATUS_BUFFER_TOO_SMALL, and Build never allocates from pool', () => {
    const t = bootHal();
    const adapter = adapterFor(t);
    const bytes = 20 * PAGE_SIZE + 300;
    const { va } = userBuffer(t, bytes, 1000);
    const mdl = lockedMdl(t, va, bytes);
    const size = adapter.DmaOperations.CalculateScatterGatherList(adapter, mdl, va, bytes).scatterGatherListSize;
    const buffer = nonPagedBuffer(t, size);
    const pool = t.machine.mm.nonPagedPool;
    const used = pool.usedPages;
    const blocks = pool.allocations.size;

    const short = buildList(t, adapter, mdl, va, bytes, buffer, size - 1);
    assert.equal(short.status, STATUS.BUFFER_TOO_SMALL);
    assert.equal(short.list, null);
    const built = buildList(t, adapter, mdl, va, bytes, buffer, size);
    assert.equal(built.status, STATUS.SUCCESS);
    assert.ok(built.list);
    assert.equal(sumOfLengths(built.list), bytes);
    assert.equal(pool.usedPages, used, 'no pool pages taken');
    assert.equal(pool.allocations.size, blocks, 'no pool block taken');
    adapter.DmaOperations.PutScatterGatherList(adapter, built.list, false);
    assert.equal(pool.allocations.size, blocks, 'put frees nothing either');

    const got = getList(adapter, mdl, va, bytes, false).list!;
    assert.deepEqual(got.Elements, built.list.Elements, 'Get and Build describe the same transfer the same way');
  });

  it('Build fails with STATUS_INSUFFICIENT_RESOURCES when map registers are short, even with pool exhausted it needs none', () => {
    const t = bootHal();
    const adapter = adapterFor(t, { MaximumLength: 2 * PAGE_SIZE });
    const { va } = userBuffer(t, 4 * PAGE_SIZE);
    const mdl = lockedMdl(t, va, 4 * PAGE_SIZE);
    const buffer = nonPagedBuffer(t, PAGE_SIZE);
    assert.equal(buildList(t, adapter, mdl, va, 4 * PAGE_SIZE, buffer, PAGE_SIZE).status, STATUS.INSUFFICIENT_RESOURCES);
    t.machine.kernel.faults.add({ point: 'ExAllocatePoolWithTag:NonPagedPool', mode: { kind: 'every' } });
    assert.equal(getList(adapter, mdl, va, 2 * PAGE_SIZE, true).status, STATUS.INSUFFICIENT_RESOURCES);
    assert.equal(buildList(t, adapter, mdl, va, 2 * PAGE_SIZE, buffer, PAGE_SIZE).status, STATUS.SUCCESS, 'the preallocated buffer still works');
  });

  /** A list built into a buffer, then a second build into the same buffer; the second build again, with `again`. */
  function buildTwiceIntoOneBuffer(deferDmaCallbacks: boolean): { t: HalMachine; mdl: MDL; first: () => SCATTER_GATHER_LIST; again: () => void } {
    const t = bootHal({ deferDmaCallbacks });
    const adapter = adapterFor(t);
    const { va } = userBuffer(t, PAGE_SIZE);
    const mdl = lockedMdl(t, va, PAGE_SIZE);
    const buffer = nonPagedBuffer(t, PAGE_SIZE);
    let first: SCATTER_GATHER_LIST | null = null;
    assert.equal(t.machine.cpu.atIrql(DISPATCH_LEVEL, () =>
      adapter.DmaOperations.BuildScatterGatherList(adapter, {}, mdl, va, PAGE_SIZE, (_d, _i, sg) => { first = sg; }, null, false, buffer, PAGE_SIZE)), STATUS.SUCCESS);
    const again = () => void buildList(t, adapter, mdl, va, PAGE_SIZE, buffer, PAGE_SIZE);
    again();
    return { t, mdl, first: () => first!, again };
  }

  const inUse = (t: HalMachine) => t.hal.verifier.findings.filter((f) => f.id === 'VER-SG-BUFFER-IN-USE');

  it('building into a buffer that still holds a live list is flagged, with the MDL of that list in P3', () => {
    const { t, mdl } = buildTwiceIntoOneBuffer(false);
    assertFinding(t, 'VER-SG-BUFFER-IN-USE', 0x1003);
    assert.equal(inUse(t)[0]!.parameters[2], mdl.id);
  });

  it('P4 says how far the list in the buffer got: its execution routine deferred (1), run with no byte moved (2), bytes moved by the device (0)', () => {
    const { t, first, again } = buildTwiceIntoOneBuffer(true);
    assert.deepEqual(inUse(t).map((f) => f.parameters[3]), [LIST_IN_BUFFER.routineDeferred]);
    t.machine.clock.runUntilIdle();
    again();
    assert.equal(inUse(t).at(-1)!.parameters[3], LIST_IN_BUFFER.notStarted, 'the routines have run, the device has not touched the list');
    setBusMaster(t.machine, true);
    const element = first().Elements[0]!;
    startSingle(t.machine, element.Address, element.Length, false);
    assert.equal(waitForDevice(t.machine).state, 'done');
    again();
    assert.equal(inUse(t).at(-1)!.parameters[3], LIST_IN_BUFFER.moved, 'the device has moved bytes through the list');
  });

  it('property: for any start offset and length, Calculate gives exactly the size Build needs', () => {
    const t = bootHal();
    const adapter = adapterFor(t, { MaximumLength: 64 * PAGE_SIZE });
    const region = 40 * PAGE_SIZE;
    const base = userBuffer(t, region).va;
    const buffer = nonPagedBuffer(t, 4 * PAGE_SIZE);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 3 * PAGE_SIZE }), fc.integer({ min: 1, max: 30 * PAGE_SIZE }), (offset, length) => {
        const va = base + offset;
        const mdl = lockedMdl(t, va, length);
        try {
          const withMdl = adapter.DmaOperations.CalculateScatterGatherList(adapter, mdl, va, length);
          const withoutMdl = adapter.DmaOperations.CalculateScatterGatherList(adapter, null, va, length);
          assert.equal(withMdl.status, STATUS.SUCCESS);
          assert.deepEqual(withMdl, withoutMdl, 'one MDL: the same as the range alone');
          const size = withMdl.scatterGatherListSize;
          assert.equal(buildList(t, adapter, mdl, va, length, buffer, size - 1).status, STATUS.BUFFER_TOO_SMALL);
          const built = buildList(t, adapter, mdl, va, length, buffer, size);
          assert.equal(built.status, STATUS.SUCCESS);
          assert.equal(sumOfLengths(built.list!), length);
          assert.ok(built.list!.NumberOfElements <= withMdl.numberOfMapRegisters);
          adapter.DmaOperations.PutScatterGatherList(adapter, built.list!, false);
        } finally {
          t.machine.kernel.mdl.MmUnlockPages(mdl);
          t.machine.kernel.mdl.IoFreeMdl(mdl);
        }
      }),
      { seed: 3, numRuns: 60 },
    );
    assert.equal(t.hal.verifier.findings.length, 0, JSON.stringify(t.hal.verifier.findings));
    assert.equal(MmGetMdlVirtualAddress(lockedMdl(t, base, 1)), base);
  });
});
