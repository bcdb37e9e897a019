/**
 * The device's record of how each transfer ended: a zero-length descriptor
 * is logged as BadLength at that descriptor with the stretch of the stream
 * moved before it; a transfer that ends in Done is logged without an error;
 * bytes moved are counted once per stream byte.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PAGE_SIZE } from '../../src/contracts/units';
import { DescriptorFlag, DmaControl, DmaError, dmaErrorName } from '../../src/contracts/dma-test-device-registers';
import { DeviceTransferLog, DeviceTransferRecord, describeDeviceError } from '../../src/pci/dma-transfer-log';
import { bootPci, setBusMaster, startRing, writeDescriptors } from './pci-fixture';

function ringOf(lengths: readonly number[]) {
  const pci = bootPci();
  setBusMaster(pci, true);
  const ring = pci.frame();
  const frames = lengths.map(() => pci.frame());
  writeDescriptors(pci, ring, frames.map((address, i) => ({ address, length: lengths[i]!, flags: i === lengths.length - 1 ? DescriptorFlag.Last : 0 })));
  startRing(pci, ring, lengths.length, DmaControl.InterruptEnable);
  pci.clock.runUntil(() => pci.dma.status !== 'busy', 'ring transfer');
  return { pci, ring };
}

test('a zero-length descriptor: BadLength at its index, after the bytes of the descriptors before it', () => {
  const { pci, ring } = ringOf([PAGE_SIZE, PAGE_SIZE, 100, 0, PAGE_SIZE]);
  const [record] = pci.dma.transferLog.errors();
  assert.ok(record);
  assert.equal(record.errorCode, DmaError.BadLength);
  assert.equal(record.errorName, 'BadLength');
  assert.equal(record.descriptor, 3);
  assert.equal(record.errorAddress, ring + 3 * 16, 'ERROR_ADDRESS is the descriptor\'s own address');
  assert.equal(record.streamEnd - record.streamStart, 2 * PAGE_SIZE + 100);
  assert.match(describeDeviceError(record), /^device error BadLength at descriptor 3 \(error address 0x[0-9a-f]+, stream offset 8292, device to host\)$/);
});

test('a transfer that ends in Done is logged with no error', () => {
  const { pci } = ringOf([PAGE_SIZE, 10]);
  assert.deepEqual(pci.dma.transferLog.errors(), []);
  const [record] = pci.dma.transferLog.records;
  assert.equal(record?.errorName, 'None');
  assert.equal(record?.descriptor, null);
  assert.equal(record!.streamEnd - record!.streamStart, PAGE_SIZE + 10);
});

test('bytes moved within a range count each stream byte once; errors are found up to the range\'s end', () => {
  const log = new DeviceTransferLog();
  const base: Omit<DeviceTransferRecord, 'streamStart' | 'streamEnd' | 'errorCode' | 'errorName'> = { toDevice: false, ring: true, errorAddress: 0, descriptor: null, endedNs: 0 };
  log.add({ ...base, streamStart: 1000, streamEnd: 1500, errorCode: DmaError.MasterAbort, errorName: dmaErrorName(DmaError.MasterAbort) });
  log.add({ ...base, streamStart: 1200, streamEnd: 1800, errorCode: 0, errorName: 'None' });
  log.add({ ...base, streamStart: 5000, streamEnd: 5000, errorCode: DmaError.BadLength, errorName: 'BadLength' });
  assert.equal(log.bytesMovedWithin({ offset: 1000, length: 1000 }), 800);
  assert.equal(log.bytesMovedWithin({ offset: 0, length: 1100 }), 100);
  assert.deepEqual(log.errorsWithin({ offset: 1000, length: 1000 }).map((r) => r.errorName), ['MasterAbort']);
  assert.deepEqual(log.errorsWithin({ offset: 4000, length: 1000 }).map((r) => r.errorName), ['BadLength'], 'a stop just past the last byte belongs to the range');
  assert.deepEqual(log.errorsWithin({ offset: 2000, length: 1000 }), []);
  assert.equal(dmaErrorName(99), 'unknown error 99');
  assert.deepEqual(log.shortfallAfterError({ offset: 1000, length: 1000 }, 1000), { error: log.records[0], moved: 800 }, 'claimed 1000, moved 800');
  assert.equal(log.shortfallAfterError({ offset: 1000, length: 1000 }, 800), null, 'claimed no more than was moved');
  assert.equal(log.shortfallAfterError({ offset: 2000, length: 1000 }, 1000), null, 'no error there');
});
