/**
 * The state of one scenario: its world parameters, the boot options its Given
 * steps choose, and the machine booted from them.
 *
 * The machine boots on first use, so a step can set boot options first:
 *
 *   this.bootOptions.ramBytes = parseSize('16 GiB');
 *   const memory = this.machine.physical;   // boots here
 *
 * Boot options are layered: the boot configuration's defaults, then the world
 * parameters (seed, ram), then this scenario's bootOptions.
 */
import { IWorldOptions, World } from '@cucumber/cucumber';
import { BootConfig } from '../../src/machine/boot-config';
import type { Machine } from '../../src/machine/machine';
import { machines } from '../../src/machine/machine-snapshot';
import { WorldParameters, readWorldParameters } from './world-parameters';

export class BootOptionsAfterBoot extends Error {
  constructor(option: string) {
    super(`boot option "${option}" was set after the machine booted; set boot options in the steps that come before the first step using the machine`);
    this.name = 'BootOptionsAfterBoot';
  }
}

/** The machine the scenario before this one booted, if any. */
let lastScenarioMachine: Machine | undefined;

export class ConformanceWorld extends World<WorldParameters> {
  /** Boot options chosen by this scenario; read when the machine boots. */
  readonly bootOptions: Partial<BootConfig>;
  private booted: Machine | undefined;

  constructor(options: IWorldOptions) {
    super({ ...options, parameters: readWorldParameters(options.parameters) });
    const chosen: Partial<BootConfig> = {};
    // A late change would silently not apply to the running machine: refuse it.
    this.bootOptions = new Proxy(chosen, {
      set: (target, key, value) => {
        if (this.booted) throw new BootOptionsAfterBoot(String(key));
        return Reflect.set(target, key, value);
      },
      deleteProperty: (target, key) => {
        if (this.booted) throw new BootOptionsAfterBoot(String(key));
        return Reflect.deleteProperty(target, key);
      },
    });
  }

  /** The scenario's machine, booted (or restored from the snapshot of its memory layout) on first use. */
  get machine(): Machine {
    if (!this.booted) {
      // Scenarios run one after another: the last one's hooks are done with its machine, whose memory the new one reuses.
      if (lastScenarioMachine) machines.release(lastScenarioMachine);
      this.booted = lastScenarioMachine = machines.boot(this.bootConfigOverrides());
    }
    return this.booted;
  }

  /** Whether a step has used the machine yet. */
  get hasBooted(): boolean {
    return this.booted !== undefined;
  }

  /** The overrides the machine boots (or booted) with. */
  bootConfigOverrides(): Partial<BootConfig> {
    const fromParameters: Partial<BootConfig> = {};
    if (this.parameters.seed !== undefined) fromParameters.seed = this.parameters.seed;
    if (this.parameters.ramBytes !== undefined) fromParameters.ramBytes = this.parameters.ramBytes;
    return { ...fromParameters, ...this.bootOptions };
  }
}

