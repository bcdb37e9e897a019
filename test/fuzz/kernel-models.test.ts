/**
 * The kernel models: each passes a fixed budget against the simulator as it
 * is, and each catches a defect planted in the part of the kernel it models
 * (a prototype patched for the test and restored after), with a shrunk
 * counterexample naming the rule, which its replay token reproduces on its
 * first run.
 */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { runCampaign } from '../../src/fuzz/campaign';
import { KERNEL_MODELS, kernelModelNamed } from '../../src/fuzz/kernel-models/kernel-model-catalog';
import { kernelModelTarget } from '../../src/fuzz/kernel-models/kernel-model';
import { highestFreeRun } from '../../src/fuzz/kernel-models/contiguous-model';
import { parseReplayToken } from '../../src/fuzz/replay-token';
import { FaultInjector } from '../../src/kernel/fault-injector';
import { AdapterChannel } from '../../src/kernel/hal/adapter-channel';
import { ScatterGatherLists } from '../../src/kernel/hal/scatter-gather-list';
import { MemoryManager } from '../../src/kernel/mm/memory-manager';
import { PhysicalMemory } from '../../src/kernel/mm/physical-memory';

const SEED = 424_242;

/** Replace a method for the duration of `fn`. */
function withPatch<T extends object, K extends keyof T>(proto: T, name: K, replacement: (original: T[K]) => T[K], fn: () => void): void {
  const original = proto[name];
  proto[name] = replacement(original);
  try {
    fn();
  } finally {
    proto[name] = original;
  }
}

describe('kernel models', () => {
  for (const model of KERNEL_MODELS) {
    it(`${model.name}: the simulator agrees with the model over 25 random sequences`, () => {
      const result = runCampaign(kernelModelTarget(model), { seed: SEED, runs: 25 });
      assert.equal(result.counterexample, null, result.counterexample ? `${result.counterexample.rule}: ${result.counterexample.finding}\n${result.counterexample.steps.join('\n')}` : '');
      assert.equal(result.runs, 25);
    });
  }

  const planted: { model: string; rules: string[]; defect: string; plant: (fn: () => void) => void }[] = [
    {
      model: 'mdl',
      rules: ['PAGE-5'],
      defect: 'an unlock of a page locked twice leaves its frame locked',
      plant: (fn) => withPatch(MemoryManager.prototype, 'unlockFrame', (original) => function (this: MemoryManager, pfn, as) {
        if (this.physical.lockCount[pfn]! > 1) {
          if (!as.isSystem) as.lockedPages--;
          return;
        }
        original.call(this, pfn, as);
      }, fn),
    },
    {
      model: 'pool',
      rules: ['CONT-4', 'MDL-1'],
      defect: 'fault rules ignore the call site they are narrowed to',
      plant: (fn) => withPatch(FaultInjector.prototype, 'shouldFail', (original) => function (this: FaultInjector, point: string) {
        return original.call(this, point, '');
      }, fn),
    },
    {
      model: 'scatter-gather-size',
      rules: ['SG-4'],
      defect: 'CalculateScatterGatherList ignores the MDL chain and sizes the range as one buffer',
      plant: (fn) => withPatch(ScatterGatherLists.prototype, 'CalculateScatterGatherList', (original) => function (this: ScatterGatherLists, _mdl, currentVa, length) {
        return original.call(this, null, currentVa, length);
      }, fn),
    },
    {
      model: 'adapter-channel',
      rules: ['SG-2'],
      defect: 'a scatter/gather list put back does not wake a request waiting for map registers',
      plant: (fn) => withPatch(AdapterChannel.prototype, 'registersReturned', () => function () {}, fn),
    },
    {
      model: 'adapter-channel',
      rules: ['SG-3', 'SG-6'],
      defect: 'map registers coming back never reach a GetScatterGatherList call waiting for them',
      plant: (fn) => withPatch(ScatterGatherLists.prototype, 'registersReturned', () => function () {}, fn),
    },
    {
      model: 'contiguous',
      rules: ['CONT-2'],
      defect: 'contiguous allocation ignores the boundary it must not cross',
      plant: (fn) => withPatch(PhysicalMemory.prototype, 'allocateContiguous', (original) => function (this: PhysicalMemory, owner, count, lowest, highest) {
        return original.call(this, owner, count, lowest, highest, 0);
      }, fn),
    },
  ];

  for (const p of planted) {
    it(`${p.model}: finds a planted defect (${p.defect}), names the rule, and its replay token reproduces it on the first run`, () => {
      const target = kernelModelTarget(kernelModelNamed(p.model));
      let token = '';
      p.plant(() => {
        const found = runCampaign(target, { seed: SEED, runs: 200 });
        const c = found.counterexample;
        assert.ok(c, `the ${p.model} model missed the planted defect in 200 runs`);
        assert.ok(p.rules.includes(c.rule ?? ''), `rule ${c.rule} (${c.finding}), expected one of ${p.rules.join(', ')}`);
        assert.ok(c.steps.length > 0, "the counterexample lists the commands that ran");
        const again = runCampaign(target, { seed: 1, runs: 1, replay: parseReplayToken(c.replayToken) });
        assert.equal(again.runs, 1, 'a replay runs one case');
        assert.ok(again.counterexample, 'the replay reproduces the failure');
        assert.deepEqual(again.counterexample.steps, c.steps, 'the replay runs the same commands');
        assert.equal(again.counterexample.finding, c.finding);
        token = c.replayToken;
      });
      // With the defect gone, the same case passes.
      const fixed = runCampaign(target, { seed: 1, runs: 1, replay: parseReplayToken(token) });
      assert.equal(fixed.counterexample, null);
    });
  }
});

describe('the contiguous model\'s answer', () => {
  it('is the free run that starts highest, cut at boundary lines', () => {
    const free = new Set([10, 11, 12, 13, 14, 20, 21, 22, 30]);
    assert.equal(highestFreeRun(free, 0, 40, 1, 0), 30);
    assert.equal(highestFreeRun(free, 0, 40, 3, 0), 20);
    assert.equal(highestFreeRun(free, 0, 40, 4, 0), 11);
    assert.equal(highestFreeRun(free, 0, 40, 6, 0), -1);
    // With 4-frame boundaries, 10..14 splits into 10..11 and 12..14; 20..22 stays whole.
    assert.equal(highestFreeRun(free, 0, 40, 3, 4), 20);
    assert.equal(highestFreeRun(free, 0, 40, 4, 4), -1);
    assert.equal(highestFreeRun(free, 0, 40, 4, 8), 11);
    // Only the window counts.
    assert.equal(highestFreeRun(free, 0, 22, 3, 0), 12);
  });
});
