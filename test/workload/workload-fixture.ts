/**
 * A small machine with the reference direct-I/O driver started on its DMA
 * test device, for the workload and oracle tests: cheap enough to boot per
 * test.
 */
import type { BootConfig } from '../../src/machine/boot-config';
import type { DriverModule } from '../../src/personalities/wdm/contract';
import { Workload } from '../../src/workload/workload';
import { bootSmallMachine } from '../mm/machine-fixture';
import { referenceDriverFor } from '../drivers/suite-drivers';

const directIo = referenceDriverFor('read-write-direct');

export function startWorkload(overrides: Partial<BootConfig> = {}, driver: DriverModule = directIo): Workload {
  return Workload.start(bootSmallMachine(overrides), driver);
}

/** A workload with one application, "app.exe", that has opened the device. */
export function workloadWithApplication(overrides: Partial<BootConfig> = {}, driver: DriverModule = directIo) {
  const workload = startWorkload(overrides, driver);
  const app = workload.startApplication('app.exe');
  app.open();
  return { workload, app };
}
