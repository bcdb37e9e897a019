/**
 * The old path (SG-2): one request at a time through the adapter channel,
 * one element per MapTransfer, a flush before the registers are freed.
 */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { DISPATCH_LEVEL, PASSIVE_LEVEL } from '../../src/machine/irql';
import { STATUS } from '../../src/machine/ntstatus';
import { PAGE_SIZE } from '../../src/contracts/units';
import { IO_ALLOCATION_ACTION } from '../../src/kernel/hal/adapter-channel';
import { MapRegisterBase } from '../../src/kernel/hal/map-registers';
import { adapterFor, assertFinding, bootHal, lockedMdl, physicalRuns, userBuffer } from './hal-fixture';

describe('AllocateAdapterChannel', () => {
  it('lets one request through at a time: the second waits until the first frees the channel, then runs at DISPATCH_LEVEL', () => {
    const t = bootHal();
    const adapter = adapterFor(t);
    const ops = adapter.DmaOperations;
    const runs: string[] = [];
    const deviceA = { name: 'a' };
    const deviceB = { name: 'b' };
    let runIrql = -1;
    assert.equal(ops.AllocateAdapterChannel(adapter, deviceA, 2, () => { runs.push('a'); return 'KeepObject'; }, null), STATUS.SUCCESS);
    assert.equal(ops.AllocateAdapterChannel(adapter, deviceB, 2, (device, _irp, _base, context) => {
      runs.push(`b:${(device as { name: string }).name}:${context}`);
      runIrql = t.machine.cpu.irql;
      return 'DeallocateObject';
    }, 'ctx'), STATUS.SUCCESS);
    assert.deepEqual(runs, ['a'], 'the second request waits while the first holds the channel');
    t.machine.clock.runUntilIdle();
    assert.deepEqual(runs, ['a'], 'time passing does not help: the channel is still held');
    assert.equal(adapter.channel.queuedRequests, 1);
    ops.FreeAdapterChannel(adapter);
    assert.deepEqual(runs, ['a'], 'the waiting routine runs later, on the clock');
    t.machine.clock.runUntilIdle();
    assert.deepEqual(runs, ['a', 'b:b:ctx']);
    assert.equal(runIrql, DISPATCH_LEVEL);
    assert.equal(t.machine.cpu.irql, PASSIVE_LEVEL);
    assert.equal(adapter.channel.waitedRequests, 1);
    assert.equal(adapter.outstanding().channels, 0);
  });

  it('DeallocateObjectKeepRegisters frees the channel for the next request and keeps the registers until FreeMapRegisters', () => {
    const t = bootHal();
    const adapter = adapterFor(t);
    const ops = adapter.DmaOperations;
    let kept: MapRegisterBase | null = null;
    let second = false;
    ops.AllocateAdapterChannel(adapter, { n: 1 }, 4, (_d, _i, base) => { kept = base; return 'DeallocateObjectKeepRegisters'; }, null);
    ops.AllocateAdapterChannel(adapter, { n: 2 }, 4, () => { second = true; return 'DeallocateObject'; }, null);
    t.machine.clock.runUntilIdle();
    assert.equal(second, true);
    assert.equal(adapter.outstanding().mapRegisters, 4);
    ops.FreeMapRegisters(adapter, kept!, 4);
    assert.equal(adapter.outstanding().mapRegisters, 0);
    ops.FreeMapRegisters(adapter, kept!, 4);
    assertFinding(t, 'VER-MAP-REGISTERS-DOUBLE-FREE', 0x05);
  });

  it('more map registers than granted: STATUS_INSUFFICIENT_RESOURCES and a verifier finding (0x0C)', () => {
    const t = bootHal();
    const adapter = adapterFor(t, { MaximumLength: 4 * PAGE_SIZE });
    let ran = false;
    assert.equal(adapter.DmaOperations.AllocateAdapterChannel(adapter, {}, 6, () => { ran = true; return 'DeallocateObject'; }, null), STATUS.INSUFFICIENT_RESOURCES);
    assert.equal(ran, false);
    assertFinding(t, 'VER-TOO-MANY-MAP-REGISTERS', 0x0c);
    assert.deepEqual(t.hal.verifier.findings[0]!.parameters.slice(1, 3), [6, 5]);
  });

  it('a device asking again while it holds the channel is flagged (0x0B); freeing a channel not held is flagged (0x04)', () => {
    const t = bootHal();
    const adapter = adapterFor(t);
    const ops = adapter.DmaOperations;
    const device = {};
    ops.AllocateAdapterChannel(adapter, device, 1, () => 'KeepObject', null);
    ops.AllocateAdapterChannel(adapter, device, 1, () => 'DeallocateObject', null);
    assertFinding(t, 'VER-MULTIPLE-CHANNELS', 0x0b);
    ops.FreeAdapterChannel(adapter);
    t.machine.clock.runUntilIdle();
    ops.FreeAdapterChannel(adapter);
    assertFinding(t, 'VER-CHANNEL-DOUBLE-FREE', 0x04);
  });

  it('an execution routine that returns something else is a clear error', () => {
    const t = bootHal();
    const adapter = adapterFor(t);
    assert.throws(() => adapter.DmaOperations.AllocateAdapterChannel(adapter, {}, 1, () => 'Keep' as IO_ALLOCATION_ACTION, null), /KeepObject, DeallocateObject or DeallocateObjectKeepRegisters/);
  });
});

