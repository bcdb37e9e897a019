/**
 * The faulty variants of reference driver 5 fail the way their declared rule
 * says: run-time contiguous allocation fails after fragmentation (CONT-2);
 * programming the physical address instead of the device-visible one is
 * stopped by the IOMMU (CONT-1); a request the device failed part-way
 * reports the unfinished batch as transferred (DEV-3).
 */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { BugCheck } from '../../src/machine/bug-check';
import { STATUS, statusName } from '../../src/machine/ntstatus';
import { KiB } from '../../src/contracts/units';
import type { BootConfig } from '../../src/machine/boot-config';
import { Application } from '../../src/kernel/io/application';
import { installDriver } from '../../src/personalities/wdm/loader';
import type { DriverModule } from '../../src/personalities/wdm/contract';
import { DMA_OPTION } from '../../src/contracts/user-dma-options';
import { IOCTL_RING_SETUP, RING_SETUP_INPUT_BYTES, ringSetupInput } from '../../src/conformance/boot-preallocated-contiguous/interface';
import { fragmentPhysicalMemory } from '../../src/workload/memory-fragmentation';
import { bootSmallMachine } from '../mm/machine-fixture';
import { faultyDriverFor, referenceDriverFor } from './suite-drivers';

const runTime = faultyDriverFor('boot-preallocated-contiguous', 'contiguous-at-run-time');
const physical = faultyDriverFor('boot-preallocated-contiguous', 'programs-physical-address');
const claimsBatch = faultyDriverFor('boot-preallocated-contiguous', 'error-claims-batch');
const ringReference = referenceDriverFor('boot-preallocated-contiguous');

const BYTES = 64 * KiB;

function start(driver: DriverModule, overrides: Partial<BootConfig> = {}) {
  const machine = bootSmallMachine({ dmaPreallocation: { dma0: { DmaFromDeviceCount: 4, DmaFromDeviceBytes: BYTES, DmaFromDeviceOptions: 0x21 } }, ...overrides });
  installDriver(machine, driver, [machine.bus.functionOf(machine.dmaDevice)]);
  const app = new Application(machine.io, 'app');
  const handle = app.open(`${driver.name}#0`);
  const setUp = () => {
    const input = app.allocate(RING_SETUP_INPUT_BYTES);
    app.writeBytes(input, ringSetupInput(BYTES, 4, DMA_OPTION.FROM_DEVICE));
    return app.DeviceIoControl(handle, IOCTL_RING_SETUP, input, undefined, null, 0);
  };
  return { machine, app, handle, setUp };
}

describe('faulty variants of common-buffer-ring', () => {
  it(`${runTime.name} (${runTime.breaksRule}) works right after boot but not once memory has fragmented`, () => {
    const early = start(runTime);
    assert.equal(early.setUp().status, STATUS.SUCCESS);
    assert.equal(early.machine.hal.preallocationFor('dma0')!.available(), 4, 'it never takes the preallocated buffers');
    const late = start(runTime);
    fragmentPhysicalMemory(late.machine);
    assert.equal(statusName(late.setUp().status), 'STATUS_INSUFFICIENT_RESOURCES');
  });

  it(`${physical.name} (${physical.breaksRule}) passes without an IOMMU and is stopped behind one`, () => {
    const plain = start(physical);
    assert.equal(plain.setUp().status, STATUS.SUCCESS);
    assert.equal(plain.app.ReadFile(plain.handle, plain.app.allocate(128 * KiB)).status, STATUS.SUCCESS);
    const guarded = start(physical, { iommu: true });
    assert.equal(guarded.setUp().status, STATUS.SUCCESS);
    assert.throws(() => guarded.app.ReadFile(guarded.handle, guarded.app.allocate(128 * KiB)), (e: unknown) => e instanceof BugCheck && e.code === 0xe6);
    assert.equal(guarded.machine.verifier.findings[0]?.id, 'VER-IOMMU-FAULT');
  });

  it(`${claimsBatch.name} (${claimsBatch.breaksRule}) reports the failed batch as transferred, where the reference driver reports nothing`, () => {
    const failedRead = (driver: DriverModule) => {
      const s = start(driver);
      assert.equal(s.setUp().status, STATUS.SUCCESS);
      s.machine.dmaDevice.injectFault('master-abort', { at: 'after-bytes', bytes: 100 * KiB });
      return s.app.ReadFile(s.handle, s.app.allocate(512 * KiB));
    };
    const faulty = failedRead(claimsBatch);
    assert.equal(statusName(faulty.status), 'STATUS_IO_DEVICE_ERROR');
    assert.ok(faulty.information > 100 * KiB, `it claims ${faulty.information} byte(s), more than the device moved`);
    const reference = failedRead(ringReference);
    assert.equal(statusName(reference.status), 'STATUS_IO_DEVICE_ERROR');
    assert.equal(reference.information, 0);
  });
});
