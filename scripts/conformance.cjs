/**
 * Runs the conformance suite and writes the Allure report.
 *
 *   npm run conformance [-- --driver <module path> [--checked]] [--driver-time-budget <seconds>] [-- other cucumber options, e.g. --tags @rule:PAGE-1]
 *
 * --driver-time-budget: the wall-clock seconds one call into driver code may
 * run before it is stopped as not returning (default 10).
 *
 * The report is written even when scenarios fail; the exit status is the
 * suite's (non-zero when any scenario failed), or the report's when the suite
 * passed but the report could not be written.
 *
 * Before cucumber starts, preflight.cjs loads the driver (it must compile and
 * implement the contract) and checks that the paths and tags select a
 * scenario. A run that fails before any scenario (those checks, or cucumber
 * exiting without results) exits non-zero and replaces the previous report
 * with a page that says why (failed-run-report.cjs).
 */
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const { ROOT, CUCUMBER_BIN, ALLURE_RESULTS } = require('./project-paths.cjs');
const { clearResults } = require('./clear-results.cjs');
const { generateReport, ReportError } = require('./report.cjs');
const { compiledDriverPath, takeCheckedOption } = require('./c-driver.cjs');
const { preflight } = require('./preflight.cjs');
const { writeFailedRunReport } = require('./failed-run-report.cjs');

require('ts-node/register/transpile-only');
const { readWorldParameters } = require('../steps/support/world-parameters');

class UsageError extends Error {}

function hasResults() {
  return fs.existsSync(ALLURE_RESULTS) && fs.readdirSync(ALLURE_RESULTS).some((f) => f.endsWith('-result.json'));
}

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

/** A run that ends before any scenario: the message, and a report that says so instead of the previous run's. */
function failedBeforeAnyScenario(why, status) {
  console.error(`conformance: ${why}`);
  const index = writeFailedRunReport(why, ['npm run conformance --', ...process.argv.slice(2)].join(' '));
  console.error(`Report: ${index} (this run failed before any scenario)`);
  return status;
}

/**
 * The driver's verdict, one line per class it claims, from the run's results (src/verdict/), and
 * reports/verdict.json and reports/verdict-junit.xml for a team's CI.
 */
function printVerdict(driverPath, asGiven) {
  const { loadDriverModule } = require('../src/personalities/driver-loader');
  const { readScenarioOutcomes } = require('../src/verdict/allure-outcomes');
  const { classVerdicts, verdictLine, verdictPlaceLines } = require('../src/verdict/driver-verdict');
  const { writeVerdictFiles } = require('../src/verdict/verdict-files');
  const driver = loadDriverModule(driverPath);
  const verdicts = classVerdicts(readScenarioOutcomes(ALLURE_RESULTS), driver.conformanceClasses);
  console.log(`\nVerdict for ${driver.name} (${asGiven}):`);
  for (const v of verdicts) {
    console.log(`  ${verdictLine(v)}`);
    for (const line of verdictPlaceLines(v)) console.log(`    ${line}`);
  }
  const files = writeVerdictFiles(path.dirname(ALLURE_RESULTS), { name: driver.name, path: asGiven }, verdicts);
  console.log(`  (${files.map((f) => path.relative(process.cwd(), f)).join(', ')})`);
}

async function main() {
  let options;
  let checked;
  let givenDriver; // as the user named it, before a C driver's path becomes its compiled module's
  try {
    const argv = process.argv.slice(2);
    const checkedBuild = takeCheckedOption(argv);
    options = parseArguments(argv);
    givenDriver = options.worldParameters.driver;
    if (options.worldParameters.driver !== undefined || checkedBuild) options.worldParameters.driver = await compiledDriverPath(options.worldParameters.driver, checkedBuild);
    // Check the parameters once here, rather than failing every scenario with the same message.
    checked = readWorldParameters(options.worldParameters, process.cwd());
  } catch (e) {
    return failedBeforeAnyScenario(e.message, 2);
  }
  // The driver path is passed on absolute, so it means the same in every worker.
  const worldParameters = checked.driver ? { ...options.worldParameters, driver: checked.driver } : options.worldParameters;

  clearResults();
  // Cucumber's option parser ends the process on an option it does not know; the report must still say the run failed.
  const onRefusedOptions = (code) => {
    if (code !== 0) failedBeforeAnyScenario('cucumber refused its options (its message is above)', code);
  };
  process.once('exit', onRefusedOptions);
  // The driver is named as the user gave it, so the messages show their path.
  const why = await preflight({ driver: options.worldParameters.driver, cucumberArgs: options.cucumberArgs });
  process.off('exit', onRefusedOptions);
  if (why) return failedBeforeAnyScenario(why, 2);
  const cucumberArgs = [CUCUMBER_BIN, '--profile', 'default', ...options.cucumberArgs];
  if (Object.keys(worldParameters).length > 0) cucumberArgs.push('--world-parameters', JSON.stringify(worldParameters));
  const suite = spawnSync(process.execPath, cucumberArgs, { cwd: ROOT, stdio: 'inherit' });
  if (suite.error) throw suite.error;
  const suiteStatus = suite.status ?? 1;
  if (!hasResults()) return failedBeforeAnyScenario(`cucumber exited with ${suiteStatus} before running any scenario (its output above says why)`, suiteStatus || 1);

  if (checked.driver) printVerdict(checked.driver, givenDriver ?? checked.driver);

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

main().then((status) => {
  process.exitCode = status;
});
