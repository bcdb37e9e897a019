/**
 * Failing the mapping of a later piece of a buffer: the fault injector's
 * piece filter and where the HAL places a scatter/gather call's transfer in
 * the buffer it maps (the MDL, or the MDL a partial MDL was built from).
 */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { Rng } from '../../src/machine/rng';
import { STATUS } from '../../src/machine/ntstatus';
import { PAGE_SIZE } from '../../src/contracts/units';
import { FaultInjector } from '../../src/kernel/fault-injector';
import { adapterFor, bootHal, getList, lockedMdl, userBuffer } from './hal-fixture';

describe('the fault injector\'s piece filter', () => {
  it('counts only calls of later pieces (the first of them is the second piece), or only last pieces of several', () => {
    const faults = new FaultInjector(new Rng(1));
    faults.add({ point: 'GetScatterGatherList', mode: { kind: 'nth', n: 1 }, piece: 'later' });
    assert.equal(faults.shouldFail('GetScatterGatherList', '', { later: false, last: false }), false, 'a first piece');
    assert.equal(faults.shouldFail('GetScatterGatherList', ''), false, 'a call that says nothing of its piece');
    assert.equal(faults.shouldFail('GetScatterGatherList', '', { later: true, last: false }), true, 'the second piece');
    assert.equal(faults.shouldFail('GetScatterGatherList', '', { later: true, last: false }), false, 'only once');
    faults.clear();
    faults.add({ point: 'GetScatterGatherList', mode: { kind: 'nth', n: 1 }, piece: 'last' });
    assert.equal(faults.shouldFail('GetScatterGatherList', '', { later: false, last: true }), false, 'a buffer mapped whole is no last piece of several');
    assert.equal(faults.shouldFail('GetScatterGatherList', '', { later: true, last: false }), false);
    assert.equal(faults.shouldFail('GetScatterGatherList', '', { later: true, last: true }), true);
  });

  it('refuses a piece it does not know', () => {
    const faults = new FaultInjector(new Rng(1));
    assert.throws(() => faults.add({ point: 'GetScatterGatherList', mode: { kind: 'every' }, piece: 'middle' as never }), /unknown piece "middle"/);
  });
});

describe('GetScatterGatherList places its transfer in the buffer', () => {
  it('fails the second and the last piece of a buffer mapped in pieces, whatever the piece length', () => {
    for (const pieceLength of [3 * PAGE_SIZE, 4 * PAGE_SIZE]) {
      const t = bootHal();
      const adapter = adapterFor(t);
      const { va } = userBuffer(t, 10 * PAGE_SIZE);
      const mdl = lockedMdl(t, va, 10 * PAGE_SIZE);
      t.machine.kernel.faults.add({ point: 'GetScatterGatherList', mode: { kind: 'nth', n: 1 }, piece: 'later' });
      t.machine.kernel.faults.add({ point: 'GetScatterGatherList', mode: { kind: 'nth', n: 1 }, piece: 'last' });
      const statuses: number[] = [];
      for (let at = 0; at < 10 * PAGE_SIZE; at += pieceLength) statuses.push(getList(adapter, mdl, va + at, Math.min(pieceLength, 10 * PAGE_SIZE - at), true).status);
      const failed = statuses.map((s, i) => (s === STATUS.INSUFFICIENT_RESOURCES ? i : -1)).filter((i) => i >= 0);
      assert.deepEqual(failed, [1, statuses.length - 1], `pieces of ${pieceLength} bytes`);
    }
  });

  it('places a piece mapped through a partial MDL in the MDL it was built from', () => {
    const t = bootHal();
    const adapter = adapterFor(t);
    const { va } = userBuffer(t, 8 * PAGE_SIZE);
    const source = lockedMdl(t, va, 8 * PAGE_SIZE);
    const partial = t.machine.kernel.mdl.IoAllocateMdl(va, 8 * PAGE_SIZE, false, false, null, 'test')!;
    t.machine.kernel.faults.add({ point: 'GetScatterGatherList', mode: { kind: 'every' }, piece: 'last' });
    const piece = (at: number) => {
      t.machine.kernel.mdl.IoBuildPartialMdl(source, partial, va + at, 4 * PAGE_SIZE);
      const { status } = getList(adapter, partial, va + at, 4 * PAGE_SIZE, true);
      t.machine.kernel.mdl.MmPrepareMdlForReuse(partial);
      return status;
    };
    assert.equal(piece(0), STATUS.SUCCESS, 'the first half is no last piece, though the partial MDL ends with it');
    assert.equal(piece(4 * PAGE_SIZE), STATUS.INSUFFICIENT_RESOURCES, 'the second half ends the buffer');
  });
});
