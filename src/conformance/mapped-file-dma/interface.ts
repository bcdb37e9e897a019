/**
 * What a mapped-file-dma driver and its applications share: the two
 * METHOD_NEITHER IOCTLs that have the device fill or read the caller's
 * mapped view, the input that carries the device stream offset, and the
 * longest view one request may cover.
 */
import { CTL_CODE, FILE_ANY_ACCESS, FILE_DEVICE_UNKNOWN, METHOD_NEITHER } from '../../contracts/ioctl';
import { MiB } from '../../contracts/units';

/**
 * IOCTL_MAPPED_FILE_FROM_DEVICE (METHOD_NEITHER): the device writes its data
 * into the caller's view. The output buffer is the view (its address and
 * length); the input buffer holds the device stream offset to start at, a
 * little-endian 64-bit number (8 bytes; absent: 0).
 */
export const IOCTL_MAPPED_FILE_FROM_DEVICE = CTL_CODE(FILE_DEVICE_UNKNOWN, 0x920, METHOD_NEITHER, FILE_ANY_ACCESS);
/** IOCTL_MAPPED_FILE_TO_DEVICE (METHOD_NEITHER): the device reads the caller's view; buffers as above. */
export const IOCTL_MAPPED_FILE_TO_DEVICE = CTL_CODE(FILE_DEVICE_UNKNOWN, 0x921, METHOD_NEITHER, FILE_ANY_ACCESS);
export const MAPPED_FILE_STREAM_OFFSET_BYTES = 8;
/** The longest view one request may cover. */
export const MAPPED_FILE_MAXIMUM_REQUEST = 64 * MiB;
/** The input of the IOCTLs: the stream offset. */
export function mappedFileInput(streamOffset: number): Uint8Array {
  const input = new Uint8Array(MAPPED_FILE_STREAM_OFFSET_BYTES);
  new DataView(input.buffer).setBigUint64(0, BigInt(streamOffset), true);
  return input;
}

