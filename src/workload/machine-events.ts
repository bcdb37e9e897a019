/**
 * What the machine does to a workload between its operations: memory
 * pressure (the trimmer takes every page that is not locked), allocation
 * failures injected at named call sites (the driver's own calls, or the I/O
 * manager's on the application's behalf), page-in errors, and device faults.
 *
 * Events that can make requests fail for a documented reason (resources,
 * device errors) are conditions of the workload while they last: requests
 * outstanding or issued meanwhile may end in that failure.
 */
import { IO_MANAGER_CALL_SITE } from '../kernel/io/request-buffers';
import type { MemoryPressure } from '../kernel/mm/memory-manager';
import type { DmaFaultInjection, DmaFaultPoint } from '../pci/dma-device';
import type { Workload } from './workload';
import type { FaultMode } from '../kernel/fault-injector';

/** Routines whose failure can be injected, by the name a scenario gives them. */
export const FAILURE_POINTS = [
  'ExAllocatePoolWithTag:NonPagedPool',
  'ExAllocatePoolWithTag:PagedPool',
  'GetScatterGatherList',
  'BuildScatterGatherList',
  'CalculateScatterGatherList',
  'AllocateAdapterChannel',
  'AllocateCommonBuffer',
  'IoAllocateMdl',
  'IoAllocateIrp',
  'MmProbeAndLockPages',
  'MmGetSystemAddressForMdlSafe',
  'MmMapLockedPagesSpecifyCache',
  'MmAllocateContiguousMemorySpecifyCache',
] as const;
export type FailurePoint = (typeof FAILURE_POINTS)[number];

/** Whose calls fail: the driver under test's, or the I/O manager's (building IRPs, MDLs and system buffers for applications). */
export type CallSite = 'driver' | 'io-manager';

export function isFailurePoint(name: string): name is FailurePoint {
  return (FAILURE_POINTS as readonly string[]).includes(name);
}

export function applyMemoryPressure(workload: Workload, level: MemoryPressure): void {
  workload.machine.mm.applyMemoryPressure(level);
}

/**
 * Every call to `point` from `callSite` fails from now on (`count` omitted),
 * or only the next `count` calls do.
 */
export function failCalls(workload: Workload, point: FailurePoint, callSite: CallSite, count?: number): void {
  armFaults(workload, point, callSite, count === undefined ? [{ kind: 'every' }] : Array.from({ length: count }, (_, i): FaultMode => ({ kind: 'nth', n: i + 1 })));
}

/**
 * The `n`th call to `point` from now by the call site fails, and only that
 * one: the calls before it succeed, so a set-up that makes several such
 * calls fails part-way, after the earlier ones took their resources.
 */
export function failCallNumber(workload: Workload, point: FailurePoint, callSite: CallSite, n: number): void {
  if (!(Number.isInteger(n) && n >= 1)) throw new Error(`the call to fail is counted from 1, got ${n}`);
  armFaults(workload, point, callSite, [{ kind: 'nth', n }]);
}

/** Fault rules at a point for the call site's calls; the workload then counts allocations as failing. */
function armFaults(workload: Workload, point: FailurePoint, callSite: CallSite, modes: readonly FaultMode[]): void {
  if (!isFailurePoint(point)) throw new Error(`no failure can be injected into "${String(point)}": the points are ${FAILURE_POINTS.join(', ')}`);
  const site = callSite === 'driver' ? workload.driverName : IO_MANAGER_CALL_SITE;
  for (const mode of modes) workload.machine.kernel.faults.add({ point, mode, callSite: site });
  workload.conditions.add('resources-failing');
  workload.disturb('resources-failing');
}

/**
 * The driver's next `times` calls to each routine that gets a scatter/gather
 * list (GetScatterGatherList, and BuildScatterGatherList into a buffer of its
 * own) fail: a list the driver cannot get either way, again on each of its
 * retries, until it has tried `times` times. BuildScatterGatherList allocates
 * nothing; it fails while map registers are busy, for as long as they stay so.
 */
export function failListBuilds(workload: Workload, times: number): void {
  if (!(Number.isSafeInteger(times) && times >= 1)) throw new RangeError(`list builds fail a whole number of times, at least once, not ${times}`);
  failCalls(workload, 'GetScatterGatherList', 'driver', times);
  failCalls(workload, 'BuildScatterGatherList', 'driver', times);
}

/** Routines that map part of a buffer, so that a request longer than the adapter's map registers calls them once per piece. */
export const PIECE_MAPPING_POINTS = ['GetScatterGatherList', 'BuildScatterGatherList'] as const;
export type PieceMappingPoint = (typeof PIECE_MAPPING_POINTS)[number];

/** Which piece of a request mapped in pieces: the second, or the last of several. */
export type LaterPiece = 'second' | 'last';

/**
 * The driver's next call to `point` that maps the `piece` piece of a buffer
 * fails: the first call after now whose transfer starts past the buffer's
 * first byte (the second piece), or also ends at its last byte (the last
 * piece). Which piece a call maps is read from the call itself, so the
 * driver's piece length does not matter.
 */
export function failPieceCall(workload: Workload, point: PieceMappingPoint, piece: LaterPiece): void {
  if (!(PIECE_MAPPING_POINTS as readonly string[]).includes(point)) throw new Error(`"${String(point)}" maps no piece of a buffer: the routines that do are ${PIECE_MAPPING_POINTS.join(', ')}`);
  if (piece !== 'second' && piece !== 'last') throw new Error(`"${String(piece)}" is not a piece a call can be failed for: say second or last`);
  workload.machine.kernel.faults.add({ point, mode: { kind: 'nth', n: 1 }, callSite: workload.driverName, piece: piece === 'second' ? 'later' : 'last' });
  workload.conditions.add('resources-failing');
  workload.disturb('resources-failing');
}

/** Injected failures stop; requests issued from now on must succeed again. */
export function restoreCalls(workload: Workload): void {
  workload.machine.kernel.faults.clear();
  workload.conditions.delete('resources-failing');
}

/** The device misbehaves: a data burst is refused, it hangs, or it is surprise-removed; now, or at a point of a transfer. */
export function injectDeviceFault(workload: Workload, fault: DmaFaultInjection, point?: DmaFaultPoint): void {
  workload.machine.dmaDevice.injectFault(fault, point);
  workload.conditions.add('device-fault');
  workload.disturb('device-fault');
}
