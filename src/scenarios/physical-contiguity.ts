/**
 * CONT-1 and CONT-2: whether a buffer is physically contiguous, and a machine
 * that has run for a while. Drivers that take non-paged pool one page at a
 * time get frames scattered over all of RAM (frames are handed out in a
 * seeded scattered order), so afterwards plenty of memory is free but hardly
 * any run of free frames is long.
 */
import { Machine } from '../machine/machine';
import { PAGE_SIZE, formatAddress } from '../contracts/units';

/** Null when every page of [va, va + length) follows the one before it in physical memory; else where it does not. */
export function contiguityBreak(machine: Machine, va: number, length: number): string | null {
  const first = machine.mm.translate(va);
  if (first < 0) return `${formatAddress(va)} is not resident`;
  const pages = Math.ceil(((va % PAGE_SIZE) + length) / PAGE_SIZE);
  for (let i = 1; i < pages; i++) {
    const pfn = machine.mm.translate(va - (va % PAGE_SIZE) + i * PAGE_SIZE);
    if (pfn !== first + i) return `page ${i} is in frame ${pfn}, not in frame ${first + i} right after page ${i - 1}`;
  }
  return null;
}

/** RAM not handed out to anybody, in bytes. */
export function freeRamBytes(machine: Machine): number {
  return machine.physical.freeFrames * PAGE_SIZE;
}

/**
 * The machine runs for a while: `driver` takes `bytes` of non-paged pool one
 * page at a time and keeps it. Returns the pages taken; fails when the pool
 * runs out first, since the scenario would then describe another machine.
 */
export function takePoolPageByPage(machine: Machine, driver: string, bytes: number): number {
  const pages = Math.ceil(bytes / PAGE_SIZE);
  machine.cpu.inDriver(driver, () => {
    for (let i = 0; i < pages; i++) {
      if (machine.mm.ExAllocatePoolWithTag('NonPagedPool', PAGE_SIZE, 'Frag') === null) {
        throw new Error(`non-paged pool ran out after ${i} of ${pages} pages; give the machine a larger non-paged pool`);
      }
    }
  });
  return pages;
}
