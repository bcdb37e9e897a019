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
const { compiledDriverPath, takeCheckedOption } = require('./c-driver.cjs');

async function main() {
  try {
    const argv = process.argv.slice(2);
    const checked = takeCheckedOption(argv);
    const at = argv.findIndex((a) => a === '--driver' || a.startsWith('--driver='));
    if (at >= 0 && argv[at] === '--driver' && argv[at + 1] !== undefined) argv[at + 1] = await compiledDriverPath(argv[at + 1], checked);
    else if (at >= 0) argv[at] = `--driver=${await compiledDriverPath(argv[at].slice('--driver='.length), checked)}`;
    return runSweepCommand(parseSweepArguments(argv));
  } catch (e) {
    if (e && ['SweepUsageError', 'DriverLoadError', 'SweepIncomplete', 'RangeError', 'CCompileError', 'CheckedBuildUsage'].includes(e.name)) {
      console.error(`sweep: ${e.message}`);
      return 2;
    }
    throw e;
  }
}

main().then((status) => { process.exitCode = status; });