describe('MapTransfer and FlushAdapterBuffers', () => {
  it('MapTransfer returns one element per call, never across a break in physical contiguity; the elements cover the transfer', () => {
    const t = bootHal();
    const adapter = adapterFor(t, { MaximumLength: 64 * PAGE_SIZE });
    const bytes = 40 * PAGE_SIZE + 77;
    const { va } = userBuffer(t, bytes, 333);
    const mdl = lockedMdl(t, va, bytes);
    const ops = adapter.DmaOperations;
    const elements: { address: number; length: number }[] = [];
    ops.AllocateAdapterChannel(adapter, {}, 42, (_d, _i, base) => {
      let at = va;
      while (at < va + bytes) {
        const length = { value: va + bytes - at };
        const address = ops.MapTransfer(adapter, mdl, base, at, length, true).QuadPart;
        assert.ok(length.value > 0);
        // The whole element is physically contiguous and matches the MDL's frames.
        const firstPage = Math.floor((at - mdl.StartVa) / PAGE_SIZE);
        assert.equal(address, mdl.PfnArray[firstPage]! * PAGE_SIZE + (at % PAGE_SIZE));
        assert.equal(physicalRuns(mdl, at - va, length.value), 1);
        elements.push({ address, length: length.value });
        at += length.value;
      }
      assert.equal(ops.FlushAdapterBuffers(adapter, mdl, base, va, bytes, true), true);
      return 'DeallocateObject';
    }, null);
    assert.equal(elements.reduce((n, e) => n + e.length, 0), bytes);
    assert.equal(elements.length, physicalRuns(mdl, 0, bytes), 'as many calls as physical runs');
    assert.equal(t.hal.verifier.findings.length, 0, JSON.stringify(t.hal.verifier.findings));
  });

  it('flushing what was never mapped, freeing before flushing, and mapping beyond the registers are flagged', () => {
    const t = bootHal();
    const adapter = adapterFor(t);
    const { va } = userBuffer(t, 4 * PAGE_SIZE);
    const mdl = lockedMdl(t, va, 4 * PAGE_SIZE);
    const ops = adapter.DmaOperations;
    ops.AllocateAdapterChannel(adapter, {}, 2, (_d, _i, base) => {
      assert.equal(ops.FlushAdapterBuffers(adapter, mdl, base, va, PAGE_SIZE, true), false);
      const far = { value: PAGE_SIZE };
      ops.MapTransfer(adapter, mdl, base, va + 3 * PAGE_SIZE, far, true);
      assert.equal(far.value, 0, 'nothing mapped with a register the base does not hold');
      ops.MapTransfer(adapter, mdl, base, va, { value: PAGE_SIZE }, false);
      return 'DeallocateObject';
    }, null);
    assertFinding(t, 'VER-SYNC-OUTSIDE-MAPPING', 0x16);
    assertFinding(t, 'VER-TOO-MANY-MAP-REGISTERS', 0x0c);
    assertFinding(t, 'VER-NOT-FLUSHED', 0x0d);
  });

  it('a flush with another direction than the mapping is an unmap mismatch', () => {
    const t = bootHal();
    const adapter = adapterFor(t);
    const { va } = userBuffer(t, PAGE_SIZE);
    const mdl = lockedMdl(t, va, PAGE_SIZE);
    const ops = adapter.DmaOperations;
    ops.AllocateAdapterChannel(adapter, {}, 1, (_d, _i, base) => {
      ops.MapTransfer(adapter, mdl, base, va, { value: PAGE_SIZE }, false);
      ops.FlushAdapterBuffers(adapter, mdl, base, va, PAGE_SIZE, true);
      return 'DeallocateObject';
    }, null);
    assertFinding(t, 'VER-UNMAP-MISMATCH', 0x1000);
    assert.equal(t.hal.verifier.findings.length, 1);
  });
});
