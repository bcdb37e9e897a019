/**
 * The simulated processor's execution context: the current IRQL and the
 * process whose address space user addresses resolve in. Device interrupts,
 * DPCs and dispatch routines run by setting these, as a real CPU would.
 */
import { BugCheck } from './bug-check';
import { Irql, PASSIVE_LEVEL, irqlName } from './irql';
import { Acquisition, DriverPlaceFinder } from './driver-place';

/** Whatever the memory manager uses as a process; kept opaque here to avoid a cycle. */
export interface ProcessContext {
  readonly processId: number;
  readonly name: string;
}

export class Cpu {
  private level: Irql = PASSIVE_LEVEL;
  private process: ProcessContext | null = null;
  private driver: string | null = null;

  get irql(): Irql {
    return this.level;
  }

  get currentProcess(): ProcessContext | null {
    return this.process;
  }

  /** KeRaiseIrql: raising to a lower level is itself a bug (0x0A in the checked kernel's spirit). */
  KeRaiseIrql(newIrql: Irql): Irql {
    if (newIrql < this.level) throw new BugCheck(0x0a, 0, this.level, newIrql, 0, `KeRaiseIrql to ${irqlName(newIrql)} below the current ${irqlName(this.level)}`);
    const old = this.level;
    this.level = newIrql;
    return old;
  }

  KeLowerIrql(newIrql: Irql): void {
    if (newIrql > this.level) throw new BugCheck(0x0a, 0, this.level, newIrql, 0, `KeLowerIrql to ${irqlName(newIrql)} above the current ${irqlName(this.level)}`);
    this.level = newIrql;
  }

  /** Run `fn` at `irql`, restoring the previous level afterwards even if it throws. */
  atIrql<T>(irql: Irql, fn: () => T): T {
    const old = this.level;
    this.level = irql;
    try {
      return fn();
    } finally {
      this.level = old;
    }
  }

  /** The driver whose code is running now, so a bug check can name the culprit (as 0xCB does). */
  get currentDriver(): string | null {
    return this.driver;
  }

  /** How to find each loaded driver's frame in a call stack, by driver name (its personality registers it at load). */
  readonly driverPlaceFinders = new Map<string, DriverPlaceFinder>();

  /**
   * The running driver's call of `routine`, which hands it a resource, for the resource's record: a check
   * after the driver's code returned names this place when the resource was never given back. Null when
   * no driver code runs (the kernel acquiring for itself) or its personality cannot find its frames.
   */
  acquisition(routine: string): Acquisition | null {
    return this.driver === null ? null : Acquisition.now(routine, this.driverPlaceFinders.get(this.driver));
  }

  inDriver<T>(driverName: string | null, fn: () => T): T {
    const old = this.driver;
    this.driver = driverName;
    try {
      return fn();
    } finally {
      this.driver = old;
    }
  }

  /** Switch to `process` until switched back (KeStackAttachProcess / KeUnstackDetachProcess); returns the process before. */
  switchProcess(process: ProcessContext | null): ProcessContext | null {
    const old = this.process;
    this.process = process;
    return old;
  }

  /** Run `fn` attached to `process` (KeStackAttachProcess), so its user addresses resolve there. */
  inProcess<T>(process: ProcessContext | null, fn: () => T): T {
    const old = this.process;
    this.process = process;
    try {
      return fn();
    } finally {
      this.process = old;
    }
  }
}
