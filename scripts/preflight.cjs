/**
 * What must hold before a conformance run starts any scenario, checked in the
 * runner's own process so a failure is one plain message (no stack trace)
 * and the run ends before cucumber starts:
 *
 * - the driver under test loads: it compiles (every diagnostic is listed)
 *   and implements the contract (every problem is listed);
 * - the selection matches something: every feature path given exists, and
 *   at least one scenario matches the paths, --tags and --name given.
 *
 * preflight() returns why the run cannot start, or null when it can.
 */
const fs = require('node:fs');
const path = require('node:path');
const { loadConfiguration, loadSources } = require('@cucumber/cucumber/api');
const { ROOT } = require('./project-paths.cjs');
const { fromCaller, OPTIONS_WITH_VALUE } = require('./caller-paths.cjs');

require('ts-node/register/transpile-only');
const { DriverLoadError } = require('../src/personalities/wdm/loader');
const { loadDriverModule } = require('../src/personalities/driver-loader');
const { DriverSpinning } = require('../src/kernel/io/driver-spinning');

const FILTERS = new Set(['--tags', '-t', '--name']);

/** The feature paths and the filters (--tags, --name) of cucumber's arguments. */
function selectionOf(cucumberArgs) {
  const paths = [];
  const filters = [];
  for (let i = 0; i < cucumberArgs.length; i++) {
    const a = cucumberArgs[i];
    const [name, inline] = a.startsWith('--') && a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    if (OPTIONS_WITH_VALUE.has(name)) {
      const value = inline ?? cucumberArgs[++i];
      if (FILTERS.has(name)) filters.push(`${name === '-t' ? '--tags' : name} ${value}`);
    } else if (!a.startsWith('-')) {
      paths.push(a);
    }
  }
  return { paths, filters };
}

/** A path cucumber would read as a feature file or folder (not a rerun file or a glob), without its :line suffix. */
function plainPath(p) {
  if (p.startsWith('@') || /[*?[\]{}]/.test(p)) return null;
  return p.replace(/(?::\d+)+$/, '');
}

async function selectionProblem(cucumberArgs) {
  const { paths, filters } = selectionOf(cucumberArgs);
  for (const p of paths) {
    const file = plainPath(p);
    if (file !== null && !fs.existsSync(path.resolve(file))) return `no feature file at ${p}`;
  }
  // The paths are the caller's (the working directory); cucumber runs in the suite's folder.
  const { runConfiguration } = await loadConfiguration({ profiles: ['default'], provided: fromCaller(cucumberArgs) }, { cwd: ROOT });
  const { plan } = await loadSources(runConfiguration.sources, { cwd: ROOT });
  if (plan.length > 0) return null;
  const where = paths.length > 0 ? ` in ${paths.join(', ')}` : '';
  return filters.length > 0 ? `no scenario matched ${filters.join(' ')}${where}` : `no scenario${where}`;
}

function driverProblem(driverPath) {
  if (!driverPath) return null;
  try {
    loadDriverModule(driverPath);
    return null;
  } catch (e) {
    if (e instanceof DriverLoadError || e instanceof DriverSpinning) return e.message;
    throw e;
  }
}

/** Why the run cannot start (a message for the user), or null. `driver` is the resolved module path, if one was named. */
async function preflight({ driver, cucumberArgs }) {
  return driverProblem(driver) ?? (await selectionProblem(cucumberArgs));
}

module.exports = { preflight, selectionOf };
