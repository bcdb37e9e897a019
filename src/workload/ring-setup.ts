/**
 * Setting up a ring of contiguous DMA buffers (class boot-preallocated-
 * contiguous, seed 002): the application asks the driver, by the class's
 * IOCTL, for a number of buffers of one size with the toolkit's option flags,
 * as it would call the contiguous-buffer lock of seed 002. The request must
 * succeed (CONT-3); which buffers the driver took is seen through the HAL.
 */
import { IOCTL_RING_SETUP, RING_SETUP_INPUT_BYTES, ringSetupInput } from '../drivers/reference/common-buffer-ring';
import { DMA_OPTION, optionNames } from '../kernel/hal/user-dma-options';
import type { Machine } from '../machine/machine';
import { PAGE_SIZE, formatAddress, formatBytes } from '../machine/units';
import type { TrackedRequest } from './request-ledger';
import type { WorkloadApplication } from './workload-application';

/** The device the class's install configuration is written for. */
export const RING_DEVICE = 'dma0';

/** IOCTL_RING_SETUP for `count` buffers of `bytes` with `options`; the request must succeed. */
export function setUpRing(app: WorkloadApplication, count: number, bytes: number, options: number): TrackedRequest {
  if (app.handle === null) throw new Error(`application ${app.name} has not opened the device`);
  const input = app.allocate(RING_SETUP_INPUT_BYTES);
  app.app.writeBytes(input, ringSetupInput(bytes, count, options));
  const request = app.app.DeviceIoControl(app.handle, IOCTL_RING_SETUP, input, undefined, null, 0);
  return app.track(request, `${app.name} sets up a ring of ${count} buffer(s) of ${formatBytes(bytes)} with options ${optionNames(options)}`, { kind: 'success', length: 0 }, 'CONT-3');
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
