/**
 * The simulated machine: one clock, one seeded random source, one CPU
 * context, the kernel, and the PCI bus with its devices. Every scenario boots
 * its own.
 */
import { BootConfig, defaultBootConfig } from './boot-config';
import { Clock } from './clock';
import { Cpu } from './cpu';
import { Rng } from './rng';
import { Kernel } from '../kernel/kernel';
import { Hal } from '../kernel/hal/hal';
import { Iommu } from '../kernel/hal/iommu';
import { IoManager } from '../kernel/io/io-manager';
import { PhysicalMemory } from '../kernel/mm/physical-memory';
import { PciBus } from '../pci/bus';
import { DmaTestDevice } from '../pci/dma-device';
import { GpuDevice } from '../pci/gpu-device';

export class Machine {
  readonly clock = new Clock();
  readonly cpu = new Cpu();
  readonly rng: Rng;
  readonly physical: PhysicalMemory;
  readonly kernel: Kernel;
  readonly iommu: Iommu | null;
  readonly bus: PciBus;
  readonly dmaDevice: DmaTestDevice;
  readonly gpu: GpuDevice | null;
  /** The HAL's DMA layer; its DMA verifier watches every device access on the bus. */
  readonly hal: Hal;
  readonly io: IoManager;

  /** `physical`: the machine's memory when it was made before the rest of the boot (src/machine/machine-snapshot.ts). */
  private constructor(readonly config: BootConfig, physical?: PhysicalMemory) {
    this.rng = new Rng(config.seed);
    this.physical = physical ?? new PhysicalMemory(config);
    this.kernel = new Kernel(config, this.physical, this.clock, this.cpu, this.rng);
    this.iommu = config.iommu ? new Iommu(this.clock) : null;
    this.bus = new PciBus({ config, clock: this.clock, cpu: this.cpu, physical: this.physical, iommu: this.iommu });
    this.dmaDevice = new DmaTestDevice(this.clock, {
      name: 'dma0',
      addressBits: config.dmaDevice.addressBits,
      maxTransferLength: config.dmaDevice.maxTransferLength,
      patternSeed: config.dmaDevice.patternSeed,
    });
    this.bus.attach(this.dmaDevice);
    this.gpu = config.gpuMemoryBytes > 0 ? new GpuDevice({ name: 'gpu0', memoryBytes: config.gpuMemoryBytes }) : null;
    if (this.gpu) this.bus.attach(this.gpu);
    this.hal = new Hal(this.kernel, this.bus, { iommu: this.iommu });
    this.io = new IoManager(this.kernel, { hal: this.hal });
    for (const [device, configuration] of Object.entries(config.dmaPreallocation)) this.hal.preallocateForDevice(device, configuration);
  }

  get verifier() {
    return this.hal.verifier;
  }

  static boot(overrides: Partial<BootConfig> = {}): Machine {
    return new Machine(defaultBootConfig(overrides));
  }

  /**
   * The rest of the boot on physical memory made for `config` and not used
   * yet (fresh, or restored from a snapshot of fresh memory): what
   * src/machine/machine-snapshot.ts builds a restored machine with.
   */
  static bootOnMemory(config: BootConfig, physical: PhysicalMemory): Machine {
    return new Machine(config, physical);
  }

  get mm() {
    return this.kernel.mm;
  }
}
