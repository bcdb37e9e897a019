/**
 * A workload: applications driving the driver under test on one machine,
 * with machine events between their operations, and the record the oracles
 * read afterwards (the request ledger, the data checks, the DMA trace, and
 * what stopped the workload if something did).
 *
 * Every operation runs through `perform`: a bug check, a driver hang or a
 * failed start ends the workload and is recorded as its stop instead of
 * escaping; nothing runs on a stopped machine. After each operation the
 * reads that have finished are checked against the device's stream while
 * their buffers still hold what the device wrote.
 */
import type { DriverModule } from '../personalities/wdm/contract';
import type { Machine } from '../machine/machine';
import { Rng } from '../machine/rng';
import { DriverSession } from './driver-session';
import type { GuardedRange } from './hostile-input';
import { Disturbance, RequestLedger, TrackedRequest } from './request-ledger';
import { WorkloadApplication } from './workload-application';
import { WorkloadStop, describeStop, stopFrom } from './workload-stop';
import type { RuleRef } from '../rules/rule-ref';
import type { DriverPlace } from '../machine/driver-place';

/** A check of bytes the device moved, made when they were still in place. */
export interface DataCheck {
  readonly label: string;
  /** The rule the check guards. */
  readonly rule: RuleRef;
  /** Null when every byte matched; otherwise where and how they differ. */
  readonly mismatch: string | null;
  /**
   * What was checked: bytes the device moved (the default), whose mismatch the diagnosis weighs against
   * the machine (bounce buffers, truncated addresses, an early completion), or the driver's own answer or
   * holdings (a length it reported, an address it returned, buffers it kept), which break the check's rule
   * whatever the machine.
   */
  readonly of?: 'device-data' | 'driver-answer';
}

/** Stream offsets of consecutive requests are this far apart at least, so a transfer that lands on its neighbour's data shows. */
const STREAM_GAP = 4096 + 256 + 17;

/** How long the machine runs between the last application's exit and the driver's unload (simulated). */
const UNLOAD_DELAY_NS = 1e9;

export class Workload {
  readonly ledger = new RequestLedger();
  readonly dataChecks: DataCheck[] = [];
  readonly applications = new Map<string, WorkloadApplication>();
  /** What was found left behind at the moment it had to be gone (a user mapping after its process's cleanup). */
  readonly leftAtClose: { readonly rule: RuleRef; readonly message: string; readonly place?: DriverPlace }[] = [];
  /** Kernel memory passed as hostile input, which must come out unchanged. */
  readonly guards: GuardedRange[] = [];
  /** Disturbances in force now: requests issued while they last are disturbed by them too. */
  readonly conditions = new Set<Disturbance>();
  stop: WorkloadStop | null = null;
  /** Operations skipped because the workload had stopped. */
  skipped: string[] = [];
  readonly rng: Rng;
  private streamCursor = 0;

  private constructor(readonly machine: Machine, readonly driver: DriverModule, readonly session: DriverSession | null) {
    this.rng = new Rng(machine.config.seed).fork('workload');
  }

  /** Start the driver under test on the machine's DMA test device; a start failure is the workload's stop. */
  static start(machine: Machine, driver: DriverModule): Workload {
    let session: DriverSession | null = null;
    let stop: WorkloadStop | null = null;
    try {
      session = DriverSession.start(machine, driver);
    } catch (e) {
      stop = stopFrom(e, `starting driver ${driver.name}`, machine.kernel.stopped);
      if (!stop) throw e;
    }
    const workload = new Workload(machine, driver, session);
    workload.stop = stop;
    return workload;
  }

  get driverName(): string {
    return this.driver.name;
  }

  /**
   * Run one operation of the workload. Returns its value, or undefined when
   * the workload has stopped (now or before).
   */
  perform<T>(what: string, operation: () => T): T | undefined {
    if (this.stop) {
      this.skipped.push(what);
      return undefined;
    }
    try {
      const value = operation();
      this.settle();
      return value;
    } catch (e) {
      const stop = stopFrom(e, what, this.machine.kernel.stopped);
      if (!stop) throw e;
      this.stop = stop;
      return undefined;
    }
  }

  /** The stop in words, or null while the workload runs. */
  describeStop(): string | null {
    return this.stop ? describeStop(this.stop) : null;
  }

  /** A stream offset for a new request of `length` bytes, clear of every earlier one. */
  nextStreamOffset(length: number): number {
    const at = this.streamCursor;
    this.streamCursor += length + STREAM_GAP;
    return at;
  }

  application(name: string): WorkloadApplication {
    const app = this.applications.get(name);
    if (!app) {
      const known = [...this.applications.keys()];
      throw new Error(`the workload has no application "${name}": ${known.length ? `the applications are ${known.map((n) => `"${n}"`).join(', ')}` : 'no application has been started yet'}`);
    }
    return app;
  }

  /** Start an application process (it opens the device with its own step). */
  startApplication(name: string): WorkloadApplication {
    if (this.applications.has(name)) throw new Error(`the workload already has an application "${name}"`);
    const app = new WorkloadApplication(this, name);
    this.applications.set(name, app);
    return app;
  }

  /** Track a request the class's rules say must meet `expectation`. */
  track(...args: Parameters<RequestLedger['track']>): TrackedRequest {
    const tracked = this.ledger.track(...args);
    for (const c of this.conditions) tracked.disturbances.add(c);
    return tracked;
  }

  /** Something happened to every outstanding request (of `app`, when given). */
  disturb(disturbance: Disturbance, app?: WorkloadApplication): void {
    this.ledger.disturb(disturbance, app ? (t) => t.request.process === app.process : undefined);
  }

  recordDataCheck(check: DataCheck): void {
    this.dataChecks.push(check);
  }

  /** Check what finished since the last operation while the bytes are still in place. */
  settle(): void {
    for (const app of this.applications.values()) app.checkFinishedReads();
  }

  /**
   * The end of the workload: every application still running closes its
   * handles and exits, then the driver is unloaded, so whatever the driver
   * still holds is left behind.
   */
  finish(): void {
    for (const app of this.applications.values()) {
      if (!app.exited) this.perform(`${app.name} exits at the end of the workload`, () => app.exit());
    }
    // Unloading comes some time after the last process is gone: a device the driver left running goes on moving data meanwhile.
    this.perform('the machine runs on before the driver is unloaded', () => this.machine.clock.advance(UNLOAD_DELAY_NS));
    this.perform(`unloading driver ${this.driverName}`, () => this.session?.unload());
  }
}
