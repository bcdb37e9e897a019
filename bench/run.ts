/**
 * Runs the benchmarks: every bench/*.bench.ts in name order (or only those
 * whose file name contains one of the words given on the command line).
 * Each benchmark's run() is called several times (its `repetitions` export,
 * else 5; `--runs N` overrides both); every figure is reported as the median
 * of those calls with its spread, and a figure with a target says whether
 * the median meets it. The machine's load average is printed before and
 * after each benchmark, because these machines are shared.
 *
 * Every sample, with its summary, goes to reports/bench.json, rewritten
 * after each benchmark (a failure later keeps what was measured). A run of
 * some benchmarks replaces their entries and keeps the others' from earlier
 * runs, each entry with the time and command that measured it. The
 * document's `targets` lists every target with the figure's median and
 * whether it is met (bench/targets.ts).
 *
 *   npm run bench [-- word ...] [-- --runs N]
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BenchResult } from './bench-result';
import { Summary, Target, describeVerdict, formatNumber, formatPercent, summarize } from './statistics';
import { JudgedTarget, judgeTargets, targetRows } from './targets';
import { loadAverage } from './support/timing';

const BENCH_DIR = __dirname;
const OUTPUT = path.join(BENCH_DIR, '..', 'reports', 'bench.json');
const DEFAULT_REPETITIONS = 5;

interface MeasureReport extends Summary {
  readonly name: string;
  readonly unit: string;
  readonly note: string | null;
  readonly ratio: boolean;
  readonly targets: readonly JudgedTarget[];
  /** Every target met; null without a target. */
  readonly met: boolean | null;
  readonly verdict: string;
}

type Load = ReturnType<typeof loadAverage>;

interface FileReport {
  readonly file: string;
  /** When and by which command this entry was measured. */
  readonly measuredAt: string;
  readonly command: string;
  readonly repetitions: number;
  readonly loadAverage: { readonly before: Load; readonly after: Load };
  readonly wallSeconds: number;
  readonly measures: readonly MeasureReport[];
  readonly error: string | null;
}

class InvalidBenchmark extends Error {
  constructor(file: string, why: string) {
    super(`${file}: ${why}`);
    this.name = 'InvalidBenchmark';
  }
}

class UsageError extends Error {}

function parseArguments(argv: readonly string[]): { words: string[]; runs: number | null } {
  const words: string[] = [];
  let runs: number | null = null;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = a === '--runs' ? argv[++i] : a.startsWith('--runs=') ? a.slice('--runs='.length) : undefined;
    if (a === '--runs' || a.startsWith('--runs=')) {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 1) throw new UsageError(`--runs needs a whole number of at least 1, got ${value === undefined ? 'nothing' : JSON.stringify(value)}`);
      runs = n;
    } else if (a.startsWith('-')) {
      throw new UsageError(`unknown option ${a}; usage: npm run bench [-- word ...] [--runs N]`);
    } else {
      words.push(a);
    }
  }
  return { words, runs };
}

function benchFiles(words: readonly string[]): string[] {
  return fs
    .readdirSync(BENCH_DIR)
    .filter((f) => f.endsWith('.bench.ts'))
    .filter((f) => words.length === 0 || words.some((w) => f.includes(w)))
    .sort();
}

function checkTargets(file: string, name: string, targets: unknown): void {
  if (targets === undefined) return;
  if (!Array.isArray(targets)) throw new InvalidBenchmark(file, `result "${name}" has targets that are not a list`);
  for (const t of targets) checkTarget(file, name, t);
}

function checkTarget(file: string, name: string, t: unknown): void {
  const target = (t ?? {}) as Partial<Target>;
  if (target.comparison !== 'at least' && target.comparison !== 'at most') throw new InvalidBenchmark(file, `result "${name}" has a target whose comparison is not "at least" or "at most"`);
  if (typeof target.value !== 'number' || !Number.isFinite(target.value) || target.value === 0) throw new InvalidBenchmark(file, `result "${name}" has a target value that is not a finite non-zero number`);
}

