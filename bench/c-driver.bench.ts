/**
 * The C personality's costs, against the TypeScript personality on the same
 * design: the read-write-direct conformance run (cucumber, the `ci` profile,
 * every @class:read-write-direct scenario) of docs/example-driver.c, the
 * compiled port of docs/example-driver.ts, against that TypeScript driver's
 * run, measured in the same call (target: at most 1.2x); and compiling a C
 * driver: a compile that misses the cache (in a fresh process, so LLVM's own
 * start is in it, as on a user's first run) and one that hits it. The runs
 * write into a temporary directory, so reports/ is left alone.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { compileCDriver } from '../src/personalities/c-wasm/compiler';
import { BenchResult } from './bench-result';
import { parseCucumberSummary } from './acceptance-suite.bench';
import { nowNs } from './support/timing';

export const repetitions = 3;

const ROOT = path.join(__dirname, '..');
const CUCUMBER = path.join(ROOT, 'node_modules', '@cucumber', 'cucumber', 'bin', 'cucumber.js');
const TS_DRIVER = 'docs/example-driver.ts';
const C_DRIVER = 'docs/example-driver.c';
const CLASS_TAG = '@class:read-write-direct';

/** One conformance run of a driver (a .ts module or a compiled .wasm) over the class's scenarios: its wall time. */
function conformanceRun(dir: string, driver: string): { ns: number; scenarios: number } {
  const config = path.join(dir, 'cucumber.cjs');
  fs.writeFileSync(config, `module.exports = { bench: require(${JSON.stringify(path.join(__dirname, 'support', 'relocated-ci-profile.cjs'))})(${JSON.stringify(dir)}, null) };\n`);
  const args = [CUCUMBER, '--config', path.relative(ROOT, config), '--profile', 'bench', '--tags', CLASS_TAG, '--world-parameters', JSON.stringify({ driver })];
  const start = nowNs();
  const child = spawnSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const ns = nowNs() - start;
  if (child.error) throw child.error;
  const summary = parseCucumberSummary(child.stdout);
  if (!summary) throw new Error(`the conformance run of ${driver} printed no summary (exit ${child.status}): ${(child.stderr || child.stdout).trim().split('\n').slice(-5).join(' | ')}`);
  if (summary.passedScenarios !== summary.scenarios) throw new Error(`the conformance run of ${driver} passed ${summary.passedScenarios} of ${summary.scenarios} scenarios: a benchmark of a failing driver measures nothing`);
  return { ns, scenarios: summary.scenarios };
}

/** A compile that cannot hit the cache (the source differs by a comment), in a fresh Node process. */
function coldCompile(dir: string): number {
  const source = path.join(dir, `cold-${process.pid}-${Date.now()}.c`);
  fs.writeFileSync(source, `/* ${source} */\n${fs.readFileSync(path.join(ROOT, C_DRIVER), 'utf8').replace('#include <wdm.h>', `#include <wdm.h>\n/* cache miss ${path.basename(source)} */`)}`);
  const script = `require('ts-node/register/transpile-only'); require(${JSON.stringify(path.join(ROOT, 'src/personalities/c-wasm/compiler'))}).compileCDriver([${JSON.stringify(source)}], ${JSON.stringify(dir)}).then((r) => { if (r.cached) { console.error('cache hit'); process.exit(1); } }, (e) => { console.error(e.message); process.exit(1); });`;
  const start = nowNs();
  const child = spawnSync(process.execPath, ['-e', script], { cwd: ROOT, encoding: 'utf8' });
  const ns = nowNs() - start;
  if (child.status !== 0) throw new Error(`the cold compile failed: ${child.stderr.trim()}`);
  return ns;
}

export async function run(): Promise<BenchResult[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dma-conformance-c-bench-'));
  try {
    const { wasmPath } = await compileCDriver([C_DRIVER], ROOT);
    const ts = conformanceRun(dir, TS_DRIVER);
    const c = conformanceRun(dir, wasmPath);
    const cold = coldCompile(dir);
    const start = nowNs();
    const hit = await compileCDriver([C_DRIVER], ROOT);
    const cachedNs = nowNs() - start;
    if (!hit.cached) throw new Error('the second compile of docs/example-driver.c missed the cache');
    return [
      { name: 'C driver conformance run vs the same driver in TypeScript (time ratio)', value: c.ns / ts.ns, unit: 'x the TypeScript run', ratio: true, targets: [{ comparison: 'at most', value: 1.2, source: 'issue 16' }], note: `${CLASS_TAG}, ${c.scenarios} scenarios: ${C_DRIVER} ${(c.ns / 1e9).toFixed(1)} s, ${TS_DRIVER} ${(ts.ns / 1e9).toFixed(1)} s` },
      { name: 'compiling a C driver, cache missed, in a fresh process', value: cold / 1e9, unit: 's wall clock', note: `${C_DRIVER} with a changed comment: LLVM's start, clang, wasm-ld and the line table` },
      { name: 'compiling a C driver, cache hit', value: cachedNs / 1e6, unit: 'ms wall clock', note: 'hashing the sources, headers and flags and finding the module' },
    ];
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
