/**
 * The machine has run for a while (CONT-2): a background process holds every
 * other page's worth of frames, handed out in the scattered order a busy
 * machine hands them out, so plenty of memory is free but no run of
 * consecutive frames is long. A contiguous request that succeeded at boot
 * now fails; buffers preallocated at boot are unaffected.
 */
import type { Process } from '../kernel/io/process';
import type { Machine } from '../machine/machine';
import { PAGE_SIZE } from '../contracts/units';

export interface Fragmentation {
  /** The process whose pages hold the scattered frames; memory is whole again when it exits. */
  readonly process: Process;
  readonly pagesHeld: number;
}

/**
 * Fragment physical memory by having a background process touch `share` of
 * the free frames. The process must stay alive for the fragmentation to last.
 */
export function fragmentPhysicalMemory(machine: Machine, share = 0.5, processName = 'background.exe'): Fragmentation {
  if (!(share > 0 && share < 1)) throw new RangeError(`fragmentation: the share of free frames to hold must lie between 0 and 1, got ${share}`);
  if (!machine.config.scatterFrames) throw new Error('fragmentation: the machine hands out frames in order (boot option scatterFrames is off), so touching pages does not fragment memory');
  const process = machine.kernel.createProcess(processName);
  const pages = Math.floor(machine.physical.freeFrames * share);
  const va = machine.mm.allocateVirtual(process.addressSpace, pages * PAGE_SIZE, { label: 'long-running work' });
  // A page is resident once touched; the working-set limits are hints, nothing trims it here.
  machine.cpu.inProcess(process, () => machine.mm.touchPages(va, pages));
  return { process, pagesHeld: pages };
}
