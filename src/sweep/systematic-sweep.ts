/**
 * The systematic sweep of one conformance class, as Linux's fail_nth
 * selftests and Driver Verifier's Systematic Low Resources Simulation do
 * it: run the class's standard workload once per fallible kernel call of
 * the driver, failing call k in run k (k = 1, 2, ...), until a run makes
 * fewer than k calls, so nothing was failed (that last run is the clean
 * run, judged like the others). Then per call site: the first call at a
 * site the clean run reaches is already failed by the run of its number;
 * a site reached only on an error path (after a failure) gets a run of its
 * own, failing the call that led there and then the site's first call.
 */
import type { BootVariant } from '../workload/boot-variants';
import type { DriverModule } from '../personalities/wdm/contract';
import type { ClassProtocol } from '../conformance/class-protocol';
import { failNth } from './failure-plan';
import { SweepRun, runSweepPlan } from './sweep-run';
import { detectionEnabled } from '../kernel/detections/detection-switch';

/** More runs than this for one class means a workload whose calls never end: the sweep stops and says so. */
export const DEFAULT_MAX_RUNS = 5000;

export interface ClassSweep {
  readonly conformanceClass: string;
  /** Every distinct call site some run reached, in order of first reach. */
  readonly sites: readonly string[];
  /** Sites reached only on an error path (each with a run of its own). */
  readonly errorPathSites: readonly string[];
  /** The driver's fallible calls in the clean run. */
  readonly cleanCalls: number;
  /** Every run, the k-th call runs first (the clean run last of them), then the error-path sites' runs. */
  readonly runs: readonly SweepRun[];
  /** The runs an oracle found something in. */
  readonly failures: readonly SweepRun[];
  readonly wallMs: number;
}

export interface SweepOptions {
  readonly maxRuns?: number;
  /** The machine every run boots (default SWEEP_MACHINE). */
  readonly machine?: BootVariant;
  /** Told of every run as it finishes (progress, benchmarks). */
  readonly onRun?: (run: SweepRun) => void;
}

export class SweepIncomplete extends Error {
  constructor(conformanceClass: string, runs: number) {
    super(`sweep of ${conformanceClass}: after ${runs} runs the standard workload still makes more calls than the run number; raise --max-runs if the driver really makes that many`);
    this.name = 'SweepIncomplete';
  }
}

export function sweepClass(driver: DriverModule, protocol: ClassProtocol, options: SweepOptions = {}): ClassSweep {
  const maxRuns = options.maxRuns ?? DEFAULT_MAX_RUNS;
  if (!(Number.isSafeInteger(maxRuns) && maxRuns >= 1)) throw new RangeError(`the sweep's run limit must be a whole number >= 1, got ${maxRuns}`);
  const started = Date.now();
  const runs: SweepRun[] = [];
  const record = (run: SweepRun) => {
    runs.push(run);
    options.onRun?.(run);
    return run;
  };
  /** The first run (by k) that reached each site. */
  const firstReachedIn = new Map<string, number>();
  let clean: SweepRun | null = null;
  for (let k = 1; clean === null; k++) {
    if (k > maxRuns) throw new SweepIncomplete(protocol.conformanceClass, maxRuns);
    const run = record(runSweepPlan(driver, protocol, failNth(k), options.machine));
    for (const site of run.callsAt.keys()) if (!firstReachedIn.has(site)) firstReachedIn.set(site, k);
    if (run.injected.length === 0) clean = run;
  }
  const cleanRun: SweepRun = clean;
  const errorPathSites = detectionEnabled('SWEEP-ERROR-PATH-SITES') ? [...firstReachedIn.keys()].filter((site) => !cleanRun.callsAt.has(site)) : [];
  for (const site of errorPathSites) record(runSweepPlan(driver, protocol, { nth: firstReachedIn.get(site)!, site }, options.machine));
  return {
    conformanceClass: protocol.conformanceClass,
    sites: [...firstReachedIn.keys()],
    errorPathSites,
    cleanCalls: cleanRun.calls,
    runs,
    failures: runs.filter((r) => r.findings.length > 0),
    wallMs: Date.now() - started,
  };
}
