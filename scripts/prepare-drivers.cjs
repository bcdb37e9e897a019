/**
 * Before a script spreads the suite's drivers over worker processes: compile
 * every C driver the driver finder lists (src/conformance/<class>/faulty/*.c)
 * here, in the main process, once (the .wasm is cached by hash in
 * .cache/c-drivers/), so the workers only load it. A compile error stops the
 * script before any driver runs, with the compiler's diagnostics.
 */
require('ts-node/register/transpile-only');
const path = require('node:path');
const { ROOT } = require('./project-paths.cjs');
const { compileSuiteCDrivers } = require('../src/conformance/driver-finder');

/** Compile the suite's C drivers; resolves with a map from each .c file to its compiled .wasm. */
async function prepareSuiteDrivers() {
  return compileSuiteCDrivers((source, wasmPath, cached) => {
    console.log(`C driver ${path.relative(ROOT, source)}: ${cached ? 'compiled module from the cache' : 'compiled'} ${path.relative(ROOT, wasmPath)}`);
  });
}

module.exports = { prepareSuiteDrivers };
