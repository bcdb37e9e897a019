/**
 * A C driver named by --driver (.c sources, several comma-separated) is
 * compiled here, in the script's main process, before cucumber or the sweep
 * starts; what runs the scenarios gets the cached .wasm. A compile error
 * stops the run before any scenario, with the compiler's diagnostics.
 */
require('ts-node/register/transpile-only');
const { cSourcesOf } = require('../src/personalities/c-wasm/loader');
const { compileCDriver } = require('../src/personalities/c-wasm/compiler');

/** The driver path to hand on: the compiled .wasm for C sources, the path itself otherwise. */
async function compiledDriverPath(driver) {
  const sources = driver === undefined ? null : cSourcesOf(driver);
  if (!sources) return driver;
  const { wasmPath, cached } = await compileCDriver(sources);
  console.log(`C driver ${sources.join(' ')}: ${cached ? 'compiled module from the cache' : 'compiled'} ${wasmPath}`);
  return wasmPath;
}

module.exports = { compiledDriverPath };
