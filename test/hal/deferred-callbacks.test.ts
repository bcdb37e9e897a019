/**
 * Windows promises only that a DMA execution routine runs at DISPATCH_LEVEL
 * once the resources are there: before GetScatterGatherList or
 * AllocateAdapterChannel returns, or later from a DPC in no particular
 * process. A machine booted with deferDmaCallbacks always takes the later
 * path, so a driver that reads its list right after the call is caught.
 */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { DISPATCH_LEVEL } from '../../src/machine/irql';
import { STATUS } from '../../src/machine/ntstatus';
import { PAGE_SIZE } from '../../src/contracts/units';
import { adapterFor, bootHal, lockedMdl, sumOfLengths, userBuffer } from './hal-fixture';
import type { SCATTER_GATHER_LIST } from '../../src/kernel/hal/scatter-gather-list';

type Call = { irql: number; process: unknown; list?: SCATTER_GATHER_LIST };

describe('deferred DMA callbacks', () => {
  for (const defer of [false, true]) {
    it(`GetScatterGatherList calls its routine ${defer ? 'later, from a DPC' : 'before it returns'} (deferDmaCallbacks ${defer})`, () => {
      const t = bootHal({ deferDmaCallbacks: defer });
      const adapter = adapterFor(t);
      const bytes = 8 * PAGE_SIZE;
      const { va } = userBuffer(t, bytes);
      const mdl = lockedMdl(t, va, bytes);
      const cpu = t.machine.kernel.cpu;
      const calls: Call[] = [];
      const status = t.machine.cpu.inProcess(t.app, () => cpu.atIrql(DISPATCH_LEVEL, () =>
        adapter.DmaOperations.GetScatterGatherList(adapter, {}, mdl, va, bytes, (_d, _i, list) => calls.push({ irql: cpu.irql, process: cpu.currentProcess, list }), null, false)));
      assert.equal(status, STATUS.SUCCESS);
      assert.equal(calls.length, defer ? 0 : 1, 'called within the call only when not deferred');
      t.machine.clock.runUntilIdle();
      assert.equal(calls.length, 1, 'called exactly once');
      assert.equal(calls[0]!.irql, DISPATCH_LEVEL);
      assert.equal(calls[0]!.process, defer ? null : t.app, defer ? 'a deferred routine runs in no particular process' : 'in the caller\'s context');
      assert.equal(sumOfLengths(calls[0]!.list!), bytes);
    });

    it(`AllocateAdapterChannel grants a free channel ${defer ? 'later, from a DPC' : 'before it returns'} (deferDmaCallbacks ${defer})`, () => {
      const t = bootHal({ deferDmaCallbacks: defer });
      const adapter = adapterFor(t);
      const cpu = t.machine.kernel.cpu;
      const calls: Call[] = [];
      const status = t.machine.cpu.inProcess(t.app, () => cpu.atIrql(DISPATCH_LEVEL, () =>
        adapter.DmaOperations.AllocateAdapterChannel(adapter, {}, 1, () => {
          calls.push({ irql: cpu.irql, process: cpu.currentProcess });
          return 'DeallocateObject';
        }, null)));
      assert.equal(status, STATUS.SUCCESS);
      assert.equal(calls.length, defer ? 0 : 1);
      t.machine.clock.runUntilIdle();
      assert.equal(calls.length, 1);
      assert.equal(calls[0]!.irql, DISPATCH_LEVEL);
      if (defer) assert.equal(calls[0]!.process, null);
    });
  }

  it('a boot option that is not true or false is refused by name', () => {
    assert.throws(() => bootHal({ deferDmaCallbacks: 'yes' as unknown as boolean }), /deferDmaCallbacks must be true or false/);
  });
});
