/**
 * Correct drivers always pass: every reference and every conforming driver
 * of the class folders (src/conformance/driver-finder.ts) and the example drivers (docs/example-driver.ts and .c) run under the workload fuzzer at many seeds,
 * each with a budget of workloads, and none may be judged to break a rule.
 * A false verdict on a correct driver is the worst thing a conformance
 * suite can do, and a single seed hides them (a storage queue behind a
 * removed device failed only at seed 1), hence the campaign. Run by
 * `npm run test:reference-survival` (and by .ci/run); longer than the
 * fuzz proof of `npm test`, so it has its own command.
 *
 *   node scripts/reference-survival.cjs [--seeds N] [--first-seed S] [--runs R] [--jobs J] [driver module ...]
 *
 * Prints one line per driver and seed that failed, with its replay command,
 * then `reference and conforming drivers survived: N/M at K seeds x R workloads`; exits
 * non-zero unless every driver survived every seed.
 */
const os = require('node:os');
const path = require('node:path');
const { proveInWorkers } = require('./proof-workers.cjs');
const { ROOT } = require('./project-paths.cjs');

const EXAMPLE_DRIVERS = [path.join(ROOT, 'docs', 'example-driver.ts'), path.join(ROOT, 'docs', 'example-driver.c')];
const DEFAULTS = { seeds: 10, 'first-seed': 1, runs: 60 };

function parseArguments(argv) {
  const options = { ...DEFAULTS, modules: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const m = /^--(seeds|first-seed|runs|jobs)(?:=(.*))?$/.exec(a);
    if (!m) {
      if (a.startsWith('--')) throw new Error(`unknown option ${a} (options: --seeds N, --first-seed S, --runs R, --jobs J, then driver modules)`);
      options.modules.push(path.resolve(a));
      continue;
    }
    const value = m[2] ?? argv[++i];
    if (value === undefined || !/^\d+$/.test(value) || (m[1] !== 'first-seed' && Number(value) < 1)) throw new Error(`--${m[1]} needs a whole number${m[1] === 'first-seed' ? '' : ' of at least 1'}, got ${value}`);
    options[m[1]] = Number(value);
  }
  return options;
}

async function main() {
  const options = parseArguments(process.argv.slice(2));
  let modules = options.modules;
  if (modules.length === 0) {
    require('ts-node/register/transpile-only');
    modules = [...require('../src/conformance/driver-finder').correctDriverModules().map((d) => d.modulePath), ...EXAMPLE_DRIVERS];
  }
  // C drivers are compiled here, once; the workers load them from the cache.
  for (const m of modules) if (m.endsWith('.c')) await require('./c-driver.cjs').compiledDriverPath(m);
  const seeds = Array.from({ length: options.seeds }, (_, i) => options['first-seed'] + i);
  const items = seeds.flatMap((seed) => modules.map((modulePath) => ({ modulePath, budget: { runs: options.runs, seed } })));
  const jobs = Math.max(1, Math.min(options.jobs ?? (os.availableParallelism?.() ?? os.cpus().length), items.length));
  const started = Date.now();
  const results = (await proveInWorkers(items, jobs)).map(({ item, proof }) => ({ seed: item.budget.seed, proof }));
  const failedDrivers = new Set();
  for (const { seed, proof } of results.sort((a, b) => a.proof.driver.localeCompare(b.proof.driver) || a.seed - b.seed)) {
    if (proof.outcome === 'survived') continue;
    failedDrivers.add(proof.driver);
    const what = {
      found: `judged to break ${proof.rule ?? 'a rule'} at run ${proof.runsToFailure}`,
      crashed: `crashed at run ${proof.runsToFailure} (no rule named)`,
      broken: `its run broke at run ${proof.runsToFailure} (a program error of the suite or the simulator, no verdict on the driver)`,
    }[proof.outcome] ?? `could not be fuzzed: ${proof.why}`;
    console.log(`FAILED   ${proof.driver} at seed ${seed}: ${what}`);
    if (proof.finding) console.log(`    ${proof.finding.split('\n').slice(0, 2).join(' | ').slice(0, 400)}`);
    if (proof.replayCommand) console.log(`    replay: ${proof.replayCommand}`);
  }
  const names = [...new Set(results.map((r) => r.proof.driver))];
  console.log(`reference and conforming drivers survived: ${names.length - failedDrivers.size}/${names.length} at ${seeds.length} seeds (${seeds[0]}..${seeds[seeds.length - 1]}) x ${options.runs} workloads (${jobs} worker(s), ${((Date.now() - started) / 1000).toFixed(1)} s)`);
  return failedDrivers.size === 0 && names.length === modules.length ? 0 : 1;
}

main().then((code) => (process.exitCode = code), (e) => {
  console.error(`reference-survival: ${e.message}`);
  process.exitCode = 2;
});
