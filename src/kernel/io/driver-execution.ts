/**
 * Running driver code: every call into a driver (DriverEntry, AddDevice,
 * StartDevice, dispatch, cancel, ISR, DPC, work item, unload) goes through
 * here, so the CPU knows which driver runs (a bug check can name it), at which
 * IRQL and in which process.
 *
 * An exception the driver does not handle stops the machine, as on Windows:
 * bug check 0x1E KMODE_EXCEPTION_NOT_HANDLED with the exception code (the
 * raised status, or STATUS_ACCESS_VIOLATION for a program error such as
 * dereferencing null). A routine that spends more simulated time than the
 * watchdog allows (polling or stalling forever) is reported as a DriverHang.
 * A routine that never returns to the kernel (a loop that spins) cannot be
 * seen by that watchdog; the wall-clock watchdog, armed here around each
 * outermost call, stops it with DriverSpinning.
 */
import { BugCheck, describeThrownIn } from '../../machine/bug-check';
import { Clock, SimulationStalled } from '../../machine/clock';
import { Cpu, ProcessContext } from '../../machine/cpu';
import type { DriverPlace } from '../../machine/driver-place';
import { Irql } from '../../machine/irql';
import { RaisedStatus, STATUS } from '../../machine/ntstatus';
import { DriverHang } from './driver-hang';
import { DriverSpinning } from './driver-spinning';
import { armWallClockWatchdog, disarmWallClockWatchdog } from './wall-clock-watchdog';

export const KMODE_EXCEPTION_NOT_HANDLED = 0x1e;

/** Assumption: no driver routine legitimately runs a minute of simulated time in one call. */
export const DEFAULT_WATCHDOG_NS = 60e9;

export interface DriverCallContext {
  /** Run at this IRQL; omitted: keep the current one. */
  readonly irql?: Irql;
  /** Run attached to this process (null: no process, a system thread or arbitrary context); omitted: keep the current one. */
  readonly process?: ProcessContext | null;
}

interface Frame {
  readonly driver: string;
  readonly routine: string;
  readonly deadlineNs: number;
}

export class DriverExecution {
  private readonly frames: Frame[] = [];

  constructor(
    private readonly cpu: Cpu,
    private readonly clock: Clock,
    private readonly crash: (bugCheck: BugCheck) => never,
    readonly watchdogNs = DEFAULT_WATCHDOG_NS,
    /** Where in the driver's source an exception was thrown, read from its stack (the driver's code has returned by then). */
    private readonly placeOf: (driver: string, stack: string) => DriverPlace | null = () => null,
  ) {}

  /** The driver routine running now (the innermost), if any. */
  get current(): { driver: string; routine: string } | null {
    const f = this.frames[this.frames.length - 1];
    return f ? { driver: f.driver, routine: f.routine } : null;
  }

  run<T>(driver: string, routine: string, context: DriverCallContext, fn: () => T): T {
    const outer = this.frames[0];
    this.frames.push({ driver, routine, deadlineNs: outer ? outer.deadlineNs : this.clock.now + this.watchdogNs });
    const armed = armWallClockWatchdog(driver, routine);
    try {
      const inIrql = context.irql === undefined ? fn : () => this.cpu.atIrql(context.irql!, fn);
      const inProcess = context.process === undefined ? inIrql : () => this.cpu.inProcess(context.process!, inIrql);
      return this.cpu.inDriver(driver, inProcess);
    } catch (e) {
      if (e instanceof BugCheck) this.crash(e);
      if (e instanceof SimulationStalled) throw e;
      // Not an exception of the driver's: the run stops it, and says so.
      if (e instanceof DriverSpinning) throw e;
      const code = e instanceof RaisedStatus ? e.status : STATUS.ACCESS_VIOLATION;
      const message = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
      const fault = e instanceof RaisedStatus ? e.fault : undefined;
      const thrownIn = { driver, routine, exception: message };
      // A program error of the driver's own is a crash; a raised status it did not catch is what raised it.
      const raised = e instanceof RaisedStatus && !e.programError;
      const reason = raised ? `driver ${driver}: ${routine} did not handle an exception: ${message}` : describeThrownIn(thrownIn);
      const bugCheck = new BugCheck(KMODE_EXCEPTION_NOT_HANDLED, code, 0, 0, 0, reason, fault);
      bugCheck.exception = raised ? 'raised-status' : 'program-error';
      bugCheck.thrownIn = thrownIn;
      if (e instanceof Error) (bugCheck as { cause?: unknown }).cause = e;
      const place = e instanceof Error && e.stack ? this.placeOf(driver, e.stack) : null;
      if (place) bugCheck.place = place;
      return this.crash(bugCheck);
    } finally {
      if (armed) disarmWallClockWatchdog();
      this.frames.pop();
    }
  }

  /**
   * Called on every kernel routine a driver calls: a driver routine that has
   * outlived the watchdog is hung (a poll loop on a device that never answers).
   */
  checkWatchdog(): void {
    const outer = this.frames[0];
    if (outer && this.clock.now > outer.deadlineNs) {
      throw new DriverHang(outer.driver, `${outer.routine} is still running`, `more than ${this.watchdogNs / 1e9} s of simulated time in one call`);
    }
  }
}
