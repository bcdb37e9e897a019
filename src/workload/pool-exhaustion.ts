/**
 * Non-paged pool runs out (CONT-4, SG-5): other drivers take every page the
 * pool has left, and every page given back while the pool stays exhausted
 * is taken again at once, so each allocation from it fails until they give
 * the pages back. Unlike an injected failure at one call site this hits
 * every caller, the I/O manager included: requests issued while the pool is
 * exhausted may fail before they reach the driver. A storage-style driver
 * must still finish the ones it already holds.
 */
import { PAGE_SIZE } from '../contracts/units';
import type { Workload } from './workload';

/** The call site the pool is taken under, as "other drivers" of a busy machine. */
export const POOL_HOG = 'busy drivers';
const TAG = 'Hog ';

const taken = new WeakMap<Workload, number[]>();
const POINT = 'ExAllocatePoolWithTag:NonPagedPool';

/** Take all that is left of non-paged pool; returns the bytes taken. Requests outstanding or issued meanwhile may fail for lack of resources. */
export function exhaustNonPagedPool(workload: Workload): number {
  const { mm, cpu } = workload.machine;
  const pool = mm.nonPagedPool;
  const blocks = taken.get(workload) ?? [];
  let bytes = 0;
  cpu.inDriver(POOL_HOG, () => {
    // Big blocks first, then smaller ones, until not one page fits.
    for (let pages = pool.limitPages - pool.usedPages; pages >= 1; pages = Math.min(Math.floor(pages / 2), pool.limitPages - pool.usedPages)) {
      const va = mm.ExAllocatePoolWithTag('NonPagedPool', pages * PAGE_SIZE, TAG, POOL_HOG);
      if (va === null) continue;
      blocks.push(va);
      bytes += pages * PAGE_SIZE;
    }
  });
  taken.set(workload, blocks);
  // Pages freed meanwhile (a list put back, a request's MDL) go to the other drivers first.
  workload.machine.kernel.faults.add({ point: POINT, mode: { kind: 'every' } });
  workload.conditions.add('resources-failing');
  workload.disturb('resources-failing');
  return bytes;
}

/** The other drivers give their pool back; requests issued from now on must succeed again. Failures injected into non-paged pool allocation end too. */
export function releaseNonPagedPool(workload: Workload): void {
  const { mm, cpu } = workload.machine;
  const blocks = taken.get(workload) ?? [];
  cpu.inDriver(POOL_HOG, () => {
    for (const va of blocks) mm.ExFreePoolWithTag(va, TAG);
  });
  taken.delete(workload);
  workload.machine.kernel.faults.clear(POINT);
  workload.conditions.delete('resources-failing');
}

/** Whether non-paged pool is exhausted by this workload now. */
export function poolIsExhausted(workload: Workload): boolean {
  return (taken.get(workload)?.length ?? 0) > 0;
}
