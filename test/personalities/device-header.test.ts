/**
 * include/dma-conformance/dma-test-device.h is what the device's contract
 * writes, so a C driver and the device model read one register map.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { DmaControl, DmaRegister } from '../../src/contracts/dma-test-device-registers';
import { DEVICE_HEADER_PATH, cName, renderDeviceHeader } from '../../src/personalities/c-wasm/device-header';

describe('the C header of the DMA test device', () => {
  it('is current with the contract', () => {
    assert.equal(readFileSync(DEVICE_HEADER_PATH, 'utf8'), renderDeviceHeader(), 'include/dma-conformance/dma-test-device.h is stale: run `npm run headers` and commit it');
  });

  it('defines every register and control bit under its C name, with the contract\'s value', () => {
    const text = renderDeviceHeader();
    const defined = new Map([...text.matchAll(/^#define (\w+) (\S+)$/gm)].map((m) => [m[1]!, Number(m[2]!.replace(/u$/, ''))]));
    for (const [name, value] of Object.entries(DmaRegister)) assert.equal(defined.get(`DMA_REG_${cName(name)}`), value, name);
    for (const [name, value] of Object.entries(DmaControl)) assert.equal(defined.get(`DMA_CONTROL_${cName(name)}`), value, name);
    assert.equal(cName('RingBaseLow'), 'RING_BASE_LOW');
    assert.equal(cName('Addressing64Bit'), 'ADDRESSING_64BIT');
  });
});
