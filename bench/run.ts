/**
 * Runs the benchmarks: every bench/*.bench.ts in name order (or only those
 * whose file name contains one of the words given on the command line),
 * prints their figures as a table and writes them to reports/bench.json.
 *
 *   npm run bench [-- word ...]
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BenchResult } from './bench-result';

interface FileResults {
  readonly file: string;
  readonly results: readonly BenchResult[];
}

const BENCH_DIR = __dirname;
const OUTPUT = path.join(BENCH_DIR, '..', 'reports', 'bench.json');

class InvalidBenchmark extends Error {
  constructor(file: string, why: string) {
    super(`${file}: ${why}`);
    this.name = 'InvalidBenchmark';
  }
}

function benchFiles(words: readonly string[]): string[] {
  return fs
    .readdirSync(BENCH_DIR)
    .filter((f) => f.endsWith('.bench.ts'))
    .filter((f) => words.length === 0 || words.some((w) => f.includes(w)))
    .sort();
}

function checkResults(file: string, value: unknown): BenchResult[] {
  if (!Array.isArray(value)) throw new InvalidBenchmark(file, 'run() must resolve to an array of { name, value, unit, note? }');
  value.forEach((r: Partial<BenchResult>, i) => {
    if (typeof r?.name !== 'string' || r.name === '') throw new InvalidBenchmark(file, `result ${i} has no name`);
    if (typeof r.value !== 'number' || !Number.isFinite(r.value)) throw new InvalidBenchmark(file, `result "${r.name}" has no finite value`);
    if (typeof r.unit !== 'string' || r.unit === '') throw new InvalidBenchmark(file, `result "${r.name}" has no unit`);
  });
  return value as BenchResult[];
}

function formatValue(v: number): string {
  return Number.isInteger(v) ? v.toLocaleString('en-US') : v.toLocaleString('en-US', { maximumSignificantDigits: 4 });
}

function table(all: readonly FileResults[]): string {
  const rows = all.flatMap(({ file, results }) => results.map((r) => [file, r.name, formatValue(r.value), r.unit, r.note ?? '']));
  const header = ['file', 'measure', 'value', 'unit', 'note'];
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  const line = (cells: readonly string[]) => cells.map((cell, c) => (c === 2 ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!))).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

async function main(): Promise<number> {
  const words = process.argv.slice(2);
  const files = benchFiles(words);
  if (files.length === 0) {
    console.log(words.length === 0 ? 'no benchmarks: bench/ has no *.bench.ts files' : `no bench/*.bench.ts file name contains ${words.join(' or ')}`);
    return words.length === 0 ? 0 : 1;
  }
  const all: FileResults[] = [];
  for (const file of files) {
    const loaded: unknown = require(path.join(BENCH_DIR, file));
    const run = (loaded as { run?: unknown }).run;
    if (typeof run !== 'function') throw new InvalidBenchmark(file, 'it does not export a run() function');
    console.log(`running ${file} ...`);
    all.push({ file, results: checkResults(file, await run()) });
  }
  console.log('\n' + table(all));
  fs.mkdirSync(path.dirname(OUTPUT), { recursive: true });
  fs.writeFileSync(OUTPUT, JSON.stringify({ node: process.version, benchmarks: all }, null, 2) + '\n');
  console.log(`\nwritten to ${path.relative(process.cwd(), OUTPUT)}`);
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    console.error(e instanceof InvalidBenchmark ? `bench: ${e.message}` : e);
    process.exitCode = 1;
  },
);