function checkResults(file: string, value: unknown): BenchResult[] {
  if (!Array.isArray(value)) throw new InvalidBenchmark(file, 'run() must resolve to an array of { name, value, unit, note?, ratio?, targets? }');
  const names = new Set<string>();
  value.forEach((r: Partial<BenchResult>, i) => {
    if (typeof r?.name !== 'string' || r.name === '') throw new InvalidBenchmark(file, `result ${i} has no name`);
    if (names.has(r.name)) throw new InvalidBenchmark(file, `two results are named "${r.name}"`);
    names.add(r.name);
    if (typeof r.value !== 'number' || !Number.isFinite(r.value)) throw new InvalidBenchmark(file, `result "${r.name}" has no finite value (got ${String(r.value)})`);
    if (typeof r.unit !== 'string' || r.unit === '') throw new InvalidBenchmark(file, `result "${r.name}" has no unit`);
    checkTargets(file, r.name, r.targets);
  });
  return value as BenchResult[];
}

function summarizeMeasures(file: string, runs: readonly BenchResult[][]): MeasureReport[] {
  const order: string[] = [];
  const byName = new Map<string, { first: BenchResult; values: number[] }>();
  for (const results of runs) {
    for (const r of results) {
      let entry = byName.get(r.name);
      if (!entry) {
        byName.set(r.name, (entry = { first: r, values: [] }));
        order.push(r.name);
      }
      entry.values.push(r.value);
    }
  }
  return order.map((name) => {
    const { first, values } = byName.get(name)!;
    if (values.length !== runs.length) console.warn(`bench: ${file}: "${name}" was reported by ${values.length} of ${runs.length} runs`);
    const s = summarize(values);
    const targets = judgeTargets(s.median, first.targets ?? []);
    const met = targets.length ? targets.every((t) => t.met) : null;
    const verdict = targets.length ? targets.map((t) => `${describeVerdict(s.median, t)} (${t.source})`).join('; ') : first.ratio ? 'no target set' : '';
    return { name, unit: first.unit, note: first.note ?? null, ratio: first.ratio === true, targets, met, verdict, ...s };
  });
}

function formatLoad(l: Load): string {
  return `${l.oneMinute.toFixed(2)} ${l.fiveMinutes.toFixed(2)} ${l.fifteenMinutes.toFixed(2)}`;
}

function spreadText(m: MeasureReport): string {
  if (m.samples.length === 1) return 'one run';
  const pct = Number.isFinite(m.relativeSpread) ? `±${formatPercent(m.relativeSpread / 2)}` : 'spread undefined';
  return `${formatNumber(m.min)} .. ${formatNumber(m.max)} (${pct})`;
}

function table(reports: readonly FileReport[]): string {
  const header = ['measure', 'median', 'unit', 'min .. max (spread)', 'target'];
  const lines: string[] = [];
  for (const r of reports) {
    const load = `load average ${formatLoad(r.loadAverage.before)} -> ${formatLoad(r.loadAverage.after)} on ${r.loadAverage.before.cpus} CPUs`;
    lines.push('', `${r.file}: ${r.repetitions} run(s), ${formatNumber(r.wallSeconds)} s, ${load}`);
    if (r.error) {
      lines.push(`  FAILED: ${r.error}`);
      continue;
    }
    const rows = r.measures.map((m) => [m.name, formatNumber(m.median), m.unit, spreadText(m), m.verdict]);
    const widths = header.map((h, c) => Math.max(h.length, ...rows.map((row) => row[c]!.length)));
    const line = (cells: readonly string[]) => '  ' + cells.map((cell, c) => (c === 1 ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!))).join('  ').trimEnd();
    lines.push(line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line));
    const notes = r.measures.filter((m) => m.note);
    if (notes.length) lines.push('  notes:', ...notes.map((m) => `  - ${m.name}: ${m.note}`));
  }
  return lines.join('\n');
}

function tally(reports: readonly FileReport[]): string {
  const measures = reports.flatMap((r) => r.measures);
  const met = measures.filter((m) => m.met === true).length;
  const missed = measures.filter((m) => m.met === false);
  const untargeted = measures.filter((m) => m.ratio && m.targets.length === 0).length;
  const failed = reports.filter((r) => r.error).length;
  return [
    `targets: ${met} met, ${missed.length} missed${missed.length ? ` (${missed.map((m) => m.name).join('; ')})` : ''}; ${untargeted} ratio(s) without a target`,
    ...(failed ? [`${failed} benchmark(s) failed to run`] : []),
  ].join('\n');
}

