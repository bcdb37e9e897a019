/**
 * Reference driver 5 (common-buffer-ring) through the I/O manager: rings of
 * boot-preallocated contiguous buffers (CONT-3) that keep working after
 * memory has fragmented (CONT-2), contiguous for the CPU and the device
 * (CONT-1), non-cached unless allowed (CONT-7); data by CPU copy.
 */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { STATUS, statusName } from '../../src/machine/ntstatus';
import { COST } from '../../src/machine/cost-model';
import { KiB, MiB, PAGE_SIZE } from '../../src/contracts/units';
import type { BootConfig } from '../../src/machine/boot-config';
import { Application } from '../../src/kernel/io/application';
import { installDriver } from '../../src/personalities/wdm/loader';
import type { DriverModule } from '../../src/personalities/wdm/contract';
import { DMA_OPTION } from '../../src/contracts/user-dma-options';
import { IOCTL_RING_SETUP, RING_SETUP_INPUT_BYTES, ringSetupInput } from '../../src/conformance/boot-preallocated-contiguous/interface';
import { fragmentPhysicalMemory } from '../../src/workload/memory-fragmentation';
import { bootSmallMachine } from '../mm/machine-fixture';
import { referenceDriverFor } from './suite-drivers';

const ring = referenceDriverFor('boot-preallocated-contiguous');

const FROM = DMA_OPTION.FROM_DEVICE | DMA_OPTION.KERNEL_BUFFER_ALLOC; // 0x21
const TO = DMA_OPTION.TO_DEVICE | DMA_OPTION.KERNEL_BUFFER_ALLOC; // 0x41
const BYTES = 64 * KiB;

function start(driver: DriverModule = ring, overrides: Partial<BootConfig> = {}) {
  const machine = bootSmallMachine({
    dmaPreallocation: { dma0: { DmaFromDeviceCount: 4, DmaFromDeviceBytes: BYTES, DmaFromDeviceOptions: FROM, DmaToDeviceCount: 2, DmaToDeviceBytes: BYTES, DmaToDeviceOptions: TO } },
    ...overrides,
  });
  const installed = installDriver(machine, driver, [machine.bus.functionOf(machine.dmaDevice)]);
  const app = new Application(machine.io, 'app');
  const handle = app.open(`${driver.name}#0`);
  const preallocation = machine.hal.preallocationFor('dma0')!;
  return { machine, installed, app, handle, preallocation, device: machine.dmaDevice };
}

function setUp(app: Application, handle: number, bytes: number, count: number, options: number) {
  const input = app.allocate(RING_SETUP_INPUT_BYTES);
  app.writeBytes(input, ringSetupInput(bytes, count, options));
  return app.DeviceIoControl(handle, IOCTL_RING_SETUP, input, undefined, null, 0);
}

