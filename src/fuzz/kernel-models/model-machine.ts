/**
 * The machine a kernel model runs against: small, so a command sequence
 * boots one in well under a millisecond, and quiet (no GPU, nothing
 * preallocated), so the only activity is what the commands do.
 */
import { BootConfig } from '../../machine/boot-config';
import type { Machine } from '../../machine/machine';
import { machines } from '../../machine/machine-snapshot';
import { MiB } from '../../contracts/units';

/** The machine the run in progress booted, until the run passes. */
let running: Machine | null = null;

/** A model machine, restored from the snapshot of its layout when one was taken (src/machine/machine-snapshot.ts). */
export function bootModelMachine(overrides: Partial<BootConfig> = {}): Machine {
  running = machines.boot({
    ramBytes: 256 * MiB,
    nonPagedPoolBytes: 8 * MiB,
    pagedPoolBytes: 8 * MiB,
    pagingFileBytes: 32 * MiB,
    gpuMemoryBytes: 0,
    ...overrides,
  });
  return running;
}

/** The run that booted the last model machine has passed: its memory backs the next run's machine. */
export function releaseModelMachine(): void {
  if (running) machines.release(running);
  running = null;
}
