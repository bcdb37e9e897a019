/**
 * The simulated machine: one clock, one seeded random source, one CPU
 * context, the kernel and the PCI bus. Every scenario boots its own.
 */
import { BootConfig, defaultBootConfig } from './boot-config';
import { Clock } from './clock';
import { Cpu } from './cpu';
import { Rng } from './rng';
import { Kernel } from '../kernel/kernel';
import { PhysicalMemory } from '../kernel/mm/physical-memory';

export class Machine {
  readonly clock = new Clock();
  readonly cpu = new Cpu();
  readonly rng: Rng;
  readonly physical: PhysicalMemory;
  readonly kernel: Kernel;

  private constructor(readonly config: BootConfig) {
    this.rng = new Rng(config.seed);
    this.physical = new PhysicalMemory(config);
    this.kernel = new Kernel(config, this.physical, this.clock, this.cpu, this.rng);
  }

  static boot(overrides: Partial<BootConfig> = {}): Machine {
    return new Machine(defaultBootConfig(overrides));
  }

  get mm() {
    return this.kernel.mm;
  }
}
