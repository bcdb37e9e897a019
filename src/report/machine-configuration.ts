/**
 * A machine configuration in one line, for the report: the scenario's
 * "machine" parameter and the run's environment. It names what decides a
 * DMA outcome (RAM and where it lies, the seed, the IOMMU, what the verifier
 * does, the DMA device's addressing) and leaves the pool and PTE sizes to the
 * boot configuration.
 */
import type { BootConfig } from '../machine/boot-config';
import { formatBytes } from '../contracts/units';

export function describeMachineConfiguration(config: BootConfig): string {
  return [
    `${formatBytes(config.ramBytes)} RAM`,
    `seed ${config.seed}`,
    config.iommu ? 'IOMMU on' : 'IOMMU off',
    config.verifierMode === 'bugcheck' ? 'verifier stops the machine' : 'verifier records findings',
    `${config.dmaDevice.addressBits}-bit DMA device`,
    config.scatterFrames ? 'frames scattered' : 'frames in order',
  ].join(', ');
}
