/**
 * Runs every test/**\/*.test.ts with node's built-in test runner under ts-node
 * (transpile-only), all in ONE process: loading ts-node and the simulator
 * costs seconds per process, and `node --test` would pay it once per file.
 * Every test boots its own machine, so sharing the process shares no state.
 *
 *   node scripts/run-unit-tests.cjs [path-prefix ...] [-- node test options]
 *
 * A path prefix (e.g. test/kernel) keeps only the files under it.
 *
 * The browser test of the report (test/report/browser/) needs Java and
 * Chromium and takes half a minute, so it runs only when named:
 * `npm run test:report` (which .ci/run runs after `npm test`).
 */
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { ROOT } = require('./project-paths.cjs');

function findTestFiles(dir) {
  if (!fs.existsSync(dir)) return [];
  const found = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) found.push(...findTestFiles(full));
    else if (entry.isFile() && entry.name.endsWith('.test.ts')) found.push(full);
  }
  return found.sort();
}

const args = process.argv.slice(2);
const split = args.indexOf('--');
const prefixes = (split < 0 ? args : args.slice(0, split)).map((p) => path.resolve(ROOT, p));
const nodeTestOptions = split < 0 ? [] : args.slice(split + 1);

const ONLY_WHEN_NAMED = path.join(ROOT, 'test', 'report', 'browser');
const under = (f, p) => f === p || f.startsWith(p + path.sep);

const all = findTestFiles(path.join(ROOT, 'test'));
const files = all.filter((f) =>
  prefixes.length === 0 ? !under(f, ONLY_WHEN_NAMED) : prefixes.some((p) => under(f, p) && (!under(f, ONLY_WHEN_NAMED) || under(p, ONLY_WHEN_NAMED))),
);
if (files.length === 0) {
  console.error(prefixes.length === 0 ? 'run-unit-tests: no test/**/*.test.ts files found' : `run-unit-tests: no test files under ${args.join(', ')}`);
  process.exit(1);
}

const loadEveryFile = `for (const f of ${JSON.stringify(files)}) require(f);`;
const run = spawnSync(
  process.execPath,
  ['--require', 'ts-node/register/transpile-only', ...nodeTestOptions, '--eval', loadEveryFile],
  { cwd: ROOT, stdio: 'inherit' },
);
if (run.error) throw run.error;
process.exit(run.status ?? 1);
