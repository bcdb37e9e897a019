/**
 * A call site of the driver: the driver routine that made the call and the
 * kernel routine it called, as the simulator tells them apart (Driver
 * Verifier uses the return address; the simulator knows which driver
 * routine is running, not the line).
 */
import type { Machine } from '../machine/machine';

/** Fault points that are not calls a driver makes: a page brought back in from the paging file. */
const NOT_CALLS: ReadonlySet<string> = new Set(['page-in']);

/** Separates the routine from the kernel call in a call site's name. */
const SEPARATOR = ' -> ';

export function callSiteName(routine: string, point: string): string {
  return `${routine}${SEPARATOR}${point}`;
}

/** The kernel routine a call site names (its fault point). */
export function pointOfCallSite(site: string): string {
  const at = site.lastIndexOf(SEPARATOR);
  return at < 0 ? site : site.slice(at + SEPARATOR.length);
}

/** The call site of a call at `point` now, or null when it is not the driver's fallible call. */
export function driverCallSite(machine: Machine, driverName: string, point: string): string | null {
  if (NOT_CALLS.has(point) || machine.cpu.currentDriver !== driverName) return null;
  return callSiteName(machine.io.execution.current?.routine ?? 'driver code', point);
}
