/**
 * The driver under test installed into a scenario's machine: loaded
 * (DriverEntry), started on the DMA test device (AddDevice, StartDevice),
 * watched by a DMA trace, and unloaded at the end so that whatever it still
 * holds shows up as left behind. What the machine had before the driver came
 * is remembered, so the leftovers check can tell the driver's share.
 */
import type { DriverModule } from '../personalities/wdm/contract';
import type { DmaAdapter } from '../kernel/hal/dma-adapter';
import { InstalledDriver, installDriver } from '../personalities/wdm/loader';
import type { Machine } from '../machine/machine';
import { DmaTrace } from './dma-trace';

/** Kernel resources counted before the driver was installed. */
export interface ResourceBaseline {
  readonly freeSystemPtes: number;
}

export class DriverSession {
  unloaded = false;

  private constructor(
    readonly machine: Machine,
    readonly driver: DriverModule,
    readonly installed: InstalledDriver,
    readonly trace: DmaTrace,
    readonly baseline: ResourceBaseline,
    /** The DMA adapters the driver got while it started. */
    readonly adapters: readonly DmaAdapter[],
  ) {}

  /** Install the driver on the machine's DMA test device. Start failures (DriverStartFailed, a bug check, DriverHang) propagate. */
  static start(machine: Machine, driver: DriverModule): DriverSession {
    const trace = DmaTrace.install(machine);
    const baseline: ResourceBaseline = { freeSystemPtes: machine.mm.systemPtes.free };
    const installed = installDriver(machine, driver, [machine.bus.functionOf(machine.dmaDevice)]);
    return new DriverSession(machine, driver, installed, trace, baseline, machine.hal.liveAdapters(driver.name));
  }

  /** Bytes the HAL copied through bounce buffers for the driver's adapters, both ways (SG-6). */
  get bytesBounced(): number {
    return this.adapters.reduce((n, a) => n + a.mapRegisters.bytesBouncedToDevice + a.mapRegisters.bytesBouncedFromDevice, 0);
  }

  get name(): string {
    return this.driver.name;
  }

  /** Remove the device and unload the driver; the HAL then reports DMA resources it still holds. */
  unload(): void {
    if (this.unloaded) return;
    this.unloaded = true;
    this.machine.io.unloadDriver(this.installed.driverObject);
  }
}