describe('common-buffer-ring', () => {
  it('takes the preallocated buffers for matching requests and moves data both ways through them', () => {
    const { machine, installed, app, handle, preallocation, device } = start();
    assert.equal(setUp(app, handle, BYTES, 4, DMA_OPTION.FROM_DEVICE).status, STATUS.SUCCESS);
    assert.equal(setUp(app, handle, BYTES, 2, DMA_OPTION.TO_DEVICE).status, STATUS.SUCCESS);
    assert.equal(preallocation.available(), 0, 'all six preallocated buffers are in the rings');
    assert.equal(machine.hal.preallocatedBuffersHeld(), 6);

    const buffer = app.allocate(MiB + 333, { offset: 5 });
    const read = app.ReadFile(handle, buffer, undefined, { byteOffset: 12_345 });
    assert.equal(read.status, STATUS.SUCCESS, read.describe());
    assert.equal(read.information, buffer.length);
    assert.equal(app.firstPatternMismatch(buffer, device.pattern, 12_345), null);

    const out = app.allocate(300 * KiB + 7);
    app.writePattern(out, device.pattern, 0);
    assert.equal(app.WriteFile(handle, out, undefined, { byteOffset: 0 }).status, STATUS.SUCCESS);
    assert.equal(device.checker.mismatchCount, 0);
    assert.equal(device.checker.bytesChecked, out.length);

    app.CloseHandle(handle);
    assert.equal(preallocation.available(), 6, 'closing the handle returns the buffers');
    app.exit();
    machine.io.unloadDriver(installed.driverObject);
    assert.equal(machine.kernel.stopped, null);
    assert.deepEqual(machine.io.findings, []);
    assert.deepEqual(machine.verifier.findings, []);
  });

  it('a non-matching size or option gets a run-time buffer, or nothing with GET_PREALLOCATED_BUFFERS_ONLY (CONT-3)', () => {
    const { machine, app, handle, preallocation } = start();
    assert.equal(setUp(app, handle, 32 * KiB, 2, DMA_OPTION.FROM_DEVICE).status, STATUS.SUCCESS);
    assert.equal(preallocation.available('from-device'), 4, 'another size does not take a preallocated buffer');
    assert.equal(machine.mm.contiguousAllocations().filter((c) => c.driver === ring.name).length, 3, 'the descriptor page and two run-time buffers');
    const second = app.open(`${ring.name}#0`);
    assert.equal(statusName(setUp(app, second, BYTES, 1, DMA_OPTION.FROM_DEVICE | DMA_OPTION.ALLOW_CACHE | DMA_OPTION.GET_PREALLOCATED_BUFFERS_ONLY).status), 'STATUS_INSUFFICIENT_RESOURCES',
      'other flags do not match, and preallocated-only allows no fallback');
    assert.equal(setUp(app, second, BYTES, 3, DMA_OPTION.FROM_DEVICE | DMA_OPTION.GET_PREALLOCATED_BUFFERS_ONLY).status, STATUS.SUCCESS);
    assert.equal(preallocation.available('from-device'), 1);
    assert.equal(statusName(setUp(app, second, BYTES, 1, DMA_OPTION.FROM_DEVICE).status), 'STATUS_INVALID_DEVICE_REQUEST', 'one ring per direction per handle');
  });

  it('after fragmentation a run-time contiguous buffer of the same size fails while the preallocated ring still works (CONT-2)', () => {
    const { machine, app, handle, device } = start();
    fragmentPhysicalMemory(machine);
    assert.equal(statusName(setUp(app, handle, BYTES, 2, DMA_OPTION.FROM_DEVICE | DMA_OPTION.ALLOW_CACHE).status), 'STATUS_INSUFFICIENT_RESOURCES', 'run-time allocation fails');
    assert.equal(setUp(app, handle, BYTES, 4, DMA_OPTION.FROM_DEVICE).status, STATUS.SUCCESS);
    const buffer = app.allocate(512 * KiB);
    assert.equal(app.ReadFile(handle, buffer).status, STATUS.SUCCESS);
    assert.equal(app.firstPatternMismatch(buffer, device.pattern, 0), null);
  });

  it('ring buffers are contiguous for the CPU and, through the IOMMU, for the device (CONT-1)', () => {
    const { machine, app, handle, preallocation, device } = start(ring, { iommu: true });
    assert.equal(setUp(app, handle, BYTES, 4, DMA_OPTION.FROM_DEVICE).status, STATUS.SUCCESS);
    for (const b of preallocation.buffers.filter((x) => x.inUse)) {
      const frames = Array.from({ length: b.bytes / PAGE_SIZE }, (_, i) => machine.mm.translate(b.va + i * PAGE_SIZE));
      frames.forEach((pfn, i) => assert.equal(pfn, frames[0]! + i));
    }
    const mapped = machine.verifier.mappingsOf(device.requesterId!).filter((m) => m.label.startsWith('boot-preallocated'));
    assert.equal(mapped.length, 4);
    for (const m of mapped) assert.deepEqual(m.ranges.map((r) => r.length), [BYTES], 'one device range per buffer');
    const buffer = app.allocate(256 * KiB + 1);
    assert.equal(app.ReadFile(handle, buffer).status, STATUS.SUCCESS);
    assert.equal(app.firstPatternMismatch(buffer, device.pattern, 0), null);
  });

  it('non-cached buffers make the copies dearer than cached ones (CONT-7)', () => {
    const cost = (options: number) => {
      const { machine, app, handle } = start(ring, {
        dmaPreallocation: { dma0: { DmaFromDeviceCount: 2, DmaFromDeviceBytes: BYTES, DmaFromDeviceOptions: FROM | options } },
      });
      assert.equal(setUp(app, handle, BYTES, 2, DMA_OPTION.FROM_DEVICE | options).status, STATUS.SUCCESS);
      const before = { uncached: machine.clock.cpuTime('cpu:uncached'), all: machine.clock.cpuTime('cpu:') };
      assert.equal(app.ReadFile(handle, app.allocate(MiB)).status, STATUS.SUCCESS);
      return { uncached: machine.clock.cpuTime('cpu:uncached') - before.uncached, all: machine.clock.cpuTime('cpu:') - before.all };
    };
    const nonCached = cost(0);
    const cached = cost(DMA_OPTION.ALLOW_CACHE);
    assert.ok(nonCached.uncached >= MiB * COST.uncachedCpuAccessPerByte.ns, 'every byte copied out of a non-cached buffer is charged as uncached');
    assert.ok(cached.uncached < MiB * COST.uncachedCpuAccessPerByte.ns / 100, 'with ALLOW_CACHE only the descriptors are uncached');
    assert.ok(nonCached.all - cached.all >= MiB * (COST.uncachedCpuAccessPerByte.ns - COST.cpuCopyPerByte.ns) * 0.99);
  });
});
