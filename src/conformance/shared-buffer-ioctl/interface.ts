/**
 * The device interface of the shared-buffer-ioctl class (seed 000, the
 * inverted call): what a driver of the class serves and what the class's
 * scenarios send it. A driver claiming the class implements exactly this.
 *
 *   IOCTL_SHARED_QUEUE    METHOD_BUFFERED. Input: the queue registration
 *                         (u64 address, u32 bytes, u32 0) of a region in the
 *                         caller's memory. The driver locks the region and
 *                         maps it into system space, so it can write queue
 *                         entries from its DPC; completes at once. One queue
 *                         per handle. A bad region (kernel address, freed,
 *                         too short for one entry) fails with an error status.
 *   IOCTL_SHARED_BUFFER   METHOD_OUT_DIRECT. Input: u32 buffer id. Output
 *                         buffer: the buffer handed down. The driver keeps
 *                         the request pending, and so the buffer locked, until
 *                         cleanup (or cancellation); it builds the buffer's
 *                         scatter/gather list once and reuses it for every fill.
 *   IOCTL_SHARED_RELEASE  METHOD_BUFFERED. Input: u32 buffer id. The
 *                         application has consumed the buffer: fill it again.
 *   IOCTL_SHARED_WAIT     METHOD_BUFFERED. Input: u32 entries the application
 *                         has seen. Output: u32 entries produced. Completes
 *                         once the driver has produced more than that: the
 *                         request's event is the application's signal.
 *
 * The driver fills idle buffers one after another with consecutive stretches
 * of the device's stream (device to host), and after each fill appends an
 * entry to the queue: u32 buffer id, u32 bytes filled, u64 stream offset of
 * the buffer's first byte. The queue region is a 16-byte header (u32
 * entries produced, then 12 bytes the driver leaves alone) and a ring of
 * 16-byte entries; entry n is at 16 + (n mod capacity) * 16. A buffer is not
 * filled again until it is released, so a queue with room for as many
 * entries as buffers never overflows.
 *
 * At cleanup every buffer request of the handle completes (STATUS_SUCCESS or
 * STATUS_CANCELLED, 0 bytes), waits complete as cancelled, and the queue is
 * unmapped and unlocked.
 */
import { CTL_CODE, FILE_ANY_ACCESS, FILE_DEVICE_UNKNOWN, METHOD_BUFFERED, METHOD_OUT_DIRECT } from '../../contracts/ioctl';
export { encodeU32 } from '../../contracts/little-endian';

export const IOCTL_SHARED_QUEUE = CTL_CODE(FILE_DEVICE_UNKNOWN, 0x900, METHOD_BUFFERED, FILE_ANY_ACCESS);
export const IOCTL_SHARED_BUFFER = CTL_CODE(FILE_DEVICE_UNKNOWN, 0x901, METHOD_OUT_DIRECT, FILE_ANY_ACCESS);
export const IOCTL_SHARED_RELEASE = CTL_CODE(FILE_DEVICE_UNKNOWN, 0x902, METHOD_BUFFERED, FILE_ANY_ACCESS);
export const IOCTL_SHARED_WAIT = CTL_CODE(FILE_DEVICE_UNKNOWN, 0x903, METHOD_BUFFERED, FILE_ANY_ACCESS);

/** Bytes of the queue registration (IOCTL_SHARED_QUEUE's input). */
export const QUEUE_REGISTRATION_BYTES = 16;
export const QUEUE_HEADER_BYTES = 16;
export const QUEUE_ENTRY_BYTES = 16;

/** One filled buffer, as the queue records it. */
export interface QueueEntry {
  readonly bufferId: number;
  readonly bytes: number;
  readonly streamOffset: number;
}

/** Entries a queue region of `bytes` holds (0 when it cannot hold one). */
export function queueCapacity(bytes: number): number {
  return Math.max(0, Math.floor((bytes - QUEUE_HEADER_BYTES) / QUEUE_ENTRY_BYTES));
}

/** The bytes of a queue region large enough for `entries` entries. */
export function queueBytes(entries: number): number {
  return QUEUE_HEADER_BYTES + entries * QUEUE_ENTRY_BYTES;
}

export function encodeQueueRegistration(address: number, bytes: number): Uint8Array {
  const out = new Uint8Array(QUEUE_REGISTRATION_BYTES);
  const v = new DataView(out.buffer);
  v.setUint32(0, address % 2 ** 32, true);
  v.setUint32(4, Math.floor(address / 2 ** 32), true);
  v.setUint32(8, bytes, true);
  return out;
}

export function decodeQueueRegistration(v: DataView): { address: number; bytes: number } {
  return { address: v.getUint32(0, true) + v.getUint32(4, true) * 2 ** 32, bytes: v.getUint32(8, true) };
}

export function encodeQueueEntry(entry: QueueEntry): Uint8Array {
  const out = new Uint8Array(QUEUE_ENTRY_BYTES);
  const v = new DataView(out.buffer);
  v.setUint32(0, entry.bufferId, true);
  v.setUint32(4, entry.bytes, true);
  v.setUint32(8, entry.streamOffset % 2 ** 32, true);
  v.setUint32(12, Math.floor(entry.streamOffset / 2 ** 32), true);
  return out;
}

export function decodeQueueEntry(bytes: Uint8Array): QueueEntry {
  const v = new DataView(bytes.buffer, bytes.byteOffset, QUEUE_ENTRY_BYTES);
  return { bufferId: v.getUint32(0, true), bytes: v.getUint32(4, true), streamOffset: v.getUint32(8, true) + v.getUint32(12, true) * 2 ** 32 };
}

/** A u32 as the 4-byte input or output of an IOCTL. */
