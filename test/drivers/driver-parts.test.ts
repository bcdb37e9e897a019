/**
 * The parts the reference drivers share: descriptors cut at the device's
 * maximum transfer and encoded as the device reads them, and the driver
 * skeleton started on a machine's DMA test device.
 */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { DESCRIPTOR_SIZE, DescriptorFlag } from '../../src/contracts/dma-test-device-registers';
import { descriptorsFor, encodeDescriptors } from '../../src/personalities/wdm/driver-kit';
import { startWorkload } from '../workload/workload-fixture';

describe('descriptors for a scatter/gather list', () => {
  it('keep elements in transfer order and cut each at the maximum transfer (DEV-2)', () => {
    const d = descriptorsFor([{ Address: 0x10000, Length: 10_000 }, { Address: 0x90000, Length: 100 }], 4096);
    assert.deepEqual(d, [
      { address: 0x10000, length: 4096 }, { address: 0x11000, length: 4096 }, { address: 0x12000, length: 1808 },
      { address: 0x90000, length: 100 },
    ]);
    assert.equal(d.reduce((n, x) => n + x.length, 0), 10_100, 'lengths sum to the transfer (SG-7)');
    assert.throws(() => descriptorsFor([], 0), /maximum transfer must be positive/);
  });

  it('encode 64-bit addresses little-endian and flag only the last one LAST', () => {
    const bytes = encodeDescriptors([{ address: 2 ** 32 + 0x1234, length: 512 }, { address: 0x2000, length: 7 }]);
    const v = new DataView(bytes.buffer);
    assert.equal(bytes.length, 2 * DESCRIPTOR_SIZE);
    assert.equal(v.getUint32(0, true), 0x1234);
    assert.equal(v.getUint32(4, true), 1);
    assert.equal(v.getUint32(8, true), 512);
    assert.equal(v.getUint32(12, true), 0);
    assert.equal(v.getUint32(DESCRIPTOR_SIZE + 12, true), DescriptorFlag.Last);
  });
});

describe('the reference driver skeleton', () => {
  it('starts with an adapter, a ring in a common buffer and bus mastering on; unload gives everything back', () => {
    const workload = startWorkload();
    const adapters = workload.session!.adapters;
    assert.equal(adapters.length, 1);
    assert.equal(adapters[0]!.commonBuffers.outstandingCount, 1, 'the descriptor ring');
    assert.equal(workload.machine.dmaDevice.config.busMasterEnabled, true);
    workload.finish();
    assert.equal(workload.machine.dmaDevice.config.busMasterEnabled, false, 'RemoveDevice turned bus mastering off');
    assert.equal(workload.machine.hal.liveAdapters(workload.driverName).length, 0);
    assert.deepEqual(workload.machine.verifier.findings, []);
  });
});
