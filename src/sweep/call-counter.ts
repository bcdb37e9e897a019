/**
 * Counts the driver's fallible kernel calls in one run (those the sweep may
 * fail for the class), and fails the ones the run's plan names. It watches
 * every call the fault injector sees; only the driver under test's own calls
 * count (not the I/O manager's on an application's behalf), so the same
 * workload counts the same calls in the same order on every run until the
 * first failure changes its course.
 */
import type { Machine } from '../machine/machine';
import { driverCallSite } from './call-site';
import type { MayFail } from './class-failure-points';
import type { FailurePlan } from './failure-plan';

/** A call the counter failed. */
export interface InjectedFailure {
  /** Which of the driver's calls it was (1 = its first). */
  readonly call: number;
  readonly site: string;
  /** Whether it was the plan's k-th call or the first call at the plan's site. */
  readonly by: 'nth' | 'site';
  /** Whether the driver was still starting (DriverEntry, AddDevice, StartDevice) when it failed. */
  readonly duringStart: boolean;
}

export class DriverCallCounter {
  /** The driver's fallible calls so far. */
  calls = 0;
  /** Calls per call site, in the order the sites were first reached. */
  readonly callsAt = new Map<string, number>();
  readonly injected: InjectedFailure[] = [];
  /** True once the driver has started; failures before then are start failures. */
  started = false;

  private constructor(private readonly machine: Machine, private readonly driverName: string, private readonly plan: FailurePlan, private readonly mayFail: MayFail, private readonly onFailure: (failure: InjectedFailure) => void) {}

  /** Count (and fail per `plan`) the calls of `driverName` on `machine` from now on, those `mayFail` lets the sweep fail. */
  static install(machine: Machine, driverName: string, plan: FailurePlan, mayFail: MayFail = () => true, onFailure: (failure: InjectedFailure) => void = () => {}): DriverCallCounter {
    const counter = new DriverCallCounter(machine, driverName, plan, mayFail, onFailure);
    // Not counted: a call the workload fails itself (the shared-buffer class tries a registration while its mapping fails),
    // and a kernel routine's allocation for the driver (failing it is failing the routine, whose own call is counted).
    machine.kernel.faults.observe((point, _callSite, failing, onBehalf) => !failing && !onBehalf && counter.see(point));
    return counter;
  }

  private see(point: string): boolean {
    const site = driverCallSite(this.machine, this.driverName, point);
    if (site === null || !this.mayFail(point, !this.started)) return false;
    const call = ++this.calls;
    const atSite = (this.callsAt.get(site) ?? 0) + 1;
    this.callsAt.set(site, atSite);
    const by = this.plan.nth === call ? 'nth' : this.plan.site === site && atSite === 1 ? 'site' : null;
    if (by === null) return false;
    const failure: InjectedFailure = { call, site, by, duringStart: !this.started };
    this.injected.push(failure);
    this.onFailure(failure);
    return true;
  }
}
