/**
 * Benchmark 5 (issue 7): the acceptance suite's wall time, as `npm test`
 * runs it (cucumber-js with the `ci` profile), serial and with
 * `--parallel 2`, against cucumber-js running the same number of scenarios
 * and steps that do nothing, with the same formatters: the runner's own
 * floor. Everything the runs write goes to a temporary directory, so the
 * benchmark leaves reports/ alone.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BenchResult } from './bench-result';
import { nowNs } from './support/timing';

export const repetitions = 3;

const ROOT = path.join(__dirname, '..');
const CUCUMBER = path.join(ROOT, 'node_modules', '@cucumber', 'cucumber', 'bin', 'cucumber.js');
const PARALLEL = 2;

export interface CucumberSummary {
  readonly scenarios: number;
  readonly steps: number;
  readonly passedScenarios: number;
  readonly passedSteps: number;
}

/** The totals cucumber's summary prints: "51 scenarios (49 passed, 2 failed)" and "396 steps (...)". */
export function parseCucumberSummary(output: string): CucumberSummary | null {
  const scenarios = /^(\d+) scenarios? \(([^)]*)\)/m.exec(output);
  const steps = /^(\d+) steps? \(([^)]*)\)/m.exec(output);
  if (!scenarios || !steps) return null;
  const passed = (detail: string) => Number(/(\d+) passed/.exec(detail)?.[1] ?? 0);
  return { scenarios: Number(scenarios[1]), steps: Number(steps[1]), passedScenarios: passed(scenarios[2]!), passedSteps: passed(steps[2]!) };
}

/**
 * Scenarios whose step counts add up to `steps`, spread as evenly as they
 * go; every scenario has at least one step.
 */
export function noOpFeature(scenarios: number, steps: number): string {
  if (!Number.isInteger(scenarios) || scenarios < 1) throw new RangeError(`scenarios must be a whole number of at least 1, got ${scenarios}`);
  if (!Number.isInteger(steps) || steps < scenarios) throw new RangeError(`steps must be a whole number of at least the scenario count (${scenarios}), got ${steps}`);
  const lines = ['Feature: the runner\'s floor', ''];
  let step = 0;
  for (let s = 0; s < scenarios; s++) {
    const count = Math.floor(steps / scenarios) + (s < steps % scenarios ? 1 : 0);
    lines.push(`  Scenario: no-op scenario ${s + 1}`);
    for (let i = 0; i < count; i++) lines.push(`    Given no-op step ${++step}`);
    lines.push('');
  }
  return lines.join('\n');
}

/** A cucumber configuration file with one profile, `bench` (see support/relocated-ci-profile.cjs). */
function configFile(outputDir: string, floor: { features: string; steps: string } | null): string {
  const profile = JSON.stringify(path.join(__dirname, 'support', 'relocated-ci-profile.cjs'));
  return `module.exports = { bench: require(${profile})(${JSON.stringify(outputDir)}, ${JSON.stringify(floor)}) };\n`;
}

interface Timed {
  readonly ns: number;
  readonly summary: CucumberSummary;
}

function runCucumber(config: string, parallel: boolean, what: string): Timed {
  // cucumber joins --config to its working directory even when absolute: give it relative to the repository.
  const args = [CUCUMBER, '--config', path.relative(ROOT, config), '--profile', 'bench', ...(parallel ? ['--parallel', String(PARALLEL)] : [])];
  const start = nowNs();
  const child = spawnSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const ns = nowNs() - start;
  if (child.error) throw child.error;
  const summary = parseCucumberSummary(child.stdout);
  if (!summary) throw new Error(`${what}: cucumber printed no summary (exit ${child.status}): ${(child.stderr || child.stdout).trim().split('\n').slice(-5).join(' | ')}`);
  return { ns, summary };
}

export async function run(): Promise<BenchResult[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dma-conformance-bench-'));
  try {
    const suiteConfig = path.join(dir, 'suite.cjs');
    fs.writeFileSync(suiteConfig, configFile(path.join(dir, 'suite-reports'), null));
    const serial = runCucumber(suiteConfig, false, 'the acceptance suite');
    const parallel = runCucumber(suiteConfig, true, `the acceptance suite with --parallel ${PARALLEL}`);

    const { scenarios, steps } = serial.summary;
    const floorDir = path.join(dir, 'floor');
    fs.mkdirSync(floorDir);
    const feature = path.join(floorDir, 'no-op.feature');
    fs.writeFileSync(feature, noOpFeature(scenarios, steps));
    const stepFile = path.join(floorDir, 'no-op.steps.cjs');
    const cucumberModule = JSON.stringify(path.join(ROOT, 'node_modules', '@cucumber', 'cucumber'));
    fs.writeFileSync(stepFile, `const { Given } = require(${cucumberModule});\nGiven(/^no-op step \\d+$/, function () {});\n`);
    const floorConfig = path.join(dir, 'floor.cjs');
    fs.writeFileSync(floorConfig, configFile(path.join(dir, 'floor-reports'), { features: feature, steps: stepFile }));
    const floorSerial = runCucumber(floorConfig, false, 'the no-op floor');
    const floorParallel = runCucumber(floorConfig, true, `the no-op floor with --parallel ${PARALLEL}`);
    if (floorSerial.summary.steps !== steps || floorSerial.summary.passedSteps !== steps) {
      throw new Error(`the floor ran ${floorSerial.summary.passedSteps} of ${floorSerial.summary.steps} steps; the suite has ${steps}`);
    }

    const s = (ns: number) => ns / 1e9;
    const counts = `${scenarios} scenarios, ${steps} steps (${serial.summary.passedScenarios} scenarios passed)`;
    return [
      { name: 'acceptance suite, serial', value: s(serial.ns), unit: 's wall clock', note: `cucumber-js --profile ci (outputs to a temporary directory): ${counts}` },
      { name: `acceptance suite, --parallel ${PARALLEL}`, value: s(parallel.ns), unit: 's wall clock', note: `${parallel.summary.passedScenarios} of ${parallel.summary.scenarios} scenarios passed` },
      { name: 'no-op floor, serial', value: s(floorSerial.ns), unit: 's wall clock', note: `cucumber-js with the ci formatters running ${scenarios} scenarios of ${steps} no-op steps in all, plain JavaScript step file` },
      { name: `no-op floor, --parallel ${PARALLEL}`, value: s(floorParallel.ns), unit: 's wall clock' },
      { name: 'acceptance suite vs floor, serial (time ratio)', value: serial.ns / floorSerial.ns, unit: 'x the floor', ratio: true, targets: [{ comparison: 'at most', value: 4, source: 'issue 18' }] },
      { name: `acceptance suite vs floor, --parallel ${PARALLEL} (time ratio)`, value: parallel.ns / floorParallel.ns, unit: 'x the floor', ratio: true },
      { name: `acceptance suite, serial vs --parallel ${PARALLEL} (speed-up)`, value: serial.ns / parallel.ns, unit: 'x', note: 'above 1: parallel workers pay off' },
    ];
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
