/**
 * Setting up a ring of contiguous DMA buffers (class boot-preallocated-
 * contiguous, seed 002): the application asks the driver, by the class's
 * IOCTL, for a number of buffers of one size with the toolkit's option flags,
 * as it would call the contiguous-buffer lock of seed 002. The request must
 * succeed (CONT-3); which buffers the driver took is seen through the HAL.
 */
import { IOCTL_RING_SETUP, RING_SETUP_INPUT_BYTES, ringSetupInput } from './interface';
import { DMA_OPTION, optionNames } from '../../contracts/user-dma-options';
import type { Machine } from '../../machine/machine';
import { PAGE_SIZE, formatAddress, formatBytes } from '../../contracts/units';
import { STATUS } from '../../machine/ntstatus';
import { KiB } from '../../contracts/units';
import { ALL_FAILURES, ClassProtocol, readWriteTransfers } from '../class-protocol';
import type { Expectation, TrackedRequest } from '../../workload/request-ledger';
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
/** Buffers of the ring that does not match the preallocation: more than were set aside for one application. */
const MISMATCHED_TO_DEVICE_COUNT = 3;

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
    // The second application's ring to the device does not match them: its single-page buffers come at run time, which
    // fragmentation cannot prevent, and must go back as run-time buffers.
    const second = [...app.workload.applications.values()].indexOf(app) === 1;
    const toDevice = second ? setUpRing(app, MISMATCHED_TO_DEVICE_COUNT, PAGE_SIZE, DMA_OPTION.TO_DEVICE) : setUpRing(app, RING_TO_DEVICE_PER_APP, RING_BUFFER_BYTES, DMA_OPTION.TO_DEVICE);
    const rings = [setUpRing(app, RING_FROM_DEVICE_PER_APP, RING_BUFFER_BYTES, DMA_OPTION.FROM_DEVICE), toDevice];
    return rings.every((t) => t.request.done && t.request.status === STATUS.SUCCESS);
  },
  ...readWriteTransfers,
};

