/**
 * Generates the Allure report (reports/allure-report/index.html) from the
 * results of the last run (reports/allure-results).
 *
 *   node scripts/report.cjs [--world-parameters <json>]
 *
 * The report is a single HTML file with its data inside, so it opens straight
 * from disk (a multi-file Allure report fetches its data and stays on
 * "Loading..." when opened as file://).
 *
 * Trends carry forward: before generating, the previous report's history
 * (reports/allure-report/history/; for a run against a driver, that driver's
 * own, reports/history/<driver>/) is copied into the results; Allure adds
 * this run to it. A driver run's report is named for its verdict, which the
 * Overview shows as its headline: the verdict beside the results
 * (reports/verdict.json) heads the report when it was decided from these
 * results (src/verdict/judged-results.ts), so the report made by the
 * conformance run and one made again by `npm run report` are the same; after a
 * run with no driver it is another run's verdict and the report is plain.
 * A single-file report writes no history folder, so the new
 * history is taken back out of the generated file, where Allure embeds it.
 *
 * Next to the results it writes, through allure-js-commons' writer,
 * environment.properties (the driver under
 * test, the machine configuration, the versions of what ran),
 * categories.json (src/report/report-categories.ts) and executor.json (the
 * run's number in the trend).
 */
if (require.main === module) require('./out-option.cjs'); // first: --out sets the folder project-paths.cjs reads
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { ROOT, ALLURE_RESULTS, ALLURE_REPORT, ALLURE_BIN, packageDirectory } = require('./project-paths.cjs');

const { FileSystemWriter } = require('allure-js-commons/sdk/reporter');
require('ts-node/register/transpile-only');
const { defaultBootConfig } = require('../src/machine/boot-config');
const { VIOLATION_CATALOG } = require('../src/kernel/verifier/violation-catalog');
const { reportCategories } = require('../src/report/report-categories');
const { describeMachineConfiguration } = require('../src/report/machine-configuration');
const { readWorldParameters } = require('../steps/support/world-parameters');
const { resultsFingerprint } = require('../src/verdict/judged-results');
const { reportHeadingOf } = require('../src/verdict/verdict-files');

class ReportError extends Error {}

/** Allure 2 is a Java program: say so plainly when Java is missing. */
function checkJava() {
  const java = process.env.JAVA_HOME ? path.join(process.env.JAVA_HOME, 'bin', 'java') : 'java';
  const probe = spawnSync(java, ['-version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    throw new ReportError(
      `generating the Allure report needs Java (8 or later; allure-commandline 2 runs on the JVM), and ${java} ${probe.error ? 'was not found' : 'did not run'}. ` +
        `Install a Java runtime (for example: apt-get install openjdk-17-jre-headless) or set JAVA_HOME. ` +
        `The raw results are in ${path.relative(process.cwd(), ALLURE_RESULTS)}.`,
    );
  }
  return (probe.stderr || probe.stdout).split('\n')[0].trim();
}

function packageVersion(name) {
  try {
    return JSON.parse(fs.readFileSync(path.join(packageDirectory(name), 'package.json'), 'utf8')).version;
  } catch {
    return 'not installed';
  }
}

