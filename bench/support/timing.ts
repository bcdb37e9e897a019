/**
 * Wall-clock timing for the benchmarks (never used by the simulator, which
 * runs on simulated time only).
 */
import * as os from 'node:os';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';

export function nowNs(): number {
  return Number(process.hrtime.bigint());
}

export interface Timing {
  /** Real nanoseconds per iteration. */
  readonly nsPerIteration: number;
  readonly iterations: number;
}

/**
 * Run `fn` at least `minIterations` times and for at least `minMs`
 * milliseconds; the mean real time per call.
 */
export function timeIterations(fn: (iteration: number) => void, options: { minIterations?: number; minMs?: number } = {}): Timing {
  const minIterations = options.minIterations ?? 1;
  const minNs = (options.minMs ?? 0) * 1e6;
  const start = nowNs();
  let iterations = 0;
  let elapsed = 0;
  do {
    fn(iterations++);
    elapsed = nowNs() - start;
  } while (iterations < minIterations || elapsed < minNs);
  return { nsPerIteration: elapsed / iterations, iterations };
}

export interface PairedTimings {
  /** Real nanoseconds of each subject call. */
  readonly subjectNs: readonly number[];
  /** Real nanoseconds per baseline call, one mean per pair. */
  readonly baselineNs: readonly number[];
}

/**
 * Time `subject` and `baseline` in alternation: each pair is the baseline
 * `baselineRepeat` times, then the subject once. On a machine whose load
 * changes from second to second, a ratio taken within each pair compares
 * like with like; the median over pairs then drops the pairs a burst of
 * load spoiled.
 */
export function pairedTimings(subject: () => void, baseline: () => void, options: { pairs: number; baselineRepeat: number; minMs?: number }): PairedTimings {
  const subjectNs: number[] = [];
  const baselineNs: number[] = [];
  const minNs = (options.minMs ?? 0) * 1e6;
  const start = nowNs();
  while (subjectNs.length < options.pairs || nowNs() - start < minNs) {
    let t = nowNs();
    for (let i = 0; i < options.baselineRepeat; i++) baseline();
    baselineNs.push((nowNs() - t) / options.baselineRepeat);
    t = nowNs();
    subject();
    subjectNs.push(nowNs() - t);
  }
  return { subjectNs, baselineNs };
}

/** Per pair, f(subject ns, baseline ns). */
export function perPair(t: PairedTimings, f: (subjectNs: number, baselineNs: number) => number): number[] {
  return t.subjectNs.map((s, i) => f(s, t.baselineNs[i]!));
}

let collect: (() => void) | null | undefined;

/**
 * A full garbage collection, so one measurement does not pay for the
 * garbage of the one before. Exposed at run time because `npm run bench`
 * starts node without --expose-gc.
 */
export function collectGarbage(): void {
  if (collect === undefined) {
    v8.setFlagsFromString('--expose-gc');
    collect = (vm.runInNewContext('gc') as (() => void) | undefined) ?? null;
  }
  collect?.();
}

/** The 1, 5 and 15 minute load averages, and how many CPUs share them. */
export function loadAverage(): { readonly oneMinute: number; readonly fiveMinutes: number; readonly fifteenMinutes: number; readonly cpus: number } {
  const [oneMinute, fiveMinutes, fifteenMinutes] = os.loadavg() as [number, number, number];
  return { oneMinute, fiveMinutes, fifteenMinutes, cpus: os.cpus().length };
}
