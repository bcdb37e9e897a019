/**
 * One measured figure from a benchmark. A file bench/<name>.bench.ts exports
 *
 *   export async function run(): Promise<BenchResult[]>
 *   export const repetitions = 5;   // optional: how many times the runner calls run()
 *
 * and `npm run bench` runs it (see bench/run.ts): it calls run() several
 * times, and reports each figure's median and spread over those calls.
 */
import { Target } from './statistics';

export type { Target } from './statistics';

export interface BenchResult {
  /** What was measured, e.g. "lock and unlock 8 MiB, per request". */
  readonly name: string;
  readonly value: number;
  /** e.g. "simulated µs", "ms wall clock", "pages/s". */
  readonly unit: string;
  /** How to read the figure, or what it is compared with. */
  readonly note?: string;
  /**
   * A ratio against a baseline measured in the same call of run(): the
   * figures that matter on a noisy machine. The runner says when a ratio
   * has no target.
   */
  readonly ratio?: boolean;
  /** What the figure must reach, one per issue that set one (a later issue may set a milestone short of an earlier goal). */
  readonly targets?: readonly Target[];
}
