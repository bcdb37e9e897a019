/**
 * Hostile input an application may hand a driver that must not hurt the
 * machine: a kernel address as its buffer. The kernel memory behind it is
 * filled with a recognisable pattern and guarded: after the workload it must
 * still hold exactly that, whatever the driver and the device did.
 */
import { PAGE_SIZE, formatAddress } from '../contracts/units';
import type { Workload } from './workload';

export interface GuardedRange {
  readonly label: string;
  readonly va: number;
  readonly contents: Uint8Array;
}

const GUARD_TAG = 'Grd ';

/** Non-paged kernel memory holding a known pattern, for an application to pass as its buffer; null when pool has no room. */
export function guardedKernelBuffer(workload: Workload, size: number): GuardedRange | null {
  const { mm } = workload.machine;
  const va = mm.ExAllocatePoolWithTag('NonPagedPool', size, GUARD_TAG);
  if (va === null) return null;
  const contents = new Uint8Array(size);
  for (let i = 0; i < size; i++) contents[i] = (i * 7 + (i >> 8) * 13 + 0x3c) & 0xff;
  mm.writeVirtual(va, contents, mm.systemSpace);
  const guard: GuardedRange = { label: `kernel memory at ${formatAddress(va)} (${size} bytes) passed as a buffer`, va, contents };
  workload.guards.push(guard);
  return guard;
}

/** Null when the guarded memory still holds its pattern; otherwise where it changed. */
export function guardBreach(workload: Workload, guard: GuardedRange): string | null {
  const { mm } = workload.machine;
  const now = mm.readVirtual(guard.va, guard.contents.length, mm.systemSpace);
  for (let i = 0; i < now.length; i++) {
    if (now[i] !== guard.contents[i]) return `${guard.label} changed at byte ${i} (page ${Math.floor(i / PAGE_SIZE)})`;
  }
  return null;
}
