/**
 * Cucumber profiles.
 *
 *   default  a person at a terminal: progress bar (plain progress when
 *            not a terminal), Allure results
 *   ci       plain progress, JUnit XML, Cucumber HTML, Allure results
 *   fuzz     the ci outputs, restricted to scenarios tagged @fuzz
 *   sweep    the ci outputs, restricted to scenarios tagged @sweep
 *   steps    support code only, no formatters: used by scripts/check-steps.cjs
 *            and the tooling tests
 *
 * No profile names feature paths: cucumber then runs every feature under features/
 * when the command line names none, and only the named ones otherwise
 * (`cucumber-js --profile ci features/paging`). Paths in a profile would be
 * added to the command line's, not replaced by them.
 *
 * Steps run under ts-node in transpile-only mode, transpiled by swc with a
 * compile cache on disk (tsconfig.json, "ts-node"; scripts/swc-compile-cache.cjs),
 * so a process or --parallel worker reuses what an earlier one compiled; the
 * project is type-checked once by `npm run typecheck`, not by every cucumber
 * process and worker.
 */
const path = require('node:path');
const { ROOT, REPORTS } = require('./scripts/project-paths.cjs');

// Where the run's files go: reports/, or the folder the runner was pointed at
// (DMA_CONFORMANCE_REPORTS, which the command line's --out sets), named from
// the suite's folder, where cucumber runs.
const OUT = path.relative(ROOT, REPORTS).split(path.sep).join('/') || '.';
const RESULTS_DIR = `${OUT}/allure-results`;

/**
 * How tags become Allure labels and links. The epic and story (the rule
 * family and the rule) are not copied from the tags: the report's hook gives
 * them at the end of a scenario (steps/support/rule-labels.ts), because a
 * failed scenario is filed under the rule its diagnosis named.
 */
const allureOptions = {
  resultsDir: RESULTS_DIR,
  labels: [
    { name: 'severity', pattern: [/^@severity:/] },
  ],
  links: {
    // "@seed:000" cites a source document by its number; the seeds are not
    // published with the suite, so the link is a citation, not a location.
    seed: {
      pattern: [/^@seed:/],
      urlTemplate: (tag) => `seed:${tag.replace(/^@seed:/, '')}`,
    },
  },
};

// The Allure formatter (allure-cucumberjs, see scripts/allure-formatter.cjs)
// writes its results into resultsDir; its own output
// stream goes to a file so it cannot swallow the console formatter's output.
const allureFormat = `./scripts/allure-formatter.cjs:${RESULTS_DIR}/.formatter-output`;

const supportCode = {
  requireModule: ['ts-node/register/transpile-only'],
  // hooks.ts first: cucumber runs After hooks in the reverse order of their
  // definition, and the report's hook must run last, after the hook of
  // steps/support/outcome.ts has failed any scenario that left an outcome
  // unexamined, so that it sees the scenario as failed.
  require: ['steps/support/hooks.ts', 'steps/**/*.ts'],
};

const reported = {
  ...supportCode,
  formatOptions: allureOptions,
};

const ciFormats = ['progress', `junit:${OUT}/junit.xml`, `html:${OUT}/cucumber.html`, allureFormat];

module.exports = {
  default: {
    ...reported,
    // progress-bar needs a terminal; choosing here avoids cucumber's fallback warning.
    format: [process.stdout.isTTY ? 'progress-bar' : 'progress', allureFormat],
  },
  ci: {
    ...reported,
    format: ciFormats,
  },
  fuzz: {
    ...reported,
    format: ciFormats,
    tags: '@fuzz',
  },
  sweep: {
    ...reported,
    format: ciFormats,
    tags: '@sweep',
  },
  steps: {
    // No formatter here; the Allure options are for runs that add the
    // formatter on the command line with their own resultsDir (the tooling tests).
    ...reported,
  },
};
