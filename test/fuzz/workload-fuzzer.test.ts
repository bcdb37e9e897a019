/**
 * The workload fuzzer: it finds a faulty driver and names the rule, its
 * counterexample replays on the first run (and passes once the driver is the
 * reference one), every class protocol drives its reference driver through
 * a plain workload without a finding, and the machines it draws are the ones
 * it says.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { DriverModule } from '../../src/personalities/wdm/contract';
import { CONFORMANCE_CLASS_NAMES } from '../../src/conformance/classes';
import { loadDriverModule } from '../../src/personalities/wdm/loader';
import { formatCounterexample, runCampaign } from '../../src/fuzz/campaign';
import { parseReplayToken } from '../../src/fuzz/replay-token';
import { FRAGMENTABLE_RAM, bootVariants, describeBootVariant } from '../../src/workload/boot-variants';
import { HOSTILE_KINDS } from '../../src/conformance/class-protocol';
import { protocolFor } from '../../src/conformance/classes';
import { selectTarget } from '../../src/fuzz/fuzz-targets';
import { driverModulesIn } from '../../src/conformance/driver-finder';
import { ClassNotFuzzable, finishWorkload, fuzzableClassOf, startWorkload, workloadFuzzTarget } from '../../src/fuzz/workload/workload-fuzzer';
import { MiB, KiB } from '../../src/contracts/units';

const ROOT = path.resolve(__dirname, '..', '..');
const UNGUARDED = 'src/conformance/mapped-file-dma/faulty/unguarded-probe.ts';
const REFERENCE = 'src/conformance/mapped-file-dma/reference.ts';

describe('the workload fuzzer', () => {
  it('finds a faulty driver, names the rule it breaks, and its replay command reproduces the case on the first run', () => {
    const faulty = loadDriverModule(UNGUARDED, ROOT);
    const target = workloadFuzzTarget({ driver: faulty, modulePath: path.join(ROOT, UNGUARDED), operations: 12 });
    const found = runCampaign(target, { seed: 4, runs: 20 });
    const c = found.counterexample;
    assert.ok(c, 'the fuzzer missed a driver that lets a bad view address raise through it');
    assert.equal(c.rule, faulty.breaksRule);
    assert.match(c.finding, /^after ".*":\n\[stop, PAGE-3\] .*0x1E KMODE_EXCEPTION_NOT_HANDLED/);
    assert.ok(c.steps.length >= 1 && c.steps.every((s) => typeof s === 'string' && s.length > 0));
    assert.match(c.inputs.join(' '), /^machine: .* RAM/);
    assert.equal(c.replayCommand, `npm run fuzz -- --driver ${UNGUARDED} --class mapped-file-dma --operations 12 --replay ${c.replayToken}`);
    assert.ok(formatCounterexample(c).includes(c.replayCommand));

    const again = runCampaign(target, { seed: 0, runs: 1, replay: parseReplayToken(c.replayToken) });
    assert.equal(again.runs, 1);
    assert.deepEqual(again.counterexample?.steps, c.steps);
    assert.equal(again.counterexample?.finding, c.finding);

    // The same case against the reference driver: no rule broken.
    const reference = workloadFuzzTarget({ driver: loadDriverModule(REFERENCE, ROOT), modulePath: REFERENCE, operations: 12 });
    assert.equal(runCampaign(reference, { seed: 0, runs: 1, replay: parseReplayToken(c.replayToken) }).counterexample, null);
  });

  it('drives every class it has a protocol for through its reference driver: open, move data both ways, hostile input, exit, with no finding', () => {
    const references = driverModulesIn('reference');
    let driven = 0;
    for (const { driver } of references) {
      const protocol = protocolFor(driver.conformanceClasses[0]!);
      if (!protocol) continue;
      const { real } = startWorkload(driver, protocol, { ramBytes: 256 * MiB, addressBits: 64, iommu: false, maxTransferLength: 64 * KiB, scatterFrames: true, fragmented: false, deferDmaCallbacks: false, seed: 3 });
      const app = real.apps[0]!.app;
      assert.notEqual(app.handle, null, `${driver.name}: the application could not open and set up the device`);
      for (const [direction, size, offset] of [['read', 5000, 7], ['write', 70_001, 0], ['read', 1, 4095]] as const) {
        const started = protocol.transfer(app, direction, size, offset, false);
        if (started?.buffer) app.free(started.buffer);
        real.workload.settle();
      }
      for (const kind of HOSTILE_KINDS) protocol.hostile(app, kind, 8192);
      real.workload.settle();
      assert.doesNotThrow(() => finishWorkload(real), `${driver.name} as ${protocol.conformanceClass}`);
      driven++;
    }
    assert.ok(driven >= 4, `only ${driven} reference driver(s) had a class the fuzzer can drive`);
  });

  it('says which drivers it cannot drive', () => {
    const noProtocol = CONFORMANCE_CLASS_NAMES.filter((c) => !protocolFor(c));
    const fake = { name: 'fake', conformanceClasses: ['read-write-direct'] } as unknown as DriverModule;
    assert.equal(fuzzableClassOf(fake).conformanceClass, 'read-write-direct');
    assert.throws(() => fuzzableClassOf(fake, 'mapped-file-dma'), (e: unknown) => e instanceof ClassNotFuzzable && /does not claim it/.test(e.message));
    for (const c of noProtocol) {
      assert.throws(() => fuzzableClassOf({ ...fake, conformanceClasses: [c] } as DriverModule), ClassNotFuzzable);
    }
  });
});

describe('the machines the workload fuzzer draws', () => {
  it('are valid boot configurations; a fragmented one is the small machine handing frames out scattered', () => {
    fc.assert(
      fc.property(bootVariants, (v) => {
        if (v.fragmented) assert.ok(v.ramBytes === FRAGMENTABLE_RAM && v.scatterFrames);
        assert.match(describeBootVariant(v), new RegExp(`${v.addressBits}-bit DMA device.*IOMMU ${v.iommu ? 'on' : 'off'}.*seed ${v.seed}$`));
      }),
      { seed: 9, numRuns: 200 },
    );
  });
});

describe('npm run fuzz', () => {
  it('refuses a replay without its target, and two targets, saying so', () => {
    const run = (...args: string[]) => spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'fuzz.cjs'), ...args], { cwd: ROOT, encoding: 'utf8' });
    const noTarget = run('--replay', '1:0:A:B');
    assert.equal(noTarget.status, 2);
    assert.match(noTarget.stderr, /--replay needs the target the counterexample names/);
    const both = run('--model', 'mdl', '--driver', 'x.ts', '--replay', '1:0:A:B');
    assert.equal(both.status, 2);
    assert.match(both.stderr, /choose --model or --driver, not both/);
  });

  it('chooses a target by the options a counterexample prints, and names what is unknown', () => {
    assert.equal(selectTarget({ model: 'pool' }).name, 'kernel model pool');
    assert.deepEqual(selectTarget({ model: 'mdl', operations: 7 }).replayArguments, ['--model', 'mdl', '--operations', '7']);
    assert.deepEqual(selectTarget({ driver: REFERENCE, conformanceClass: 'mapped-file-dma', operations: 9 }).replayArguments, ['--driver', REFERENCE, '--class', 'mapped-file-dma', '--operations', '9']);
    assert.throws(() => selectTarget({ model: 'no-such-model' }), /no kernel model named "no-such-model"; the models are "mdl", "pool"/);
    assert.throws(() => selectTarget({ driver: REFERENCE, conformanceClass: 'no-such-class' }), /unknown conformance class "no-such-class"/);
    assert.throws(() => selectTarget({}), /choose one fuzz target/);
  });
});
