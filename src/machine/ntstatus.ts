/** NTSTATUS values the simulated kernel returns or raises, with their documented names. */
import type { MemoryFault } from './memory-fault';

export const STATUS = {
  SUCCESS: 0x00000000,
  PENDING: 0x00000103,
  MORE_PROCESSING_REQUIRED: 0xc0000016,
  ACCESS_VIOLATION: 0xc0000005,
  IN_PAGE_ERROR: 0xc0000006,
  INVALID_PARAMETER: 0xc000000d,
  NO_MEMORY: 0xc0000017,
  INSUFFICIENT_RESOURCES: 0xc000009a,
  BUFFER_TOO_SMALL: 0xc0000023,
  WORKING_SET_QUOTA: 0xc00000a1,
  CANCELLED: 0xc0000120,
  INVALID_DEVICE_REQUEST: 0xc0000010,
  DEVICE_NOT_CONNECTED: 0xc000009d,
  IO_DEVICE_ERROR: 0xc0000185,
  INVALID_ADDRESS: 0xc0000141,
  INVALID_USER_BUFFER: 0xc00000e8,
  NOT_SUPPORTED: 0xc00000bb,
  UNSUCCESSFUL: 0xc0000001,
  TIMEOUT: 0x00000102,
  DATATYPE_MISALIGNMENT: 0x80000002,
  INVALID_HANDLE: 0xc0000008,
  ACCESS_DENIED: 0xc0000022,
  OBJECT_NAME_NOT_FOUND: 0xc0000034,
  OBJECT_NAME_COLLISION: 0xc0000035,
  PROCESS_IS_TERMINATING: 0xc000010a,
  FILE_CLOSED: 0xc0000128,
  NOT_FOUND: 0xc0000225,
} as const;

export type NtStatus = number;

const NAMES = new Map<number, string>(Object.entries(STATUS).map(([k, v]) => [v, `STATUS_${k}`]));

export function statusName(s: NtStatus): string {
  return NAMES.get(s >>> 0) ?? `0x${(s >>> 0).toString(16).toUpperCase().padStart(8, '0')}`;
}

export function NT_SUCCESS(s: NtStatus): boolean {
  return (s | 0) >= 0;
}

/**
 * An exception raised by a kernel routine (ExRaiseStatus). MmProbeAndLockPages
 * reports failure this way; a driver must catch it, as with __try/__except.
 */
export class RaisedStatus extends Error {
  /** The driver's own program error surfacing as a raised status (it passed what no routine can take): unhandled, a crash, not a status a rule is about. */
  programError = false;

  /** `fault`: what the access touched, when the status was raised by a faulting access. */
  constructor(readonly status: NtStatus, detail: string, readonly fault?: MemoryFault) {
    super(`${statusName(status)}: ${detail}`);
    this.name = 'RaisedStatus';
  }
}
