/**
 * The machine a kernel model runs against: small, so a command sequence
 * boots one in well under a millisecond, and quiet (no GPU, nothing
 * preallocated), so the only activity is what the commands do.
 */
import { BootConfig } from '../../machine/boot-config';
import { Machine } from '../../machine/machine';
import { MiB } from '../../contracts/units';

export function bootModelMachine(overrides: Partial<BootConfig> = {}): Machine {
  return Machine.boot({
    ramBytes: 256 * MiB,
    nonPagedPoolBytes: 8 * MiB,
    pagedPoolBytes: 8 * MiB,
    pagingFileBytes: 32 * MiB,
    gpuMemoryBytes: 0,
    ...overrides,
  });
}
