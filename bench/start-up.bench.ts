/**
 * Start-up (issue 18): what a cucumber process pays before its first
 * scenario, timed as a dry run of one feature (every support and step file
 * loaded, every step matched, nothing executed), with the suite's TypeScript
 * transpiled three ways in the same call: by ts-node's TypeScript
 * transpiler (as before the swc compile cache), by swc into an empty compile
 * cache, and by swc with the cache already filled (what every process and
 * --parallel worker after the first pays).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BenchResult } from './bench-result';
import { parseCucumberSummary } from './acceptance-suite.bench';
import { nowNs } from './support/timing';

export const repetitions = 3;

const ROOT = path.join(__dirname, '..');
const CUCUMBER = path.join(ROOT, 'node_modules', '@cucumber', 'cucumber', 'bin', 'cucumber.js');
const FEATURE = 'features/conformance/read-write-direct.feature';

/** The project's compiler options without its "ts-node" section: ts-node then transpiles with TypeScript. */
function typescriptOnlyProject(dir: string): string {
  const config = JSON.parse(fs.readFileSync(path.join(ROOT, 'tsconfig.json'), 'utf8')) as { compilerOptions: object };
  const file = path.join(dir, 'tsconfig.typescript-transpiler.json');
  fs.writeFileSync(file, JSON.stringify({ compilerOptions: config.compilerOptions }));
  return file;
}

function dryRun(env: NodeJS.ProcessEnv, what: string): number {
  const start = nowNs();
  const child = spawnSync(process.execPath, [CUCUMBER, '--profile', 'steps', '--dry-run', FEATURE], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, ...env }, maxBuffer: 16 * 1024 * 1024 });
  const ns = nowNs() - start;
  if (child.error) throw child.error;
  const summary = parseCucumberSummary(child.stdout);
  if (child.status !== 0 || !summary || summary.scenarios === 0) throw new Error(`${what}: the dry run failed (exit ${child.status}): ${(child.stderr || child.stdout).trim().split('\n').slice(-5).join(' | ')}`);
  return ns;
}

export async function run(): Promise<BenchResult[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dma-conformance-start-up-'));
  try {
    const typescript = dryRun({ TS_NODE_PROJECT: typescriptOnlyProject(dir) }, 'TypeScript transpiler');
    const cold = dryRun({ DMA_CONFORMANCE_SWC_CACHE: path.join(dir, 'swc-cache') }, 'swc, empty cache');
    const warm = dryRun({ DMA_CONFORMANCE_SWC_CACHE: path.join(dir, 'swc-cache') }, 'swc, filled cache');
    const s = (ns: number) => ns / 1e9;
    return [
      { name: 'start-up, TypeScript transpiler', value: s(typescript), unit: 's wall clock', note: `cucumber-js --profile steps --dry-run ${FEATURE}, ts-node transpiling with TypeScript` },
      { name: 'start-up, swc, empty compile cache', value: s(cold), unit: 's wall clock', note: 'the first process after a change to every file' },
      { name: 'start-up, swc, filled compile cache', value: s(warm), unit: 's wall clock', note: 'every later process and --parallel worker' },
      { name: 'start-up, filled cache vs TypeScript transpiler (time ratio)', value: warm / typescript, unit: 'x', ratio: true },
      { name: 'start-up, empty cache vs TypeScript transpiler (time ratio)', value: cold / typescript, unit: 'x', ratio: true },
    ];
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
