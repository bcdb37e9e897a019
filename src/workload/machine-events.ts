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
  if (!isFailurePoint(point)) throw new Error(`no failure can be injected into "${String(point)}": the points are ${FAILURE_POINTS.join(', ')}`);
  const site = callSite === 'driver' ? workload.driverName : IO_MANAGER_CALL_SITE;
  const faults = workload.machine.kernel.faults;
  if (count === undefined) {
    faults.add({ point, mode: { kind: 'every' }, callSite: site });
  } else {
    for (let n = 1; n <= count; n++) faults.add({ point, mode: { kind: 'nth', n }, callSite: site });
  }
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
