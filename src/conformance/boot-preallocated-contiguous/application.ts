/**
 * Setting up a ring of contiguous DMA buffers (class boot-preallocated-
 * contiguous, seed 002): the application asks the driver, by the class's
 * IOCTL, for a number of buffers of one size with the toolkit's option flags,
 * as it would call the contiguous-buffer lock of seed 002. The request must
 * succeed (CONT-3); which buffers the driver took is seen through the HAL.
 */
import { IOCTL_RING_SETUP, RING_MAXIMUM_BUFFERS, RING_SETUP_INPUT_BYTES, ringSetupInput } from './interface';
import { DMA_OPTION, optionNames } from '../../contracts/user-dma-options';
import type { Machine } from '../../machine/machine';
import type { PreallocatedBuffer } from '../../kernel/hal/boot-preallocation';
import { PAGE_SIZE, formatAddress, formatBytes } from '../../contracts/units';
import { STATUS } from '../../machine/ntstatus';
import { KiB } from '../../contracts/units';
import { ALL_FAILURES, ClassProtocol, readWriteTransfers } from '../class-protocol';
import type { Expectation, TrackedRequest } from '../../workload/request-ledger';
import { failCalls, restoreCalls } from '../../workload/machine-events';
import type { WorkloadApplication } from '../../workload/workload-application';

/** The device the class's install configuration is written for. */
export const RING_DEVICE = 'dma0';

/** IOCTL_RING_SETUP for `count` buffers of `bytes` with `options`; the request must succeed, unless the expectation says otherwise. */
export function setUpRing(app: WorkloadApplication, count: number, bytes: number, options: number, expectation: Expectation = { kind: 'success', length: 0 }): TrackedRequest {
  if (app.handle === null) throw new Error(`application ${app.name} has not opened the device`);
  const input = app.allocate(RING_SETUP_INPUT_BYTES);
  app.app.writeBytes(input, ringSetupInput(bytes, count, options));
  const request = app.app.DeviceIoControl(app.handle, IOCTL_RING_SETUP, input, undefined, null, 0);
  return app.track(request, `${app.name} sets up a ring of ${count} buffer(s) of ${formatBytes(bytes)} with options ${optionNames(options)}`, expectation, 'CONT-3');
}

/** Option flags named the toolkit's way ("FROM_DEVICE | ALLOW_CACHE"), or a number ("0x21"). */
export function parseRingOptions(text: string): number {
  const trimmed = text.trim();
  if (/^(0x[0-9a-f]+|\d+)$/i.test(trimmed)) return Number(trimmed);
  let options = 0;
  for (const part of trimmed.split('|').map((p) => p.trim())) {
    const value = (DMA_OPTION as Record<string, number>)[part];
    if (value === undefined) throw new Error(`unknown DMA option "${part}": the options are ${Object.keys(DMA_OPTION).join(', ')}`);
    options |= value;
  }
  return options;
}

/** Boot-preallocated buffers of the device drivers hold now. */
export function preallocatedBuffersInUse(machine: Machine): number {
  return machine.hal.preallocationFor(RING_DEVICE)?.buffers.filter((b) => b.inUse).length ?? 0;
}

/**
 * Why a preallocated buffer in use is not contiguous for the CPU and the
 * device (CONT-1), or null when each one is: its pages lie in consecutive
 * frames, and the device reaches it through one range of device addresses.
 */
export function preallocatedBuffersNotContiguous(machine: Machine): string | null {
  const preallocation = machine.hal.preallocationFor(RING_DEVICE);
  const inUse = preallocation?.buffers.filter((b) => b.inUse) ?? [];
  if (inUse.length === 0) return 'no buffer preallocated at boot is in use';
  const mappings = machine.verifier.mappingsOf(machine.dmaDevice.requesterId!).filter((m) => m.kind === 'common-buffer');
  for (const b of inUse) {
    for (let page = 1; page < Math.ceil(b.bytes / PAGE_SIZE); page++) {
      if (machine.mm.translate(b.va + page * PAGE_SIZE) !== machine.mm.translate(b.va) + page) return `page ${page} of the buffer at ${formatAddress(b.va)} is not in the frame after page ${page - 1}'s`;
    }
    const mapped = mappings.find((m) => m.label.includes(formatAddress(b.va)));
    if (!mapped) return `the buffer at ${formatAddress(b.va)} is not mapped for the device`;
    if (mapped.ranges.length !== 1 || mapped.ranges[0]!.length < b.bytes) return `the device reaches the buffer at ${formatAddress(b.va)} through ${mapped.ranges.length} ranges, not one of ${formatBytes(b.bytes)}`;
  }
  return null;
}

/** The ring's buffers: as many preallocated at boot as three applications' rings take, so a conforming driver never needs run-time contiguous memory. */
const RING_BUFFER_BYTES = 64 * KiB;
const RING_FROM_DEVICE_PER_APP = 4;
const RING_TO_DEVICE_PER_APP = 2;
const RING_APPLICATIONS = 3;

