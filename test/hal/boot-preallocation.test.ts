/**
 * Boot-time preallocation of contiguous DMA buffers (CONT-3, CONT-2): the
 * install configuration's limits and flags, and matching requests getting
 * the buffers after memory has fragmented.
 */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { MiB, PAGE_SIZE } from '../../src/contracts/units';
import { PreallocationConfigError, validateInstallConfiguration } from '../../src/kernel/hal/boot-preallocation';
import { UserDmaLibrary } from '../../src/kernel/hal/user-dma-library';
import { DMA_OPTION, USER_DMA_STATUS } from '../../src/contracts/user-dma-options';
import { bootHal } from './hal-fixture';

const TO = DMA_OPTION.TO_DEVICE | DMA_OPTION.KERNEL_BUFFER_ALLOC; // 0x41
const FROM = DMA_OPTION.FROM_DEVICE | DMA_OPTION.KERNEL_BUFFER_ALLOC; // 0x21

describe('install configuration', () => {
  it('accepts up to 256 buffers per direction, with a count of 1 when none is given', () => {
    assert.equal(TO, 0x41);
    assert.equal(FROM, 0x21);
    const dirs = validateInstallConfiguration('dma0', { DmaToDeviceCount: 256, DmaToDeviceBytes: PAGE_SIZE, DmaToDeviceOptions: TO, DmaFromDeviceBytes: 2 * PAGE_SIZE, DmaFromDeviceOptions: FROM | DMA_OPTION.ALLOW_CACHE });
    assert.deepEqual(dirs.map((d) => [d.direction, d.count]), [['to-device', 256], ['from-device', 1]]);
  });

  it('rejects more than 256 per direction, and options without the direction flag and KERNEL_BUFFER_ALLOC, naming the problem', () => {
    assert.throws(() => validateInstallConfiguration('dma0', { DmaFromDeviceCount: 257, DmaFromDeviceBytes: PAGE_SIZE, DmaFromDeviceOptions: FROM }),
      (e: Error) => e instanceof PreallocationConfigError && /DmaFromDeviceCount is 257; at most 256/.test(e.message) && /"dma0"/.test(e.message));
    assert.throws(() => validateInstallConfiguration('dma0', { DmaToDeviceBytes: PAGE_SIZE, DmaToDeviceOptions: DMA_OPTION.TO_DEVICE }),
      /DmaToDeviceOptions is 0x40 \(TO_DEVICE\); it must include 0x41 \(KERNEL_BUFFER_ALLOC \| TO_DEVICE\)/);
    assert.throws(() => validateInstallConfiguration('dma0', { DmaFromDeviceBytes: PAGE_SIZE, DmaFromDeviceOptions: TO }), /must include 0x21/);
    assert.throws(() => validateInstallConfiguration('dma0', { DmaToDeviceOptions: TO }), /DmaToDeviceBytes is missing/);
    assert.throws(() => validateInstallConfiguration('dma0', { DmaToDeviceBytez: 1 } as never), /unknown key DmaToDeviceBytez/);
  });
});

describe('preallocated buffers', () => {
  it('survive fragmentation: the first matching requests receive them, others fall back to (failing) allocation', () => {
    const t = bootHal({ ramBytes: 128 * MiB, nonPagedPoolBytes: 48 * MiB, pagedPoolBytes: 8 * MiB });
    const bytes = 256 * 1024;
    const pre = t.hal.preallocateForDevice('dma0', { DmaFromDeviceCount: 2, DmaFromDeviceBytes: bytes, DmaFromDeviceOptions: FROM });
    assert.equal(pre.buffers.length, 2);
    assert.deepEqual(pre.failures, []);
    assert.throws(() => t.hal.preallocateForDevice('dma0', {}), /already preallocated/);

    // The machine runs for a while: non-paged pool takes scattered frames all over RAM.
    for (let i = 0; i < 11000; i++) assert.ok(t.machine.mm.ExAllocatePoolWithTag('NonPagedPool', PAGE_SIZE, 'Frag'));
    assert.equal(t.machine.mm.MmAllocateContiguousMemorySpecifyCache(bytes, 0, 2 ** 32 - 1, 0, 'MmNonCached'), null, 'the same size no longer succeeds (CONT-2)');

    const lib = new UserDmaLibrary(t.hal);
    const { device } = lib.openDevice({ name: 'dma0', requesterId: t.machine.dmaDevice.requesterId }, { dma64Bit: true, maximumTransferLength: 64 * 1024 });
    assert.ok(device);
    const lock = (size: number, options: number) => t.machine.cpu.inProcess(t.app, () => lib.lockContiguousBuffer(device, size, options));
    const a = lock(bytes, DMA_OPTION.FROM_DEVICE);
    assert.equal(a.status, USER_DMA_STATUS.SUCCESS);
    assert.equal(a.buffer!.preallocated, true);
    assert.equal(a.buffer!.kernelAddress, pre.buffers[0]!.va);
    assert.equal(lock(bytes, DMA_OPTION.TO_DEVICE).status, USER_DMA_STATUS.INSUFFICIENT_RESOURCES, 'another direction does not match');
    assert.equal(lock(bytes, DMA_OPTION.FROM_DEVICE | DMA_OPTION.ALLOW_CACHE).status, USER_DMA_STATUS.INSUFFICIENT_RESOURCES, 'other flags do not match');
    assert.equal(lock(bytes / 2 + PAGE_SIZE * 31, DMA_OPTION.FROM_DEVICE).status, USER_DMA_STATUS.INSUFFICIENT_RESOURCES, 'another size does not match');
    const b = lock(bytes, DMA_OPTION.FROM_DEVICE | DMA_OPTION.GET_PREALLOCATED_BUFFERS_ONLY);
    assert.equal(b.buffer?.kernelAddress, pre.buffers[1]!.va);
    assert.equal(lock(bytes, DMA_OPTION.FROM_DEVICE | DMA_OPTION.GET_PREALLOCATED_BUFFERS_ONLY).status, USER_DMA_STATUS.INSUFFICIENT_RESOURCES, 'all taken');
    assert.equal(lib.unlockBuffer(a.buffer!), USER_DMA_STATUS.SUCCESS);
    assert.equal(pre.available('from-device'), 1, 'an unlocked buffer returns to the preallocation');
    assert.equal(lock(bytes, DMA_OPTION.FROM_DEVICE).buffer?.kernelAddress, pre.buffers[0]!.va);
  });

  it('a buffer that cannot be preallocated at boot is reported, not dropped', () => {
    const t = bootHal({ ramBytes: 128 * MiB, nonPagedPoolBytes: 32 * MiB, pagedPoolBytes: 8 * MiB });
    const pre = t.hal.preallocateForDevice('dma0', { DmaToDeviceCount: 3, DmaToDeviceBytes: 200 * MiB, DmaToDeviceOptions: TO });
    assert.equal(pre.buffers.length, 0);
    assert.equal(pre.failures.length, 3);
    assert.match(pre.failures[0]!, /to-device buffer 1 of 3 \(200 MiB\): no contiguous memory/);
  });
});
