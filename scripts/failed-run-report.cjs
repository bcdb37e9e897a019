/**
 * The report of a run that failed before any scenario ran: the previous
 * run's report is replaced by one page that says so and why, so an open
 * report tab never shows an old run as if it were this one. The trend
 * history (reports/allure-report/history/) is kept for the next real run.
 */
const fs = require('node:fs');
const path = require('node:path');
const { ALLURE_REPORT } = require('./project-paths.cjs');

function escapeHtml(text) {
  return String(text).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);
}

function failedRunPage(why, command) {
  return `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>DMA conformance: run failed before any scenario</title></head>
<body style="font-family: sans-serif; max-width: 60em; margin: 2em auto">
<h1>This run failed before any scenario</h1>
<pre style="white-space: pre-wrap; background: #fbeaea; padding: 1em">${escapeHtml(why)}</pre>
<p>No scenario ran, so there are no results; the previous run's report was removed so it is not taken for this run's.</p>
<p>Command: <code>${escapeHtml(command)}</code></p>
</body>
</html>
`;
}

/** Replaces the report with the failed-run page; returns the page's path. */
function writeFailedRunReport(why, command, reportDir = ALLURE_REPORT) {
  fs.mkdirSync(reportDir, { recursive: true });
  for (const entry of fs.readdirSync(reportDir)) {
    if (entry !== 'history') fs.rmSync(path.join(reportDir, entry), { recursive: true, force: true });
  }
  const index = path.join(reportDir, 'index.html');
  fs.writeFileSync(index, failedRunPage(why, command));
  return index;
}

module.exports = { writeFailedRunReport };
