/**
 * The wall-clock watchdog: the one use of real time in the suite. It decides
 * only that driver code which does not return is stopped (DriverSpinning);
 * nothing else reads the clock.
 *
 * JavaScript cannot interrupt a synchronous loop from the same thread, so the
 * loader instruments a driver's own code (driver-instrumentation.ts): every
 * loop back-edge and every function entry calls `spinGuard()`. DriverExecution
 * arms the watchdog around each outermost call into driver code. The guard
 * reads the clock only every GUARD_CALLS_PER_CLOCK_READ calls, to stay cheap.
 */
import { performance } from 'node:perf_hooks';
import { DriverSpinning } from './driver-spinning';

/** Assumption: no driver routine legitimately runs 10 s of wall-clock time in one call. */
export const DEFAULT_DRIVER_TIME_BUDGET_SECONDS = 10;

const GUARD_CALLS_PER_CLOCK_READ = 1024;

let budgetSeconds = DEFAULT_DRIVER_TIME_BUDGET_SECONDS;
let armed: { readonly driver: string; readonly routine: string; readonly deadlineMs: number; readonly budgetSeconds: number } | null = null;
let callsUntilClockRead = GUARD_CALLS_PER_CLOCK_READ;

/** The run-wide budget of one call into driver code, in seconds (the world parameter driverTimeBudget). */
export function setDriverTimeBudget(seconds: number): void {
  if (!(seconds > 0) || !Number.isFinite(seconds)) throw new RangeError(`the driver time budget must be a positive number of seconds, got ${seconds}`);
  budgetSeconds = seconds;
}

export function driverTimeBudget(): number {
  return budgetSeconds;
}

/** Arms the watchdog for a call into driver code; returns false when it is already armed (a nested call shares the outer deadline). */
export function armWallClockWatchdog(driver: string, routine: string): boolean {
  if (armed) return false;
  armed = { driver, routine, deadlineMs: performance.now() + budgetSeconds * 1000, budgetSeconds };
  callsUntilClockRead = GUARD_CALLS_PER_CLOCK_READ;
  return true;
}

export function disarmWallClockWatchdog(): void {
  armed = null;
}

/**
 * Called by instrumented driver code at every loop back-edge and function
 * entry. Once the deadline has passed it throws on every call until the
 * watchdog is disarmed, so a driver that catches the error still cannot go on.
 */
export function spinGuard(): void {
  if (!armed || --callsUntilClockRead > 0) return;
  callsUntilClockRead = GUARD_CALLS_PER_CLOCK_READ;
  if (performance.now() > armed.deadlineMs) {
    callsUntilClockRead = 1;
    throw new DriverSpinning(armed.driver, armed.routine, armed.budgetSeconds);
  }
}
