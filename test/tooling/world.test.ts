import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { defaultBootConfig } from '../../src/machine/boot-config';
import { GiB, MiB } from '../../src/contracts/units';
import { BootOptionsAfterBoot, ConformanceWorld } from '../../steps/support/world';
import { InvalidWorldParameters, readWorldParameters } from '../../steps/support/world-parameters';

const ROOT = path.resolve(__dirname, '..', '..');

function world(parameters: unknown = {}): ConformanceWorld {
  const ignore = () => undefined;
  return new ConformanceWorld({ attach: ignore as never, log: ignore, link: ignore, parameters });
}

describe('world parameters', () => {
  it('reads driver, seed and ram', () => {
    const p = readWorldParameters({ driver: './steps/support/world.ts', seed: 7, ram: '16 GiB' }, ROOT);
    assert.equal(p.driver, path.join(ROOT, 'steps', 'support', 'world.ts'));
    assert.equal(p.seed, 7);
    assert.equal(p.ramBytes, 16 * GiB);
    assert.deepEqual(readWorldParameters(undefined, ROOT), {});
  });

  it('rejects unknown keys, wrong types, missing drivers and malformed sizes, naming each', () => {
    assert.throws(
      () => readWorldParameters({ drvier: 'x', seed: 1.5, ram: '8 MeB', driver: './no/such/driver.ts' }, ROOT),
      (e: unknown) =>
        e instanceof InvalidWorldParameters &&
        e.message.includes('unknown parameter "drvier" (accepted: driver, seed, ram, driverTimeBudget)') &&
        e.message.includes('"seed" must be an integer, got 1.5') &&
        e.message.includes('"ram": malformed size "8 MeB"') &&
        e.message.includes('"driver": no module at ./no/such/driver.ts'),
    );
    assert.throws(() => readWorldParameters([1], ROOT), /expected a JSON object/);
  });

  it('reads the driver time budget in seconds, and rejects one that is not a positive number', () => {
    assert.equal(readWorldParameters({ driverTimeBudget: 2.5 }, ROOT).driverTimeBudget, 2.5);
    for (const bad of [0, -1, '10', null]) {
      assert.throws(() => readWorldParameters({ driverTimeBudget: bad }, ROOT), /"driverTimeBudget" must be a positive number of seconds/);
    }
  });
});

describe('the scenario world', () => {
  it('boots its machine on first use, from the boot options set before', () => {
    const w = world();
    assert.equal(w.hasBooted, false);
    w.bootOptions.ramBytes = 1 * GiB;
    assert.equal(w.machine.config.ramBytes, 1 * GiB);
    assert.equal(w.hasBooted, true);
    assert.equal(w.machine, w.machine, 'the same machine for the whole scenario');
  });

  it('layers boot defaults, then world parameters, then the scenario options', () => {
    const w = world({ seed: 42, ram: '2 GiB' });
    assert.equal(w.parameters.seed, 42);
    w.bootOptions.pagingFileBytes = 256 * MiB;
    const config = w.machine.config;
    assert.equal(config.seed, 42);
    assert.equal(config.ramBytes, 2 * GiB);
    assert.equal(config.pagingFileBytes, 256 * MiB);
    assert.equal(config.systemPtes, defaultBootConfig().systemPtes);

    const overridden = world({ ram: '2 GiB' });
    overridden.bootOptions.ramBytes = 4 * GiB;
    assert.equal(overridden.machine.config.ramBytes, 4 * GiB);
  });

  it('refuses boot options set after the machine booted', () => {
    const w = world();
    void w.machine;
    assert.throws(() => {
      w.bootOptions.ramBytes = 1 * GiB;
    }, BootOptionsAfterBoot);
  });

  it('gives every world its own machine', () => {
    assert.notEqual(world().machine, world().machine);
  });

  it('fails to construct on invalid world parameters', () => {
    assert.throws(() => world({ seeds: 3 }), /unknown parameter "seeds"/);
  });
});
