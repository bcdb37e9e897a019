/**
 * The kernel a driver is being installed into, while installDriver runs. A
 * TypeScript driver needs only the kernel API it is handed; a C driver's host
 * also needs the memory manager (to share frames with C's linear memory) and
 * the bug-check path, which the documented API does not expose.
 */
import type { Kernel } from '../kernel/kernel';

let installing: Kernel | null = null;

export function installingKernel(): Kernel | null {
  return installing;
}

export function whileInstalling<T>(kernel: Kernel, run: () => T): T {
  const previous = installing;
  installing = kernel;
  try {
    return run();
  } finally {
    installing = previous;
  }
}