/** Entries of an earlier reports/bench.json for benchmarks this run does not measure; none when it is missing or unreadable. */
function earlierEntries(except: readonly string[]): FileReport[] {
  try {
    const doc = JSON.parse(fs.readFileSync(OUTPUT, 'utf8')) as { benchmarks?: unknown };
    if (!Array.isArray(doc.benchmarks)) return [];
    return (doc.benchmarks as FileReport[]).filter((b) => typeof b?.file === 'string' && typeof b.measuredAt === 'string' && !except.includes(b.file));
  } catch {
    return [];
  }
}

function writeJson(started: Date, startLoad: Load, command: string, kept: readonly FileReport[], reports: readonly FileReport[]): void {
  fs.mkdirSync(path.dirname(OUTPUT), { recursive: true });
  const benchmarks = [...kept, ...reports].sort((a, b) => a.file.localeCompare(b.file));
  const doc = {
    command,
    started: started.toISOString(),
    node: process.version,
    host: { platform: process.platform, arch: process.arch, cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? 'unknown', totalMemoryBytes: os.totalmem() },
    loadAverage: { start: startLoad, end: loadAverage() },
    targets: targetRows(benchmarks),
    benchmarks,
  };
  fs.writeFileSync(OUTPUT, JSON.stringify(doc, null, 2) + '\n');
}

async function runFile(file: string, runsOverride: number | null, command: string): Promise<FileReport> {
  const before = loadAverage();
  const measuredAt = new Date().toISOString();
  const started = process.hrtime.bigint();
  const elapsed = () => Number(process.hrtime.bigint() - started) / 1e9;
  let repetitions = runsOverride ?? DEFAULT_REPETITIONS;
  try {
    const loaded = require(path.join(BENCH_DIR, file)) as { run?: unknown; repetitions?: unknown };
    if (typeof loaded.run !== 'function') throw new InvalidBenchmark(file, 'it does not export a run() function');
    if (loaded.repetitions !== undefined && !(Number.isInteger(loaded.repetitions) && (loaded.repetitions as number) >= 1)) {
      throw new InvalidBenchmark(file, `its repetitions export must be a whole number of at least 1, got ${String(loaded.repetitions)}`);
    }
    repetitions = runsOverride ?? (loaded.repetitions as number | undefined) ?? DEFAULT_REPETITIONS;
    const runs: BenchResult[][] = [];
    for (let i = 1; i <= repetitions; i++) {
      console.log(`running ${file} (${i}/${repetitions}), load average ${formatLoad(loadAverage())} ...`);
      runs.push(checkResults(file, await (loaded.run as () => Promise<unknown>)()));
    }
    return { file, measuredAt, command, repetitions, loadAverage: { before, after: loadAverage() }, wallSeconds: elapsed(), measures: summarizeMeasures(file, runs), error: null };
  } catch (e) {
    const message = e instanceof Error ? (e instanceof InvalidBenchmark ? e.message : e.stack ?? e.message) : String(e);
    console.error(`bench: ${file} failed: ${message}`);
    return { file, measuredAt, command, repetitions, loadAverage: { before, after: loadAverage() }, wallSeconds: elapsed(), measures: [], error: message.split('\n')[0]! };
  }
}

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  const { words, runs } = parseArguments(argv);
  const files = benchFiles(words);
  if (files.length === 0) {
    console.log(words.length === 0 ? 'no benchmarks: bench/ has no *.bench.ts files' : `no bench/*.bench.ts file name contains ${words.join(' or ')}`);
    return words.length === 0 ? 0 : 1;
  }
  const started = new Date();
  const startLoad = loadAverage();
  const command = ['npm run bench', ...(argv.length ? ['--', ...argv] : [])].join(' ');
  console.log(`${command}: ${started.toISOString()}, node ${process.version}, ${startLoad.cpus} CPUs, load average ${formatLoad(startLoad)}`);
  const kept = earlierEntries(files);
  const reports: FileReport[] = [];
  for (const file of files) {
    reports.push(await runFile(file, runs, command));
    writeJson(started, startLoad, command, kept, reports);
  }
  console.log(table(reports));
  console.log(`\n${tally(reports)}`);
  console.log(`load average at the end: ${formatLoad(loadAverage())}`);
  console.log(`written to ${path.relative(process.cwd(), OUTPUT)}${kept.length ? ` (with the earlier results of ${kept.map((k) => k.file).join(', ')})` : ''}`);
  return reports.some((r) => r.error) ? 1 : 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    console.error(e instanceof UsageError || e instanceof InvalidBenchmark ? `bench: ${e.message}` : e);
    process.exitCode = 1;
  },
);
