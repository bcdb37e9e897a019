/**
 * Counterexamples as the console and the report show them: the rule broken
 * and the finding first, then seed, path and replay path, the shrunk
 * commands, and a replay command ready to paste.
 */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { FuzzTarget, formatCounterexample, runCampaign } from '../../src/fuzz/campaign';
import { RuleViolation, describeFailure } from '../../src/fuzz/rule-violation';
import { BugCheck } from '../../src/machine/bug-check';

interface Counter {
  value: number;
}

/** Counting up by steps; a sum past 10 "breaks" SG-7, so every campaign of this target finds a counterexample. */
class Add implements fc.Command<Counter, Counter> {
  constructor(readonly n: number) {}
  check = () => true;
  run(model: Counter, real: Counter): void {
    model.value += this.n;
    real.value += this.n;
    if (real.value > 10) throw new RuleViolation('SG-7', `the sum is ${real.value}, more than 10`);
  }
  toString = () => `Add(${this.n})`;
}

const counting: FuzzTarget = {
  name: 'counting target',
  replayArguments: ['--model', 'counting'],
  property: (replayPath) => fc.property(fc.commands([fc.integer({ min: 1, max: 6 }).map((n) => new Add(n))], { maxCommands: 20, ...(replayPath === undefined ? {} : { replayPath }) }), (commands) => {
    fc.modelRun(() => ({ model: { value: 0 }, real: { value: 0 } }), commands);
  }),
};

describe('counterexamples', () => {
  it('name the rule and the finding, the seed, path and replay path, the shrunk commands, and the replay command', () => {
    const result = runCampaign(counting, { seed: 99, runs: 100 });
    const c = result.counterexample;
    assert.ok(c);
    assert.equal(c.rule, 'SG-7');
    assert.match(c.finding, /the sum is 1[1-6], more than 10/);
    // Shrunk: the fewest, smallest steps that still pass 10.
    assert.ok(c.steps.length <= 3, c.steps.join(', '));
    assert.ok(c.steps.every((s) => /^Add\(\d\)$/.test(s)));
    assert.equal(c.replayToken, `99:${c.path}:${c.replayPath}`);
    assert.equal(c.replayCommand, `npm run fuzz -- --model counting --replay ${c.replayToken}`);
    const text = formatCounterexample(c);
    for (const part of ['counterexample for counting target', 'rule broken: SG-7', c.finding, `seed: 99`, `path: ${c.path}`, `replayPath: ${c.replayPath}`, ...c.steps, c.replayCommand]) {
      assert.ok(text.includes(part), `"${part}" missing from:\n${text}`);
    }
    assert.ok(text.indexOf('rule broken') < text.indexOf('seed:'), 'the rule comes before the numbers');
  });

  it('describe a failure that names no rule by what it is', () => {
    assert.deepEqual(describeFailure(new RuleViolation('PAGE-1', 'DMA into a free frame')), { kind: 'finding', rule: 'PAGE-1', finding: 'DMA into a free frame' });
    const stop = describeFailure(new BugCheck(0x4e, 0x9a, 1, 2, 3, 'parent freed under a partial MDL'));
    assert.equal(stop.rule, null);
    assert.equal(stop.kind, 'broken', 'a stop that escaped the oracles is no finding');
    assert.match(stop.finding, /bug check 0x4E PFN_LIST_CORRUPT \(0x9A, 0x1, 0x2, 0x3\): parent freed/);
    assert.deepEqual(describeFailure(new TypeError('x is not a function')), { kind: 'broken', rule: null, finding: 'TypeError: x is not a function' });
  });

  it('say whether the failure is a finding or a broken run, which is no verdict', () => {
    assert.equal(runCampaign(counting, { seed: 99, runs: 100, shrink: false }).counterexample?.failure, 'finding');
    const broken: FuzzTarget = { ...counting, property: () => fc.property(fc.integer(), () => { throw new TypeError('x is not a function'); }) };
    const c = runCampaign(broken, { seed: 1, runs: 5, shrink: false }).counterexample;
    assert.equal(c?.failure, 'broken');
    assert.match(formatCounterexample(c!), /rule broken: \(none: the run broke, no verdict on the driver\)/);
  });

  it('report no counterexample when every run passes', () => {
    const passing: FuzzTarget = { ...counting, property: () => fc.property(fc.commands([fc.constant(new Add(0))], { maxCommands: 5 }), (commands) => fc.modelRun(() => ({ model: { value: 0 }, real: { value: 0 } }), commands)) };
    const result = runCampaign(passing, { seed: 3, runs: 20 });
    assert.equal(result.counterexample, null);
    assert.equal(result.runs, 20);
  });
});
