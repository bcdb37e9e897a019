/**
 * The device interface of the mapped-buffer-ioctl class (seed 000: the
 * driver allocates the memory, locks it, and maps it into the application's
 * address space): what a driver of the class serves and what the class's
 * scenarios send it. A driver claiming the class implements exactly this.
 *
 *   IOCTL_MAPPED_MAP       METHOD_BUFFERED. Input: u32 bytes wanted (1 ..
 *                          MAPPED_BUFFER_MAXIMUM). Output (16 bytes): u64 the
 *                          address of the buffer in the caller's address
 *                          space, u32 its size, u32 0. The driver allocates
 *                          memory that cannot be paged, maps it into the
 *                          process that sent the request, and returns the
 *                          address. One buffer per handle; a second request,
 *                          a size out of range or an output buffer shorter
 *                          than 16 bytes fails with an error status.
 *   IOCTL_MAPPED_TRANSFER  METHOD_BUFFERED. Input (24 bytes): u32 offset into
 *                          the buffer, u32 bytes, u64 stream offset, u32
 *                          direction (0: the device fills that part of the
 *                          buffer with its stream from the stream offset;
 *                          1: the device reads that part and checks it
 *                          against its stream), u32 0. Completes when the
 *                          device is done, with the byte count. A range
 *                          outside the buffer, or no buffer yet, fails with
 *                          an error status.
 *
 * At cleanup the driver stops any transfer of the handle, unmaps the buffer
 * from the process it was mapped into (cleanup runs in that process's
 * context) and frees it. No mapping may outlive the handle's cleanup.
 */
import { CTL_CODE, FILE_ANY_ACCESS, FILE_DEVICE_UNKNOWN, METHOD_BUFFERED } from '../../contracts/ioctl';
import { MiB } from '../../contracts/units';

export const IOCTL_MAPPED_MAP = CTL_CODE(FILE_DEVICE_UNKNOWN, 0x910, METHOD_BUFFERED, FILE_ANY_ACCESS);
export const IOCTL_MAPPED_TRANSFER = CTL_CODE(FILE_DEVICE_UNKNOWN, 0x911, METHOD_BUFFERED, FILE_ANY_ACCESS);

/** The largest buffer a driver of the class must map. */
export const MAPPED_BUFFER_MAXIMUM = 8 * MiB;
export const MAP_OUTPUT_BYTES = 16;
export const TRANSFER_INPUT_BYTES = 24;

export const TransferDirection = { DeviceToHost: 0, HostToDevice: 1 } as const;

export interface TransferOrder {
  readonly offset: number;
  readonly bytes: number;
  readonly streamOffset: number;
  readonly toDevice: boolean;
}

export function encodeMapOutput(address: number, bytes: number): Uint8Array {
  const out = new Uint8Array(MAP_OUTPUT_BYTES);
  const v = new DataView(out.buffer);
  v.setUint32(0, address % 2 ** 32, true);
  v.setUint32(4, Math.floor(address / 2 ** 32), true);
  v.setUint32(8, bytes, true);
  return out;
}

export function decodeMapOutput(bytes: Uint8Array): { address: number; bytes: number } {
  const v = new DataView(bytes.buffer, bytes.byteOffset, MAP_OUTPUT_BYTES);
  return { address: v.getUint32(0, true) + v.getUint32(4, true) * 2 ** 32, bytes: v.getUint32(8, true) };
}

export function encodeTransferOrder(order: TransferOrder): Uint8Array {
  const out = new Uint8Array(TRANSFER_INPUT_BYTES);
  const v = new DataView(out.buffer);
  v.setUint32(0, order.offset, true);
  v.setUint32(4, order.bytes, true);
  v.setUint32(8, order.streamOffset % 2 ** 32, true);
  v.setUint32(12, Math.floor(order.streamOffset / 2 ** 32), true);
  v.setUint32(16, order.toDevice ? TransferDirection.HostToDevice : TransferDirection.DeviceToHost, true);
  return out;
}

export function decodeTransferOrder(v: DataView): TransferOrder {
  return {
    offset: v.getUint32(0, true),
    bytes: v.getUint32(4, true),
    streamOffset: v.getUint32(8, true) + v.getUint32(12, true) * 2 ** 32,
    toDevice: v.getUint32(16, true) === TransferDirection.HostToDevice,
  };
}
