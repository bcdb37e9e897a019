/**
 * Benchmark 4 (issue 7): fuzzing throughput. Simulated operations (fuzz
 * commands that ran) per second of real time, for every fuzz target in
 * src/fuzz — the kernel models, and the workload fuzzer against the
 * reference direct-I/O driver when src/fuzz/workload-fuzzer is present —
 * against fast-check running a no-op model through the same machinery
 * (fc.commands + fc.modelRun, same seed, runs and maximum commands per run),
 * measured in the same call.
 *
 * Commands are counted from fast-check's own record of which generated
 * commands ran, so the figure is the same for every target however its
 * property is written.
 */
import fc from 'fast-check';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DriverModule } from '../src/personalities/wdm/contract';
import { loadDriverModule } from '../src/personalities/wdm/loader';
import { FuzzTarget } from '../src/fuzz/campaign';
import { DEFAULT_SUITE_SEED } from '../src/fuzz/fuzz-settings';
import { KERNEL_MODELS } from '../src/fuzz/kernel-models/kernel-model-catalog';
import { KernelModel, kernelModelTarget } from '../src/fuzz/kernel-models/kernel-model';
import { BootVariant, bootVariants } from '../src/workload/boot-variants';
import { machines } from '../src/machine/machine-snapshot';
import type { Machine } from '../src/machine/machine';
import { BenchResult } from './bench-result';
import { collectGarbage, nowNs } from './support/timing';

export const repetitions = 3;

/** Runs (command sequences) per target per measurement. */
const RUNS = Number(process.env.BENCH_FUZZ_RUNS ?? 30);
/** Commands per sequence for the workload fuzzer (its own default may differ; the same number is given to the no-op model). */
const WORKLOAD_OPERATIONS = 40;
const ROOT = path.join(__dirname, '..');
/** Where the workload fuzzer may live (loaded at run time: a clean checkout may not have it yet). */
const WORKLOAD_FUZZER_FILES = [path.join(ROOT, 'src', 'fuzz', 'workload-fuzzer.ts'), path.join(ROOT, 'src', 'fuzz', 'workload', 'workload-fuzzer.ts')];
const WORKLOAD_DRIVER = path.join(ROOT, 'src', 'conformance', 'read-write-direct', 'reference.ts');

/** Commands that ran, counted from fast-check's wrappers (`hasRan`) in every command sequence a property ran on. */
class CommandCounter {
  ran = 0;
  /** Commands that ran in each run, in run order. */
  readonly perRun: number[] = [];

  count(values: unknown): void {
    if (!Array.isArray(values)) return;
    let n = 0;
    for (const v of values) {
      const commands = (v as { commands?: unknown } | null)?.commands;
      if (!Array.isArray(commands)) continue;
      for (const c of commands) if ((c as { hasRan?: boolean }).hasRan === true) n++;
    }
    this.ran += n;
    this.perRun.push(n);
  }
}

function countingProperty(property: fc.IProperty<unknown[]>, counter: CommandCounter): fc.IProperty<unknown[]> {
  return {
    isAsync: () => property.isAsync(),
    generate: (mrng, runId) => property.generate(mrng, runId),
    shrink: (value) => property.shrink(value),
    run: (v) => {
      try {
        return property.run(v);
      } finally {
        counter.count(v);
      }
    },
    runBeforeEach: () => property.runBeforeEach(),
    runAfterEach: () => property.runAfterEach(),
  };
}

interface Throughput {
  readonly commands: number;
  readonly perRun: readonly number[];
  readonly ns: number;
  readonly failed: boolean;
}

/** Run the target's property `runs` times from `seed` (stopping at a failure, no shrinking); commands that ran and the real time. */
function measure(target: FuzzTarget, runs: number): Throughput {
  const counter = new CommandCounter();
  const property = countingProperty(target.property(undefined), counter);
  // From a cold start: no snapshot or released memory from an earlier measurement.
  machines.clear();
  collectGarbage();
  const start = nowNs();
  const details = fc.check(property, { seed: DEFAULT_SUITE_SEED, numRuns: runs, endOnFailure: true });
  return { commands: counter.ran, perRun: counter.perRun, ns: nowNs() - start, failed: details.failed };
}

