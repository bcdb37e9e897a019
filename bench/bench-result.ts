/**
 * One measured figure from a benchmark. A file bench/<name>.bench.ts exports
 *
 *   export async function run(): Promise<BenchResult[]>
 *
 * and `npm run bench` runs it (see bench/run.ts).
 */
export interface BenchResult {
  /** What was measured, e.g. "lock and unlock 8 MiB, per request". */
  readonly name: string;
  readonly value: number;
  /** e.g. "simulated µs", "ms wall clock", "pages/s". */
  readonly unit: string;
  /** How to read the figure, or what it is compared with. */
  readonly note?: string;
}
