/**
 * The simulated machine: one clock, one seeded random source, the kernel and
 * the PCI bus. Every scenario boots its own.
 */
import { BootConfig, defaultBootConfig } from './boot-config';
import { Clock } from './clock';
import { Rng } from './rng';
import { PhysicalMemory } from '../kernel/mm/physical-memory';

export class Machine {
  readonly clock = new Clock();
  readonly rng: Rng;
  readonly physical: PhysicalMemory;

  private constructor(readonly config: BootConfig) {
    this.rng = new Rng(config.seed);
    this.physical = new PhysicalMemory(config);
  }

  static boot(overrides: Partial<BootConfig> = {}): Machine {
    return new Machine(defaultBootConfig(overrides));
  }
}