interface NoOpState {
  /** Commands this run may still execute: the target's count for the same run. */
  remaining: number;
}

/** A command that does nothing, with an argument drawn as the real commands draw theirs. */
class NoOpCommand implements fc.Command<NoOpState, object> {
  constructor(readonly argument: number) {}
  check = (m: Readonly<NoOpState>) => m.remaining > 0;
  run(m: NoOpState): void {
    m.remaining--;
  }
  toString = () => `NoOp(${this.argument})`;
}

/**
 * A model whose commands do nothing. Run k executes at most as many
 * commands as the target executed in its run k (`quotas`), so both run the
 * same command counts as far as fast-check generates them.
 */
function noOpModel(maxCommands: number, quotas: readonly number[]): KernelModel<NoOpState, object> {
  let run = 0;
  return {
    name: 'no-op',
    title: 'a model whose commands do nothing',
    rules: [],
    commands: fc.nat().map((n) => new NoOpCommand(n)),
    maxCommands,
    setup: () => ({ model: { remaining: quotas[run++ % quotas.length] ?? maxCommands }, real: {} }),
  };
}

interface Subject {
  readonly label: string;
  readonly target: FuzzTarget;
  readonly maxCommands: number;
  /** Real nanoseconds spent giving `runs` runs their started machine (boot, fragment, start the driver, open the device), for a subject that starts one per run. */
  readonly machineStartNs?: (runs: number) => number;
}

/** What the benchmark needs of the workload fuzzer module, which may still be changing: loaded at run time, not imported. */
interface WorkloadFuzzerModule {
  workloadFuzzTarget?: (options: { driver: DriverModule; modulePath: string; operations?: number }) => FuzzTarget;
  fuzzableClassOf?: (driver: DriverModule) => unknown;
  startWorkload?: (driver: DriverModule, protocol: unknown, variant: BootVariant) => { real: { workload: { machine: Machine } } };
}

/**
 * The machines of `runs` runs, drawn as the fuzzer draws them (same seed), each booted or restored as the
 * fuzzer does it (from a cold start; each released once started, as a passing run's is) and started: their real time.
 */
function machineStarts(fuzzer: WorkloadFuzzerModule, driver: DriverModule): ((runs: number) => number) | undefined {
  const { fuzzableClassOf, startWorkload } = fuzzer;
  if (typeof fuzzableClassOf !== 'function' || typeof startWorkload !== 'function') return undefined;
  const protocol = fuzzableClassOf(driver);
  return (runs) => {
    const variants = fc.sample(bootVariants, { seed: DEFAULT_SUITE_SEED, numRuns: runs });
    machines.clear();
    collectGarbage();
    const start = nowNs();
    for (const v of variants) machines.release(startWorkload(driver, protocol, v).real.workload.machine);
    return nowNs() - start;
  };
}

/** The workload fuzzer against the reference direct-I/O driver, or why it cannot be measured. */
function workloadSubject(): Subject | string {
  const file = WORKLOAD_FUZZER_FILES.find((f) => fs.existsSync(f));
  if (!file) return `no workload fuzzer yet (looked for ${WORKLOAD_FUZZER_FILES.map((f) => path.relative(ROOT, f)).join(' and ')})`;
  const fuzzer = require(file) as WorkloadFuzzerModule;
  if (typeof fuzzer.workloadFuzzTarget !== 'function') return `${path.relative(ROOT, file)} exports no workloadFuzzTarget({ driver, modulePath, operations })`;
  const driver = loadDriverModule(WORKLOAD_DRIVER, ROOT);
  const target = fuzzer.workloadFuzzTarget({ driver, modulePath: WORKLOAD_DRIVER, operations: WORKLOAD_OPERATIONS });
  const machineStartNs = machineStarts(fuzzer, driver);
  return { label: `workload fuzzer, ${path.relative(ROOT, WORKLOAD_DRIVER)} driver`, target, maxCommands: WORKLOAD_OPERATIONS, ...(machineStartNs ? { machineStartNs } : {}) };
}

