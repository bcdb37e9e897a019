/**
 * Empties reports/allure-results before a run, so the report shows this run
 * only (the trend history is carried by the previous report, see report.cjs).
 */
const fs = require('node:fs');
const { ALLURE_RESULTS } = require('./project-paths.cjs');

function clearResults() {
  fs.rmSync(ALLURE_RESULTS, { recursive: true, force: true });
  fs.mkdirSync(ALLURE_RESULTS, { recursive: true });
}

module.exports = { clearResults };

if (require.main === module) clearResults();