/** The values of one Allure parameter over all results, each with how many scenarios had it. */
function parameterValues(results, name) {
  const counts = new Map();
  for (const r of results) {
    for (const p of r.parameters ?? []) if (p.name === name) counts.set(p.value, (counts.get(p.value) ?? 0) + 1);
  }
  return [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}

function listed(values, total) {
  if (values.length === 0) return '(not recorded)';
  if (values.length === 1) return values[0][0];
  return values.map(([v, n]) => `${v} [${n} of ${total} scenarios]`).join('; ');
}

/** The Environment widget's entries (allure-js-commons writes them as environment.properties). */
function environmentInfo({ worldParameters = {}, results = [], java = '' } = {}) {
  const overrides = {};
  if (worldParameters.seed !== undefined) overrides.seed = worldParameters.seed;
  if (worldParameters.ramBytes !== undefined) overrides.ramBytes = worldParameters.ramBytes;
  const base = defaultBootConfig(overrides);
  const driver = worldParameters.driver
    ? path.relative(process.cwd(), worldParameters.driver) || worldParameters.driver
    : listed(parameterValues(results, 'driver under test'), results.length);
  const entries = [
    ['Driver under test', driver],
    ['Machine (default for every scenario)', describeMachineConfiguration(base)],
    ['Machines booted', listed(parameterValues(results, 'machine'), results.length)],
    ['Seed', base.seed],
    ['dma-conformance', JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version],
    ['Node.js', process.version],
    ['@cucumber/cucumber', packageVersion('@cucumber/cucumber')],
    ['allure-cucumberjs', packageVersion('allure-cucumberjs')],
    ['allure-commandline', packageVersion('allure-commandline')],
    ['Java', java || '(unknown)'],
    ['Platform', `${process.platform} ${process.arch}`],
  ];
  return Object.fromEntries(entries.map(([k, v]) => [k, String(v)]));
}

/** Allure's single-file report embeds each data file as d('<path>','<base64>'). */
const EMBEDDED_FILE = /\bd\('(history\/[\w.-]+\.json)','([A-Za-z0-9+/=]*)'\)/g;

/** The history files Allure embedded in a single-file report, by file name. */
function embeddedHistory(indexHtml) {
  const files = new Map();
  for (const m of indexHtml.matchAll(EMBEDDED_FILE)) files.set(path.basename(m[1]), Buffer.from(m[2], 'base64'));
  for (const required of ['history.json', 'history-trend.json']) {
    if (!files.has(required)) {
      throw new ReportError(
        `the generated report holds no history/${required}: the single-file format of allure-commandline ${packageVersion('allure-commandline')} ` +
          `is not the one scripts/report.cjs reads, so trends cannot carry forward`,
      );
    }
  }
  return files;
}

/** The run's place in the trend: one more than the runs in the carried history, so the charts number them. */
function executor(historyDir) {
  let runs = 0;
  try {
    runs = JSON.parse(fs.readFileSync(path.join(historyDir, 'history-trend.json'), 'utf8')).length;
  } catch {
    // no earlier report: this is run 1
  }
  return { name: 'dma-conformance', type: 'local', buildOrder: runs + 1, buildName: `run ${runs + 1}`, reportName: 'DMA conformance' };
}

function readResults(resultsDir) {
  return fs
    .readdirSync(resultsDir)
    .filter((f) => f.endsWith('-result.json'))
    .map((f) => JSON.parse(fs.readFileSync(path.join(resultsDir, f), 'utf8')));
}

/** The driver and headline of the verdict decided from these results (verdict.json beside them), or none. */
function headingOf(resultsDir) {
  try {
    return reportHeadingOf(path.dirname(resultsDir), resultsFingerprint(resultsDir));
  } catch (e) {
    if (e.name === 'UnreadableVerdict') throw new ReportError(e.message);
    throw e;
  }
}

/**
 * Writes the report and returns the path of its index.html. The directories
 * default to the project's; tests pass their own.
 */
function generateReport({ worldParameters = {}, resultsDir = ALLURE_RESULTS, reportDir = ALLURE_REPORT } = {}) {
  const results = fs.existsSync(resultsDir) ? readResults(resultsDir) : [];
  if (results.length === 0) {
    throw new ReportError(`no results in ${path.relative(process.cwd(), resultsDir) || resultsDir}: run the suite first (npm run conformance, or npm run test:features)`);
  }
  const java = checkJava();
  const heading = headingOf(resultsDir);
  const driverName = heading?.driverName ?? null;
  const reportName = heading?.headline ?? 'DMA conformance';

  // A driver's runs make its own trend (reports/history/<driver>/): runs of other drivers would mix into it.
  const previousHistory = driverName ? driverHistoryDir(reportDir, driverName) : path.join(reportDir, 'history');
  // The report's history is the only one that counts: drop any left in the results by an earlier generation.
  fs.rmSync(path.join(resultsDir, 'history'), { recursive: true, force: true });
  if (fs.existsSync(previousHistory)) fs.cpSync(previousHistory, path.join(resultsDir, 'history'), { recursive: true });
  fs.writeFileSync(path.join(resultsDir, 'executor.json'), JSON.stringify(executor(previousHistory), null, 2) + '\n');
  // The environment and the categories go through allure-js-commons' writer, which owns their file formats.
  const writer = new FileSystemWriter({ resultsDir });
  writer.writeEnvironmentInfo(environmentInfo({ worldParameters, results, java }));
  writer.writeCategoriesDefinitions(reportCategories(VIOLATION_CATALOG));

  const run = spawnSync(
    process.execPath,
    [ALLURE_BIN, 'generate', resultsDir, '-o', reportDir, '--clean', '--single-file', '--name', reportName],
    { cwd: ROOT, encoding: 'utf8', env: { ...process.env, ALLURE_NO_ANALYTICS: 'true' } },
  );
  if (run.error) throw run.error;
  if (run.status !== 0) throw new ReportError(`allure generate failed (exit ${run.status}):\n${run.stdout}${run.stderr}`);
  const index = path.join(reportDir, 'index.html');
  if (!fs.existsSync(index)) throw new ReportError(`allure generate exited 0 but wrote no ${index}`);

  fs.mkdirSync(previousHistory, { recursive: true });
  for (const [name, content] of embeddedHistory(fs.readFileSync(index, 'utf8'))) fs.writeFileSync(path.join(previousHistory, name), content);
  return index;
}

/** Where a driver's trend is kept, beside the report (its folder is cleaned at every generation). */
function driverHistoryDir(reportDir, driverName) {
  return path.join(path.dirname(reportDir), 'history', driverName.replace(/[^\w.-]+/g, '_'));
}

function parseArguments(argv) {
  let worldParameters = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = a === '--world-parameters' ? argv[++i] : a.startsWith('--world-parameters=') ? a.slice('--world-parameters='.length) : undefined;
    if (value === undefined) throw new ReportError(`unknown argument ${a} (accepted: --world-parameters <json>)`);
    let parsed;
    try {
      parsed = JSON.parse(value);
    } catch (e) {
      throw new ReportError(`--world-parameters is not JSON: ${e.message}`);
    }
    worldParameters = { ...worldParameters, ...parsed };
  }
  return readWorldParameters(worldParameters, process.cwd());
}

module.exports = { generateReport, headingOf, ReportError, environmentInfo, embeddedHistory, driverHistoryDir };

if (require.main === module) {
  try {
    const index = generateReport({ worldParameters: parseArguments(process.argv.slice(2)) });
    const heading = headingOf(ALLURE_RESULTS);
    console.log(`Report: ${index}${heading ? ` (${heading.headline})` : ''}`);
  } catch (e) {
    if (!(e instanceof ReportError) && e.name !== 'InvalidWorldParameters') throw e;
    console.error(`report: ${e.message}`);
    process.exit(1);
  }
}
