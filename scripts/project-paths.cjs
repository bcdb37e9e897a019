/** Where the scripts find the project and write their output. */
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
// The tooling tests point the runner elsewhere (DMA_CONFORMANCE_REPORTS), so they never replace a user's report;
// the installed command line sets it from --out (bin/dma-conformance.cjs).
const REPORTS = process.env.DMA_CONFORMANCE_REPORTS ? path.resolve(process.env.DMA_CONFORMANCE_REPORTS) : path.join(ROOT, 'reports');

/**
 * The folder of a package the suite depends on, found the way require finds it: installed as
 * a dependency, the suite's packages may sit in the user's node_modules, not in ours.
 * (Not through require.resolve('<name>/package.json'): some packages do not export it.)
 */
function packageDirectory(name) {
  const found = (require.resolve.paths(name) ?? []).map((dir) => path.join(dir, name)).find((dir) => fs.existsSync(path.join(dir, 'package.json')));
  // Not installed: the suite's own place for it, so the command that needs it fails there, naming that path.
  return found ?? path.join(ROOT, 'node_modules', name);
}

module.exports = {
  ROOT,
  REPORTS,
  ALLURE_RESULTS: path.join(REPORTS, 'allure-results'),
  ALLURE_REPORT: path.join(REPORTS, 'allure-report'),
  CUCUMBER_BIN: path.join(packageDirectory('@cucumber/cucumber'), 'bin', 'cucumber.js'),
  ALLURE_BIN: path.join(packageDirectory('allure-commandline'), 'bin', 'allure'),
  packageDirectory,
};
