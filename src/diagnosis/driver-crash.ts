/**
 * A driver that crashed: a program error of its own (a TypeError from a null
 * dereference in a TypeScript driver, a trap in a C driver) escaped one of
 * its routines and stopped the machine with 0x1E. That is a verdict on the
 * driver, but of no rule: the stop code alone would say PAGE-3, which the
 * driver did not break. Only where the stop's own evidence shows a rule (a
 * faulting access whose MemoryFault names one) is it that rule's finding
 * instead. A raised status the driver did not catch is not a crash: it is
 * the rule of what raised it (bug-check-rules.ts).
 */
import { BugCheck, describeThrownIn } from '../machine/bug-check';
import type { DriverPlace } from '../machine/driver-place';
import { KMODE_EXCEPTION_NOT_HANDLED } from '../kernel/io/driver-execution';
import { diagnoseFault } from './bug-check-rules';
import { simulatorDefectOf } from './simulator-defect';

/** The crash as data: which driver, in which routine, with which exception, and the stop it caused. */
export interface DriverCrash {
  readonly driver: string | null;
  readonly routine: string;
  readonly exception: string;
  readonly bugCheck: number;
  /** Where in the driver's source, when the stack named it. */
  readonly place?: DriverPlace;
}

/** The crash a stop stands for, or null when the stop is a verdict of a rule (or the simulator's own defect). */
export function driverCrashOf(stop: BugCheck): DriverCrash | null {
  if (stop.code !== KMODE_EXCEPTION_NOT_HANDLED || stop.exception !== 'program-error' || !stop.thrownIn) return null;
  if (stop.fault && diagnoseFault(stop.fault)) return null;
  if (simulatorDefectOf(stop)) return null;
  return { ...stop.thrownIn, bugCheck: stop.code, ...(stop.place ? { place: stop.place } : {}) };
}

/** "driver drv crashed in IRP_MJ_READ: TypeError: ..." */
export function describeCrash(crash: DriverCrash): string {
  return describeThrownIn(crash);
}
