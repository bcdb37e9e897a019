/**
 * A C driver named by --driver (.c sources, several comma-separated) is
 * compiled here, in the script's main process, before cucumber or the sweep
 * starts; what runs the scenarios gets the cached .wasm. A compile error
 * stops the run before any scenario, with the compiler's diagnostics.
 */
require('ts-node/register/transpile-only');
const { cSourcesOf } = require('../src/personalities/c-wasm/loader');
const { compileCDriver } = require('../src/personalities/c-wasm/compiler');

/**
 * `--checked` asks for a checked build of a C driver (every load and store checked, README):
 * removed from argv here, since it is no option of cucumber or the sweep.
 */
function takeCheckedOption(argv) {
  const at = argv.indexOf('--checked');
  if (at < 0) return false;
  argv.splice(at, 1);
  return true;
}

/** The driver path to hand on: the compiled .wasm for C sources, the path itself otherwise. */
async function compiledDriverPath(driver, checked = false) {
  const sources = driver === undefined ? null : cSourcesOf(driver);
  if (!sources) {
    if (checked) throw Object.assign(new Error('--checked applies to a C driver given as .c sources'), { name: 'CheckedBuildUsage' });
    return driver;
  }
  const { wasmPath, cached } = await compileCDriver(sources, process.cwd(), { checked });
  console.log(`C driver ${sources.join(' ')}${checked ? ' (checked build)' : ''}: ${cached ? 'compiled module from the cache' : 'compiled'} ${wasmPath}`);
  return wasmPath;
}

module.exports = { compiledDriverPath, takeCheckedOption };
