/**
 * The systematic sweep's throughput: sweep runs per second of real time
 * over every class's reference driver, and each class's sweep wall time
 * (runs, call sites). A run boots a machine, starts the driver, runs the
 * class's standard workload, unloads the driver and judges it; its time is
 * also given against booting the same machine alone, measured in the same
 * call, the one figure that holds on a loaded machine.
 */
import { bootConfigFor } from '../src/workload/boot-variants';
import { protocolFor } from '../src/conformance/classes';
import { driverModulesIn } from '../src/conformance/driver-finder';
import { Machine } from '../src/machine/machine';
import { SWEEP_MACHINE } from '../src/sweep/sweep-run';
import { sweepClass } from '../src/sweep/systematic-sweep';
import { BenchResult } from './bench-result';
import { collectGarbage, nowNs } from './support/timing';

export const repetitions = 3;

/** Boots timed for the baseline: enough to be steady, few enough to stay a small part of the call. */
const BASELINE_BOOTS = 10;

export async function run(): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  let runs = 0;
  let ns = 0;
  for (const { driver } of driverModulesIn('reference')) {
    for (const c of driver.conformanceClasses) {
      const protocol = protocolFor(c);
      if (!protocol) continue;
      collectGarbage();
      const start = nowNs();
      const sweep = sweepClass(driver, protocol);
      const took = nowNs() - start;
      if (sweep.failures.length > 0) throw new Error(`the sweep of reference driver ${driver.name} (${c}) found ${sweep.failures.length} failure(s): run npm run sweep -- --driver src/conformance/${c}/reference.ts`);
      runs += sweep.runs.length;
      ns += took;
      results.push({ name: `sweep of ${c} (${driver.name}): wall time`, value: took / 1e6, unit: 'ms wall clock', note: `${sweep.runs.length} runs, ${sweep.sites.length} call sites (${sweep.errorPathSites.length} only on an error path), ${sweep.cleanCalls} fallible calls in the clean run` });
    }
  }
  if (runs === 0) throw new Error('no reference driver has a class the sweep has a standard workload for');
  collectGarbage();
  const config = bootConfigFor(SWEEP_MACHINE, {});
  const start = nowNs();
  for (let i = 0; i < BASELINE_BOOTS; i++) Machine.boot(config);
  const bootNs = (nowNs() - start) / BASELINE_BOOTS;
  const perRun = ns / runs;
  results.unshift(
    { name: 'sweep runs per second (every class, its reference driver)', value: runs / (ns / 1e9), unit: 'runs/s', note: `${runs} runs in ${(ns / 1e9).toFixed(2)} s` },
    { name: 'one sweep run vs booting its machine alone (time ratio)', value: perRun / bootNs, unit: 'x a boot', ratio: true, note: `${(perRun / 1e6).toFixed(1)} ms per run, ${(bootNs / 1e6).toFixed(1)} ms per boot of the sweep's machine (256 MiB)` },
  );
  return results;
}
