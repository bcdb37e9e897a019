/**
 * `npm run fuzz`: a fuzz campaign, or the replay of one counterexample.
 *
 *   npm run fuzz [-- --runs N] [--seed S] [--driver <module>] [cucumber options]
 *       Runs the scenarios tagged @fuzz (cucumber profile "fuzz") with a fresh
 *       seed, printed first, and N runs per fuzz step (--runs, else the
 *       FUZZ_RUNS environment variable, else ten times each step's own budget).
 *       --driver names the driver under test, as in `npm run conformance`;
 *       --out <dir> the folder for the Allure results (default reports/).
 *
 *   npm run fuzz -- --model <name> [--operations N] [--runs N] [--seed S]
 *       A campaign against one kernel model, without cucumber.
 *
 *   npm run fuzz -- (--model <name> | --driver <module> --class <class>) [--operations N] --replay <seed>:<path>:<replayPath>
 *       Runs exactly the case a counterexample printed, once, and prints it
 *       again (the counterexample prints this command ready to paste).
 *
 * Exit status: 0 when no rule is violated, 1 when a counterexample was found
 * (or a replay still fails), 2 on a usage error.
 */
require('./out-option.cjs'); // first: --out sets the folder project-paths.cjs reads
const crypto = require('node:crypto');
const { spawnSync } = require('node:child_process');
const path = require('node:path');
const { ROOT, CUCUMBER_BIN, ALLURE_RESULTS } = require('./project-paths.cjs');
const { clearResults } = require('./clear-results.cjs');
const { fromCaller } = require('./caller-paths.cjs');

class UsageError extends Error {}

function wholeNumber(name, text, min) {
  if (!/^-?\d+$/.test(String(text)) || !Number.isSafeInteger(Number(text)) || Number(text) < min) {
    throw new UsageError(`${name} must be a whole number${min > -Infinity ? ` >= ${min}` : ''}, got "${text}"`);
  }
  return Number(text);
}

function parseArguments(argv) {
  const options = { cucumberArgs: [] };
  const ours = { '--runs': 'runs', '--seed': 'seed', '--driver': 'driver', '--class': 'conformanceClass', '--model': 'model', '--operations': 'operations', '--replay': 'replay' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const name = Object.keys(ours).find((n) => a === n || a.startsWith(`${n}=`));
    if (!name) {
      if (a === '--profile' || a === '-p' || a.startsWith('--profile=')) throw new UsageError('the fuzz campaign uses the "fuzz" profile; run cucumber-js directly for another one');
      options.cucumberArgs.push(a);
      continue;
    }
    const value = a === name ? argv[++i] : a.slice(name.length + 1);
    if (value === undefined || value === '' || (a === name && value.startsWith('--'))) throw new UsageError(`${name} needs a value`);
    options[ours[name]] = value;
  }
  if (options.runs !== undefined) options.runs = wholeNumber('--runs', options.runs, 1);
  else if (process.env.FUZZ_RUNS) options.runs = wholeNumber('FUZZ_RUNS', process.env.FUZZ_RUNS, 1);
  if (options.seed !== undefined) options.seed = wholeNumber('--seed', options.seed, -Infinity);
  if (options.operations !== undefined) options.operations = wholeNumber('--operations', options.operations, 1);
  if (options.replay !== undefined && options.model === undefined && options.driver === undefined) {
    throw new UsageError('--replay needs the target the counterexample names: --model <name> or --driver <module> (paste the whole command it printed)');
  }
  if (options.model !== undefined && options.driver !== undefined) throw new UsageError('choose --model or --driver, not both');
  const direct = options.model !== undefined || options.replay !== undefined;
  if (direct && options.cucumberArgs.length > 0) throw new UsageError(`unknown option(s) for a run of one target: ${options.cucumberArgs.join(' ')}`);
  if (!direct && (options.operations !== undefined || options.conformanceClass !== undefined)) {
    throw new UsageError('--operations and --class apply to one target (with --model, or with --driver and --replay); the scenarios name their own');
  }
  return options;
}

/** A fresh seed for a campaign: outside the simulator, so real randomness is fine here. */
function freshSeed() {
  return crypto.randomInt(1, 2 ** 31 - 1);
}

function runOneTarget(options) {
  require('ts-node/register/transpile-only');
  const { runDirect } = require('../src/fuzz/direct-run');
  const seed = options.seed ?? freshSeed();
  const selection = {
    ...(options.model !== undefined ? { model: options.model } : {}),
    ...(options.driver !== undefined ? { driver: options.driver } : {}),
    ...(options.conformanceClass !== undefined ? { conformanceClass: options.conformanceClass } : {}),
    ...(options.operations !== undefined ? { operations: options.operations } : {}),
  };
  return runDirect({ selection, seed, runs: options.runs ?? 1000, ...(options.replay !== undefined ? { replay: options.replay } : {}) });
}

function runCampaign(options) {
  const seed = options.seed ?? freshSeed();
  console.log(`fuzz campaign: seed ${seed}, ${options.runs !== undefined ? `${options.runs} run(s)` : 'ten times its own budget'} per fuzz step`);
  console.log(`  (run it again with: npm run fuzz -- --seed ${seed}${options.runs !== undefined ? ` --runs ${options.runs}` : ''})`);
  const cucumberArgs = [CUCUMBER_BIN, '--profile', 'fuzz', ...fromCaller(options.cucumberArgs)];
  if (options.driver !== undefined) {
    require('ts-node/register/transpile-only');
    const { readWorldParameters } = require('../steps/support/world-parameters');
    const checked = readWorldParameters({ driver: options.driver }, process.cwd());
    cucumberArgs.push('--world-parameters', JSON.stringify({ driver: checked.driver }));
  }
  clearResults();
  const env = { ...process.env, FUZZ_CAMPAIGN: '1', FUZZ_SEED: String(seed) };
  if (options.runs !== undefined) env.FUZZ_RUNS = String(options.runs);
  else delete env.FUZZ_RUNS;
  const run = spawnSync(process.execPath, cucumberArgs, { cwd: ROOT, stdio: 'inherit', env });
  if (run.error) throw run.error;
  console.log(`fuzz campaign: seed ${seed} ${run.status === 0 ? 'found no rule violated' : 'found a counterexample (printed above, with its replay command)'}; the Allure results are in ${path.relative(process.cwd(), ALLURE_RESULTS)} (npm run report)`);
  return run.status ?? 1;
}

async function main() {
  let options;
  try {
    const { compiledDriverPath, takeCheckedOption } = require('./c-driver.cjs');
    const argv = process.argv.slice(2);
    const checked = takeCheckedOption(argv);
    options = parseArguments(argv);
    if (options.driver !== undefined || checked) options.driver = await compiledDriverPath(options.driver, checked);
  } catch (e) {
    if (!(e instanceof UsageError) && !(e && ['CCompileError', 'CheckedBuildUsage'].includes(e.name))) throw e;
    console.error(`fuzz: ${e.message}`);
    return 2;
  }
  try {
    return options.model !== undefined || options.replay !== undefined ? runOneTarget(options) : runCampaign(options);
  } catch (e) {
    if (e instanceof RangeError || (e && e.name === 'InvalidReplayToken') || (e && e.name === 'DriverLoadError')) {
      console.error(`fuzz: ${e.message}`);
      return 2;
    }
    throw e;
  }
}

main().then((status) => { process.exitCode = status; });
