/** The shared-buffer and mapped-buffer interfaces encode and decode what they say. */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { METHOD_BUFFERED, METHOD_FROM_CTL_CODE, METHOD_OUT_DIRECT } from '../../src/contracts/ioctl';
import { IOCTL_MAPPED_MAP, IOCTL_MAPPED_TRANSFER, decodeMapOutput, decodeTransferOrder, encodeMapOutput, encodeTransferOrder } from '../../src/conformance/mapped-buffer-ioctl/interface';
import {
  IOCTL_SHARED_BUFFER, IOCTL_SHARED_QUEUE, IOCTL_SHARED_RELEASE, IOCTL_SHARED_WAIT, decodeQueueEntry, decodeQueueRegistration, encodeQueueEntry,
  encodeQueueRegistration, queueBytes, queueCapacity,
} from '../../src/conformance/shared-buffer-ioctl/interface';

describe('the shared-buffer interface', () => {
  it('hands buffers down by METHOD_OUT_DIRECT and everything else buffered, with distinct codes', () => {
    assert.equal(METHOD_FROM_CTL_CODE(IOCTL_SHARED_BUFFER), METHOD_OUT_DIRECT);
    for (const code of [IOCTL_SHARED_QUEUE, IOCTL_SHARED_RELEASE, IOCTL_SHARED_WAIT]) assert.equal(METHOD_FROM_CTL_CODE(code), METHOD_BUFFERED);
    assert.equal(new Set([IOCTL_SHARED_QUEUE, IOCTL_SHARED_BUFFER, IOCTL_SHARED_RELEASE, IOCTL_SHARED_WAIT]).size, 4);
  });

  it('round-trips registrations and entries, 64-bit values included', () => {
    const reg = encodeQueueRegistration(0x7ff0_1234_5000, 4096);
    assert.deepEqual(decodeQueueRegistration(new DataView(reg.buffer)), { address: 0x7ff0_1234_5000, bytes: 4096 });
    const entry = { bufferId: 7, bytes: 8 * 1024 * 1024, streamOffset: 2 ** 40 + 17 };
    assert.deepEqual(decodeQueueEntry(encodeQueueEntry(entry)), entry);
  });

  it('sizes a queue by its entries', () => {
    assert.equal(queueCapacity(queueBytes(5)), 5);
    assert.equal(queueCapacity(20), 0);
  });
});

describe('the mapped-buffer interface', () => {
  it('round-trips the map output and transfer orders', () => {
    assert.notEqual(IOCTL_MAPPED_MAP, IOCTL_MAPPED_TRANSFER);
    assert.deepEqual(decodeMapOutput(encodeMapOutput(0x1_0000_3000, 65536)), { address: 0x1_0000_3000, bytes: 65536 });
    const order = { offset: 4097, bytes: 100, streamOffset: 2 ** 33 + 5, toDevice: true };
    const bytes = encodeTransferOrder(order);
    assert.deepEqual(decodeTransferOrder(new DataView(bytes.buffer)), order);
  });
});
