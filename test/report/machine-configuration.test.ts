import { strict as assert } from 'node:assert';
import { it } from 'node:test';
import { defaultBootConfig } from '../../src/machine/boot-config';
import { GiB } from '../../src/contracts/units';
import { describeMachineConfiguration } from '../../src/report/machine-configuration';

it('describes a machine configuration by what decides a DMA outcome', () => {
  assert.equal(
    describeMachineConfiguration(defaultBootConfig({ ramBytes: 16 * GiB, seed: 7, iommu: true, verifierMode: 'record', dmaDevice: { addressBits: 32, maxTransferLength: 65536, patternSeed: 1 } })),
    '16 GiB RAM, seed 7, IOMMU on, verifier records findings, 32-bit DMA device, frames scattered',
  );
  assert.match(describeMachineConfiguration(defaultBootConfig()), /^8 GiB RAM, seed 1, IOMMU off, verifier stops the machine/);
});
