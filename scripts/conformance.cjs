/**
 * Runs the conformance suite and writes the Allure report.
 *
 *   npm run conformance [-- --driver <module path> [--checked]] [--driver-time-budget <seconds>] [--out <dir>]
 *                          [--certify] [--expectations <file>] [-- other cucumber options, e.g. --tags @rule:PAGE-1]
 *
 * --certify: every scenario of every class the driver claims, no filter
 * (src/verdict/certification.ts); the verdict records the suite's version and
 * the driver files' sha256.
 *
 * --expectations: a file of failures the team knows of (src/verdict/expectations.ts);
 * they are reported as known, never passed, and the run's status is then
 * whether everything else passed and every listed failure happened as listed.
 *
 * --out: the folder for the results, the verdict and the report (default reports/).
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
require('./out-option.cjs'); // first: --out sets the folder project-paths.cjs reads
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const { ROOT, CUCUMBER_BIN, ALLURE_RESULTS } = require('./project-paths.cjs');
const { clearResults } = require('./clear-results.cjs');
const { generateReport, ReportError } = require('./report.cjs');
const { compiledDriverPath, takeCheckedOption } = require('./c-driver.cjs');
const { preflight } = require('./preflight.cjs');
const { writeFailedRunReport } = require('./failed-run-report.cjs');
const { fromCaller } = require('./caller-paths.cjs');

require('ts-node/register/transpile-only');
const { readWorldParameters } = require('../steps/support/world-parameters');

class UsageError extends Error {}

function hasResults() {
  return fs.existsSync(ALLURE_RESULTS) && fs.readdirSync(ALLURE_RESULTS).some((f) => f.endsWith('-result.json'));
}

/** Splits our own options (--driver, --driver-time-budget, --world-parameters, --certify, --expectations) from cucumber's. */
function parseArguments(argv) {
  let worldParameters = {};
  let certify = false;
  let expectations = null;
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
    } else if (a === '--certify') {
      certify = true;
    } else if (a === '--expectations' || a.startsWith('--expectations=')) {
      expectations = path.resolve(process.cwd(), valueOf('--expectations'));
    } else if (a === '--profile' || a === '-p' || a.startsWith('--profile=')) {
      throw new UsageError('the conformance run uses the default profile; run cucumber-js directly for another one');
    } else {
      cucumberArgs.push(a);
    }
  }
  return { worldParameters, cucumberArgs, certify, expectations };
}

/** A run that ends before any scenario: the message, and a report that says so instead of the previous run's. */
function failedBeforeAnyScenario(why, status) {
  console.error(`conformance: ${why}`);
  const index = writeFailedRunReport(why, [...require('../src/cli/suite-command').suiteCommand('conformance'), ...process.argv.slice(2)].join(' '));
  console.error(`Report: ${index} (this run failed before any scenario)`);
  return status;
}

const loadedDrivers = new Map();
/** The driver module at a path, loaded once in this process (the certification's classes and the verdict both need it). */
function driverModule(driverPath) {
  if (!loadedDrivers.has(driverPath)) loadedDrivers.set(driverPath, require('../src/personalities/driver-loader').loadDriverModule(driverPath));
  return loadedDrivers.get(driverPath);
}

/**
 * The driver's verdict, one line per class it claims, from the run's results (src/verdict/), and
 * reports/verdict.json and reports/verdict-junit.xml for a team's CI.
 */
