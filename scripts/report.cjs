/**
 * Generates the Allure report (reports/allure-report) from the results of the
 * last run (reports/allure-results).
 *
 *   node scripts/report.cjs [--world-parameters <json>]
 *
 * Before generating it copies the previous report's history into the results
 * so the trend charts carry forward, and writes the run's environment (Node
 * version, seed, driver, RAM) and the failure categories next to the results.
 */
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { ROOT, ALLURE_RESULTS, ALLURE_REPORT, ALLURE_BIN } = require('./project-paths.cjs');
const { reportCategories } = require('./report-categories.cjs');

require('ts-node/register/transpile-only');
const { defaultBootConfig } = require('../src/machine/boot-config');
const { BUGCHECK_NAMES } = require('../src/machine/bug-check');
const { formatBytes } = require('../src/machine/units');
const { readWorldParameters } = require('../steps/support/world-parameters');

class ReportError extends Error {}

/** Allure 2 is a Java program: say so plainly when Java is missing. */
function checkJava() {
  const java = process.env.JAVA_HOME ? path.join(process.env.JAVA_HOME, 'bin', 'java') : 'java';
  const probe = spawnSync(java, ['-version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    throw new ReportError(
      `generating the Allure report needs Java (8 or later; allure-commandline 2 runs on the JVM), and ${java} ${probe.error ? 'was not found' : 'did not run'}. ` +
        `Install a Java runtime (for example: apt-get install openjdk-17-jre-headless) or set JAVA_HOME. ` +
        `The raw results are in ${path.relative(ROOT, ALLURE_RESULTS)}.`,
    );
  }
}

/** Java .properties escaping for values (keys here are plain words). */
function propertyValue(text) {
  return String(text).replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/^\s/, (s) => '\\' + s);
}

function environmentProperties(worldParameters) {
  const boot = defaultBootConfig();
  const driver = worldParameters.driver ? path.relative(ROOT, worldParameters.driver) || worldParameters.driver : '(none: kernel rules only)';
  const entries = [
    ['Node.js', process.version],
    ['Seed', worldParameters.seed ?? boot.seed],
    ['Driver', driver],
    ['RAM', `${formatBytes(worldParameters.ramBytes ?? boot.ramBytes)} unless a scenario boots another size`],
  ];
  return entries.map(([k, v]) => `${k}=${propertyValue(v)}`).join('\n') + '\n';
}

function carryHistoryForward() {
  const previous = path.join(ALLURE_REPORT, 'history');
  if (fs.existsSync(previous)) fs.cpSync(previous, path.join(ALLURE_RESULTS, 'history'), { recursive: true });
}

function generateReport({ worldParameters = {} } = {}) {
  const results = fs.existsSync(ALLURE_RESULTS) ? fs.readdirSync(ALLURE_RESULTS).filter((f) => f.endsWith('-result.json')) : [];
  if (results.length === 0) {
    throw new ReportError(`no results in ${path.relative(ROOT, ALLURE_RESULTS)}: run the suite first (npm run conformance, or npm run test:features)`);
  }
  checkJava();
  carryHistoryForward();
  fs.writeFileSync(path.join(ALLURE_RESULTS, 'environment.properties'), environmentProperties(worldParameters));
  fs.writeFileSync(path.join(ALLURE_RESULTS, 'categories.json'), JSON.stringify(reportCategories(BUGCHECK_NAMES), null, 2) + '\n');

  const run = spawnSync(process.execPath, [ALLURE_BIN, 'generate', ALLURE_RESULTS, '-o', ALLURE_REPORT, '--clean'], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, ALLURE_NO_ANALYTICS: 'true' },
  });
  if (run.error) throw run.error;
  if (run.status !== 0) throw new ReportError(`allure generate failed (exit ${run.status}):\n${run.stdout}${run.stderr}`);
  const index = path.join(ALLURE_REPORT, 'index.html');
  if (!fs.existsSync(index)) throw new ReportError(`allure generate exited 0 but wrote no ${index}`);
  return index;
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

module.exports = { generateReport, ReportError, environmentProperties };

if (require.main === module) {
  try {
    const index = generateReport({ worldParameters: parseArguments(process.argv.slice(2)) });
    console.log(`Report: ${index}`);
  } catch (e) {
    if (!(e instanceof ReportError) && e.name !== 'InvalidWorldParameters') throw e;
    console.error(`report: ${e.message}`);
    process.exit(1);
  }
}
