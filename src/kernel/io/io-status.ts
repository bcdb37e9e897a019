/**
 * NTSTATUS values only the I/O manager returns, with their documented names.
 * They complete the machine's STATUS table for handles and object names.
 */
import { statusName as machineStatusName, NtStatus } from '../../machine/ntstatus';

export const IO_STATUS = {
  INVALID_HANDLE: 0xc0000008,
  ACCESS_DENIED: 0xc0000022,
  OBJECT_NAME_NOT_FOUND: 0xc0000034,
  OBJECT_NAME_COLLISION: 0xc0000035,
  PROCESS_IS_TERMINATING: 0xc000010a,
  FILE_CLOSED: 0xc0000128,
} as const;

const NAMES = new Map<number, string>(Object.entries(IO_STATUS).map(([k, v]) => [v, `STATUS_${k}`]));

/** The documented name of a status, including the I/O manager's own. */
export function ioStatusName(status: NtStatus): string {
  return NAMES.get(status >>> 0) ?? machineStatusName(status);
}