function printVerdict(driverPath, asGiven, { known, expectationsFile, certification }) {
  const { readScenarioOutcomes } = require('../src/verdict/allure-outcomes');
  const { classAsExpected, classVerdicts, verdictLine, verdictPlaceLines } = require('../src/verdict/driver-verdict');
  const { describeStale, staleExpectations } = require('../src/verdict/expectations');
  const { writeVerdictFiles } = require('../src/verdict/verdict-files');
  const { resultsFingerprint } = require('../src/verdict/judged-results');
  const driver = driverModule(driverPath);
  const outcomes = readScenarioOutcomes(ALLURE_RESULTS);
  const verdicts = classVerdicts(outcomes, driver.conformanceClasses, known ?? []);
  const stale = known ? staleExpectations(outcomes, known) : [];
  console.log(`\n${certification ? 'Certification' : 'Verdict'} for ${driver.name} (${asGiven}):`);
  for (const v of verdicts) {
    console.log(`  ${verdictLine(v)}`);
    for (const line of verdictPlaceLines(v)) console.log(`    ${line}`);
  }
  for (const s of stale) console.log(`  expectation not borne out: ${describeStale(s)}`);
  if (certification) console.log(`  judged by ${certification.suite} ${certification.suiteVersion}; driver sha256 ${certification.driverSha256} (${certification.driverFiles.join(', ')})`);
  // The results judged, so that the report made from them, now or by `npm run report` later, is headed by this verdict.
  const context = {
    ...(certification ? { certification } : {}),
    ...(known ? { expectations: { file: expectationsFile, stale } } : {}),
    results: { fingerprint: resultsFingerprint(ALLURE_RESULTS) },
  };
  const files = writeVerdictFiles(path.dirname(ALLURE_RESULTS), { name: driver.name, path: asGiven }, verdicts, context);
  console.log(`  (${files.map((f) => path.relative(process.cwd(), f)).join(', ')})`);
  return { asExpected: verdicts.every(classAsExpected) && stale.length === 0 };
}

async function main() {
  require('../src/verdict/verdict-files').removeVerdictFiles(path.dirname(ALLURE_RESULTS));
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
  let known = null;
  let certification = null;
  try {
    if (options.expectations && !checked.driver) throw new UsageError('--expectations lists a driver\'s known failures: name the driver with --driver <path>');
    if (options.expectations) known = require('../src/verdict/expectations').readExpectations(options.expectations);
    if (options.certify) {
      if (!checked.driver) throw new UsageError('--certify needs the driver to certify: --driver <path>');
      const { certificationOf, certificationRefusals, certificationTags } = require('../src/verdict/certification');
      const refusals = certificationRefusals(options.cucumberArgs, options.worldParameters);
      if (refusals.length > 0) throw new UsageError(`--certify: ${refusals.join('; ')}`);
      const claimed = driverModule(checked.driver).conformanceClasses;
      options.cucumberArgs.push('--tags', certificationTags(claimed));
      certification = certificationOf(givenDriver.split(',').map((f) => path.resolve(process.cwd(), f)), path.join(ROOT, 'package.json'));
    }
  } catch (e) {
    return failedBeforeAnyScenario(e.message, 2);
  }

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
  const cucumberArgs = [CUCUMBER_BIN, '--profile', 'default', ...fromCaller(options.cucumberArgs)];
  if (Object.keys(worldParameters).length > 0) cucumberArgs.push('--world-parameters', JSON.stringify(worldParameters));
  const suite = spawnSync(process.execPath, cucumberArgs, { cwd: ROOT, stdio: 'inherit' });
  if (suite.error) throw suite.error;
  const suiteStatus = suite.status ?? 1;
  if (!hasResults()) return failedBeforeAnyScenario(`cucumber exited with ${suiteStatus} before running any scenario (its output above says why)`, suiteStatus || 1);

  // With an expectations file, the run's status is whether every failure was a known one and every known one happened.
  const verdict = checked.driver ? printVerdict(checked.driver, givenDriver ?? checked.driver, { known, expectationsFile: options.expectations, certification }) : null;
  const runStatus = known && verdict ? (verdict.asExpected ? 0 : 1) : suiteStatus;

  let reportStatus = 0;
  try {
    // A driver's report is headed by its verdict, written above, and keeps that driver's trend.
    const index = generateReport({ worldParameters: checked });
    console.log(`Report: ${index}`);
  } catch (e) {
    if (!(e instanceof ReportError)) throw e;
    console.error(`conformance: ${e.message}`);
    reportStatus = 1;
  }
  if (runStatus !== 0) console.error(`conformance: the suite failed (cucumber exited with ${suiteStatus}); the report shows which rules and why`);
  else if (suiteStatus !== 0) console.error('conformance: every failure is one the expectations file lists (reported as known, not passed)');
  return runStatus !== 0 ? runStatus : reportStatus;
}

main().then((status) => {
  process.exitCode = status;
});