export async function run(): Promise<BenchResult[]> {
  if (!Number.isInteger(RUNS) || RUNS < 1) throw new RangeError(`BENCH_FUZZ_RUNS must be a whole number of at least 1, got ${process.env.BENCH_FUZZ_RUNS}`);
  const subjects: Subject[] = KERNEL_MODELS.map((m) => ({ label: `kernel model ${m.name}`, target: kernelModelTarget(m), maxCommands: m.maxCommands }));
  const workload = workloadSubject();
  const results: BenchResult[] = [];
  if (typeof workload === 'string') results.push({ name: 'workload fuzzer', value: 0, unit: 'targets measured', note: `${workload}: only the kernel models were measured` });
  else subjects.unshift(workload);
  let allCommands = 0;
  let allNs = 0;
  let floorCommands = 0;
  let floorNs = 0;
  // Warm up fast-check's own code, so the first target's floor does not pay for it.
  measure(kernelModelTarget(noOpModel(40, [40])), RUNS);
  for (const s of subjects) {
    const fuzz = measure(s.target, RUNS);
    // The floor takes milliseconds: the fastest of a few measurements keeps scheduling noise out of it.
    const floors = [1, 2, 3, 4, 5].map(() => measure(kernelModelTarget(noOpModel(s.maxCommands, fuzz.perRun)), fuzz.perRun.length));
    const floor = floors.reduce((best, f) => (f.ns < best.ns ? f : best));
    if (fuzz.commands === 0) throw new Error(`${s.label}: no command ran in ${RUNS} runs`);
    allCommands += fuzz.commands;
    allNs += fuzz.ns;
    floorCommands += floor.commands;
    floorNs += floor.ns;
    const rate = fuzz.commands / (fuzz.ns / 1e9);
    const floorRate = floor.commands / (floor.ns / 1e9);
    const counts = `${fuzz.commands} commands in ${fuzz.perRun.length} runs of at most ${s.maxCommands}; the no-op model ran ${floor.commands}${fuzz.failed ? '; THE TARGET FOUND A COUNTEREXAMPLE (stopped at it, not shrunk)' : ''}`;
    results.push({ name: `${s.label}: operations/s`, value: rate, unit: 'commands/s', note: counts });
    const isWorkload = s === workload;
    results.push({
      name: `${s.label} vs no-op model (throughput ratio)`, value: rate / floorRate, unit: 'ratio', ratio: true,
      ...(isWorkload ? { targets: [{ comparison: 'at least', value: 0.006, source: 'issue 18' }] } : {}),
    });
    if (s.machineStartNs) {
      const startNs = s.machineStartNs(fuzz.perRun.length);
      results.push({
        name: `${s.label}: machine start share of a fuzz run (time ratio)`, value: startNs / fuzz.ns, unit: 'ratio', ratio: true,
        targets: [{ comparison: 'at most', value: 0.1, source: 'issue 18 (a restored machine)' }],
        note: `booting or restoring, fragmenting and starting the driver on the machines of the same ${fuzz.perRun.length} runs (same seed), timed alone: ${(startNs / fuzz.perRun.length / 1e6).toFixed(1)} ms per run, against ${(fuzz.ns / fuzz.perRun.length / 1e6).toFixed(1)} ms per fuzz run`,
      });
    }
  }
  const rate = allCommands / (allNs / 1e9);
  const floorRate = floorCommands / (floorNs / 1e9);
  results.push({ name: 'all fuzz targets: operations/s', value: rate, unit: 'commands/s', note: `${subjects.length} targets, seed ${DEFAULT_SUITE_SEED}` });
  results.push({ name: 'no-op model under fast-check: operations/s', value: floorRate, unit: 'commands/s', note: 'fc.commands + fc.modelRun over commands that do nothing, the same command count per run as each target; fastest of 5 measurements' });
  results.push({ name: 'all fuzz targets vs no-op model (throughput ratio)', value: rate / floorRate, unit: 'ratio', ratio: true, note: 'the fraction of fast-check\'s own command rate the simulator keeps' });
  return results;
}