/**
 * The ring to the device of an application. The first one started matches
 * the preallocation. The second first asks for one buffer more than the
 * preallocation has free, while the run-time buffer that needs cannot be
 * had, so the set-up fails part-way (see setUpFailingPartWay); then for a
 * matching ring. The third asks for the most buffers a ring may have, of a
 * single page each: a ring that does not match the preallocation, all of it
 * at run time, which fragmentation cannot prevent. Each buffer must go back
 * where it came from.
 */
function setUpMismatchedOrMatchingRing(app: WorkloadApplication): TrackedRequest {
  switch ([...app.workload.applications.values()].indexOf(app)) {
    case 1: {
      const retried = setUpFailingPartWay(app, freePreallocated(app.workload.machine, 'to-device') + 1, RING_BUFFER_BYTES, DMA_OPTION.TO_DEVICE);
      if (retried) return retried;
      break;
    }
    case 2:
      return setUpRing(app, RING_MAXIMUM_BUFFERS, PAGE_SIZE, DMA_OPTION.TO_DEVICE);
  }
  return setUpRing(app, RING_TO_DEVICE_PER_APP, RING_BUFFER_BYTES, DMA_OPTION.TO_DEVICE);
}

/**
 * A set-up whose run-time buffer, after the preallocated ones, cannot be
 * had (the driver's next AllocateCommonBuffer fails): it may fail, and then
 * must leave no boot-preallocated buffer taken (CONT-3). Returns the set-up
 * when it succeeded all the same (the driver retried, on a machine that
 * still has a run-time contiguous buffer), else null. Skipped while other
 * failures are armed, or when a retry could not have the buffer.
 */
function setUpFailingPartWay(app: WorkloadApplication, count: number, bytes: number, options: number): TrackedRequest | null {
  if (app.workload.conditions.has('resources-failing') || !runTimeContiguousAvailable(app.workload.machine, bytes)) return null;
  const machine = app.workload.machine;
  const before = preallocatedBuffersInUse(machine);
  failCalls(app.workload, 'AllocateCommonBuffer', 'driver', 1);
  const tracked = setUpRing(app, count, bytes, options);
  restoreCalls(app.workload);
  if (tracked.request.done && tracked.request.status === STATUS.SUCCESS) return tracked;
  const kept = preallocatedBuffersInUse(machine) - before;
  if (kept > 0) app.workload.recordDataCheck({ label: tracked.label, rule: 'CONT-3', of: 'driver-answer', mismatch: `the set-up failed part-way, and the driver still holds ${kept} buffer(s) preallocated at boot that it took for it` });
  return null;
}

/** Boot-preallocated buffers of a direction no driver holds now. */
function freePreallocated(machine: Machine, direction: PreallocatedBuffer['direction']): number {
  return machine.hal.preallocationFor(RING_DEVICE)?.buffers.filter((b) => b.direction === direction && !b.inUse).length ?? 0;
}

/** Whether a run-time contiguous buffer of `bytes` can be had now: tried, as another driver would, and given back. */
export function runTimeContiguousAvailable(machine: Machine, bytes: number): boolean {
  const va = machine.cpu.inDriver('another driver', () => machine.mm.MmAllocateContiguousMemorySpecifyCache(bytes, 0, 2 ** 32 - 1, 0, 'MmNonCached', 'another driver'));
  if (va !== null) machine.cpu.inDriver('another driver', () => machine.mm.MmFreeContiguousMemory(va));
  return va !== null;
}

export const bootPreallocatedContiguousProtocol: ClassProtocol = {
  conformanceClass: 'boot-preallocated-contiguous',
  bootOptions: {
    dmaPreallocation: {
      [RING_DEVICE]: {
        DmaFromDeviceCount: RING_FROM_DEVICE_PER_APP * RING_APPLICATIONS,
        DmaFromDeviceBytes: RING_BUFFER_BYTES,
        DmaFromDeviceOptions: DMA_OPTION.FROM_DEVICE | DMA_OPTION.KERNEL_BUFFER_ALLOC,
        DmaToDeviceCount: RING_TO_DEVICE_PER_APP * RING_APPLICATIONS,
        DmaToDeviceBytes: RING_BUFFER_BYTES,
        DmaToDeviceOptions: DMA_OPTION.TO_DEVICE | DMA_OPTION.KERNEL_BUFFER_ALLOC,
      },
    },
  },
  unalignedStarts: true,
  pageInErrorsFailRequests: false,
  overlappingReads: true,
  ...ALL_FAILURES,
  endOracles: [],
  afterOpen(app) {
    // A ring per direction matching the preallocated buffers: it must succeed however fragmented memory is by now (CONT-2, CONT-3).
    const rings = [setUpRing(app, RING_FROM_DEVICE_PER_APP, RING_BUFFER_BYTES, DMA_OPTION.FROM_DEVICE), setUpMismatchedOrMatchingRing(app)];
    return rings.every((t) => t.request.done && t.request.status === STATUS.SUCCESS);
  },
  ...readWriteTransfers,
};

