/**
 * The step vocabulary.
 *
 *   npm run steps                          writes docs/STEPS.md (every step, by topic, with an example)
 *   npm run steps -- --check               fails when docs/STEPS.md is not what the code would write
 *   npm run steps -- word                  prints the step expressions containing the word, with file and line
 *   ... [--output <file>]                  another file than docs/STEPS.md (for tests)
 *   ... [--require <support file>]         extra step definitions besides steps/ (for tests)
 *
 * It dry-runs every feature, so the examples come from real features.
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { ROOT } = require('./project-paths.cjs');
const { dryRun } = require('./check-steps.cjs');
const { renderStepsDocument } = require('./steps-document.cjs');

const STEPS_DOCUMENT = path.join(ROOT, 'docs', 'STEPS.md');

function parseArguments(argv) {
  const options = { check: false, output: STEPS_DOCUMENT, require: [], word: undefined };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--check') options.check = true;
    else if (a === '--output' || a === '--require') {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a file path`);
      if (a === '--output') options.output = path.resolve(v);
      else options.require.push(path.resolve(v)); // the caller's path; cucumber runs in the suite's folder
    } else if (a.startsWith('-')) throw new Error(`unknown option ${a} (accepted: --check, --output <file>, --require <file>, or a word to search for)`);
    else if (options.word === undefined) options.word = a.toLowerCase();
    else throw new Error(`search for one word at a time (got "${options.word}" and "${a}")`);
  }
  return options;
}

function main() {
  let options;
  try {
    options = parseArguments(process.argv.slice(2));
  } catch (e) {
    console.error(`steps: ${e.message}`);
    return 2;
  }
  // One file per process, so that runs side by side (the tests) do not share it.
  const messages = path.join(os.tmpdir(), `dma-conformance-steps-${process.pid}.ndjson`);
  let ndjson;
  try {
    const run = dryRun({ messages, require: options.require, paths: ['features/**/*.feature'] });
    if (run.status !== 0) {
      console.error(`steps: cucumber could not load the step definitions or the features:\n${run.stdout}${run.stderr}`);
      return 1;
    }
    ndjson = fs.readFileSync(messages, 'utf8');
  } finally {
    fs.rmSync(messages, { force: true });
  }

  if (options.word !== undefined) {
    const found = ndjson
      .split('\n')
      .filter((l) => l.includes('"stepDefinition"'))
      .map((l) => JSON.parse(l).stepDefinition)
      .filter((d) => d.pattern.source.toLowerCase().includes(options.word))
      .sort((a, b) => a.sourceReference.uri.localeCompare(b.sourceReference.uri) || a.sourceReference.location.line - b.sourceReference.location.line);
    if (found.length === 0) console.log(`no step definition contains "${options.word}"`);
    // cucumber names files from the suite's folder; the caller reads them from theirs
    const shown = (uri) => path.relative(process.cwd(), path.resolve(ROOT, uri));
    for (const d of found) console.log(`${shown(d.sourceReference.uri)}:${d.sourceReference.location.line}  ${d.pattern.source}`);
    return 0;
  }

  const document = renderStepsDocument(ndjson, (uri) => fs.readFileSync(path.resolve(ROOT, uri), 'utf8'));
  const shown = path.relative(ROOT, options.output) || options.output;
  if (options.check) {
    const current = fs.existsSync(options.output) ? fs.readFileSync(options.output, 'utf8') : null;
    if (current === document) {
      console.log(`steps: ${shown} is up to date`);
      return 0;
    }
    const lines = [current ?? '', document].map((t) => t.split('\n'));
    const firstDifference = Array.from({ length: Math.max(lines[0].length, lines[1].length) }, (_, i) => i).find((i) => lines[0][i] !== lines[1][i]) ?? 0;
    console.error(
      current === null
        ? `steps: ${shown} does not exist; run \`npm run steps\` to write it`
        : `steps: ${shown} is out of date with the step definitions or the features (first difference at line ${firstDifference + 1}); run \`npm run steps\` and commit the result`,
    );
    return 1;
  }
  fs.mkdirSync(path.dirname(options.output), { recursive: true });
  fs.writeFileSync(options.output, document);
  console.log(`steps: wrote ${shown}`);
  return 0;
}

process.exitCode = main();
