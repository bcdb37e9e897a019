/**
 * Runs the conformance suite and writes the Allure report.
 *
 *   npm run conformance [-- --driver <module path>] [--driver-time-budget <seconds>] [-- other cucumber options, e.g. --tags @rule:PAGE-1]
 *
 * --driver-time-budget: the wall-clock seconds one call into driver code may
 * run before it is stopped as not returning (default 10).
 *
 * The report is written even when scenarios fail; the exit status is the
 * suite's (non-zero when any scenario failed), or the report's when the suite
 * passed but the report could not be written.
 */
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { ROOT, CUCUMBER_BIN } = require('./project-paths.cjs');
const { clearResults } = require('./clear-results.cjs');
const { generateReport, ReportError } = require('./report.cjs');

require('ts-node/register/transpile-only');
const { readWorldParameters } = require('../steps/support/world-parameters');

class UsageError extends Error {}

/** Splits our own options (--driver, --driver-time-budget, --world-parameters) from cucumber's. */
function parseArguments(argv) {
  let worldParameters = {};
  const cucumberArgs = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const valueOf = (name) => {
      if (a === name) {
        const v = argv[++i];
        if (v === undefined || v.startsWith('--')) throw new UsageError(`${name} needs a value`);
        return v;
      }
      return a.slice(name.length + 1);
    };
    if (a === '--driver' || a.startsWith('--driver=')) {
      worldParameters = { ...worldParameters, driver: valueOf('--driver') };
    } else if (a === '--driver-time-budget' || a.startsWith('--driver-time-budget=')) {
      const seconds = Number(valueOf('--driver-time-budget'));
      if (!(seconds > 0)) throw new UsageError('--driver-time-budget needs a positive number of seconds');
      worldParameters = { ...worldParameters, driverTimeBudget: seconds };
    } else if (a === '--world-parameters' || a.startsWith('--world-parameters=')) {
      const text = valueOf('--world-parameters');
      try {
        worldParameters = { ...worldParameters, ...JSON.parse(text) };
      } catch (e) {
        throw new UsageError(`--world-parameters is not JSON: ${e.message}`);
      }
    } else if (a === '--profile' || a === '-p' || a.startsWith('--profile=')) {
      throw new UsageError('the conformance run uses the default profile; run cucumber-js directly for another one');
    } else {
      cucumberArgs.push(a);
    }
  }
  return { worldParameters, cucumberArgs };
}

function main() {
  let options;
  let checked;
  try {
    options = parseArguments(process.argv.slice(2));
    // Check the parameters once here, rather than failing every scenario with the same message.
    checked = readWorldParameters(options.worldParameters, process.cwd());
  } catch (e) {
    console.error(`conformance: ${e.message}`);
    return 2;
  }
  // The driver path is passed on absolute, so it means the same in every worker.
  const worldParameters = checked.driver ? { ...options.worldParameters, driver: checked.driver } : options.worldParameters;

  clearResults();
  const cucumberArgs = [CUCUMBER_BIN, '--profile', 'default', ...options.cucumberArgs];
  if (Object.keys(worldParameters).length > 0) cucumberArgs.push('--world-parameters', JSON.stringify(worldParameters));
  const suite = spawnSync(process.execPath, cucumberArgs, { cwd: ROOT, stdio: 'inherit' });
  if (suite.error) throw suite.error;
  const suiteStatus = suite.status ?? 1;

  let reportStatus = 0;
  try {
    const index = generateReport({ worldParameters: checked });
    console.log(`Report: ${index}`);
  } catch (e) {
    if (!(e instanceof ReportError)) throw e;
    console.error(`conformance: ${e.message}`);
    reportStatus = 1;
  }
  if (suiteStatus !== 0) console.error(`conformance: the suite failed (cucumber exited with ${suiteStatus}); the report shows which rules and why`);
  return suiteStatus !== 0 ? suiteStatus : reportStatus;
}

process.exitCode = main();
