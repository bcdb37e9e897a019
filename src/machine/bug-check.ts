/**
 * A bug check stops the simulated machine, as KeBugCheckEx does on Windows:
 * a stop code and four parameters. Nothing in the machine runs after one.
 */
import type { DriverPlace } from './driver-place';
import type { MemoryFault } from './memory-fault';

export const BUGCHECK_NAMES: Readonly<Record<number, string>> = {
  0x05: 'INVALID_PROCESS_ATTACH_ATTEMPT',
  0x0a: 'IRQL_NOT_LESS_OR_EQUAL',
  0x1e: 'KMODE_EXCEPTION_NOT_HANDLED',
  0x35: 'NO_MORE_IRP_STACK_LOCATIONS',
  0x3f: 'NO_MORE_SYSTEM_PTES',
  0x40: 'TARGET_MDL_TOO_SMALL',
  0x44: 'MULTIPLE_IRP_COMPLETE_REQUESTS',
  0x4e: 'PFN_LIST_CORRUPT',
  0x50: 'PAGE_FAULT_IN_NONPAGED_AREA',
  0x76: 'PROCESS_HAS_LOCKED_PAGES',
  0x7a: 'KERNEL_DATA_INPAGE_ERROR',
  0xc2: 'BAD_POOL_CALLER',
  0xc4: 'DRIVER_VERIFIER_DETECTED_VIOLATION',
  0xcb: 'DRIVER_LEFT_LOCKED_PAGES_IN_PROCESS',
  0xd1: 'DRIVER_IRQL_NOT_LESS_OR_EQUAL',
  0xe4: 'WORKER_INVALID',
  0xe6: 'DRIVER_VERIFIER_DMA_VIOLATION',
  0xf2: 'HARDWARE_INTERRUPT_STORM',
};

export function hex(n: number | bigint): string {
  return '0x' + n.toString(16).toUpperCase();
}

export class BugCheck extends Error {
  readonly code: number;
  readonly parameters: readonly [number, number, number, number];
  readonly stopName: string;
  /** Why the simulator stopped, in words, for the report. */
  readonly reason: string;
  /** What the faulting access touched, when a memory access caused the stop. */
  fault?: MemoryFault;
  /** Where in the driver's source the stop happened, when driver code was running and its personality could tell. */
  place?: DriverPlace;
  /** For 0x1E: whether driver code raised a status it did not catch, or failed with a program error of its own. */
  exception?: 'raised-status' | 'program-error';

  constructor(code: number, p1: number, p2: number, p3: number, p4: number, reason: string, fault?: MemoryFault) {
    const stopName = BUGCHECK_NAMES[code] ?? 'UNKNOWN_BUGCHECK';
    super(`bug check ${hex(code)} ${stopName} (${[p1, p2, p3, p4].map(hex).join(', ')}): ${reason}`);
    this.name = 'BugCheck';
    this.code = code;
    this.parameters = [p1, p2, p3, p4];
    this.stopName = stopName;
    this.reason = reason;
    if (fault) this.fault = fault;
  }
}

export function isBugCheck(e: unknown): e is BugCheck {
  return e instanceof BugCheck;
}
