/**
 * `npm run sweep`: the systematic fault-injection sweep of a driver, or the
 * replay of one of its runs (src/sweep/sweep-command.ts says how).
 *
 *   npm run sweep -- --driver <module> [--class <class>] [--max-runs N]
 *   npm run sweep -- --driver <module> --class <class> --fail <k> [--site '<call site>']
 *
 * Exit status: 0 when no run found anything, 1 when one did, 2 on a usage error.
 */
require('ts-node/register/transpile-only');
const { parseSweepArguments, runSweepCommand } = require('../src/sweep/sweep-command');

function main() {
  try {
    return runSweepCommand(parseSweepArguments(process.argv.slice(2)));
  } catch (e) {
    if (e && ['SweepUsageError', 'DriverLoadError', 'SweepIncomplete', 'RangeError'].includes(e.name)) {
      console.error(`sweep: ${e.message}`);
      return 2;
    }
    throw e;
  }
}

process.exitCode = main();
