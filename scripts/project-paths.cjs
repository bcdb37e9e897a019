/** Where the scripts find the project and write their output. */
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
// The tooling tests point the runner elsewhere (DMA_CONFORMANCE_REPORTS), so they never replace a user's report.
const REPORTS = process.env.DMA_CONFORMANCE_REPORTS ? path.resolve(process.env.DMA_CONFORMANCE_REPORTS) : path.join(ROOT, 'reports');

module.exports = {
  ROOT,
  REPORTS,
  ALLURE_RESULTS: path.join(REPORTS, 'allure-results'),
  ALLURE_REPORT: path.join(REPORTS, 'allure-report'),
  CUCUMBER_BIN: path.join(ROOT, 'node_modules', '@cucumber', 'cucumber', 'bin', 'cucumber.js'),
  ALLURE_BIN: path.join(ROOT, 'node_modules', 'allure-commandline', 'bin', 'allure'),
};
