/**
 * What a boot-preallocated-contiguous driver and its applications share:
 * the IOCTL that sets up a handle's ring of contiguous buffers for one
 * direction, its input, and the most buffers a ring may have.
 */
import { CTL_CODE, FILE_ANY_ACCESS, FILE_DEVICE_UNKNOWN, METHOD_BUFFERED } from '../../contracts/ioctl';

/**
 * IOCTL_RING_SETUP (METHOD_BUFFERED): set up the handle's ring for one
 * direction. Input: three little-endian 32-bit words, the bytes of each
 * buffer, the number of buffers, and the option flags (FROM_DEVICE or
 * TO_DEVICE, optionally ALLOW_CACHE, GET_PREALLOCATED_BUFFERS_ONLY ...; the
 * driver adds KERNEL_BUFFER_ALLOC itself). No output.
 */
export const IOCTL_RING_SETUP = CTL_CODE(FILE_DEVICE_UNKNOWN, 0x930, METHOD_BUFFERED, FILE_ANY_ACCESS);
export const RING_SETUP_INPUT_BYTES = 12;
/** At most this many buffers per direction, as the install configuration allows. */
export const RING_MAXIMUM_BUFFERS = 256;

/** The input of IOCTL_RING_SETUP. */
export function ringSetupInput(bufferBytes: number, bufferCount: number, options: number): Uint8Array {
  const input = new Uint8Array(RING_SETUP_INPUT_BYTES);
  const view = new DataView(input.buffer);
  view.setUint32(0, bufferBytes, true);
  view.setUint32(4, bufferCount, true);
  view.setUint32(8, options, true);
  return input;
}

