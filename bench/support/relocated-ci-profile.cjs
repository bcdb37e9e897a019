/**
 * The repository's cucumber `ci` profile with every output moved from
 * reports/ into another directory, so a benchmark run of the suite leaves
 * reports/ alone. With `floor`, the same formatters over other features and
 * step files (the no-op floor of bench/acceptance-suite.bench.ts).
 *
 * A cucumber configuration file written by the benchmark calls this:
 *   module.exports = { bench: require('<this file>')(outputDir, floor) };
 */
const path = require('node:path');

const ROOT = path.join(__dirname, '..', '..');

/** "junit:reports/junit.xml" -> "junit:<outputDir>/junit.xml"; "./scripts/x.cjs:..." -> absolute. */
function moveFormat(format, outputDir) {
  return format
    .replace(/(^|:)(\.\/)?reports\//, (_match, separator) => `${separator}${outputDir}/`)
    .replace(/^\.\/scripts\//, `${path.join(ROOT, 'scripts')}/`);
}

module.exports = function relocatedCiProfile(outputDir, floor) {
  const { ci } = require(path.join(ROOT, 'cucumber.cjs'));
  if (!ci || !Array.isArray(ci.format)) throw new Error('cucumber.cjs has no ci profile with a format list');
  const profile = {
    ...ci,
    format: ci.format.map((f) => moveFormat(f, outputDir)),
    formatOptions: { ...(ci.formatOptions || {}), resultsDir: path.join(outputDir, 'allure-results') },
  };
  if (!floor) return profile;
  return { ...profile, paths: [floor.features], require: [floor.steps], requireModule: [] };
};

module.exports.moveFormat = moveFormat;
