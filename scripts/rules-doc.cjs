/**
 * The rule catalog's document.
 *
 *   npm run rules                 writes docs/RULES.md from src/rules/rule-catalog.ts and the features' tags
 *   npm run rules -- --check      fails when docs/RULES.md is not what the code would write
 *   ... [--output <file>]         another file than docs/RULES.md (for tests)
 */
const fs = require('node:fs');
const path = require('node:path');
const { ROOT } = require('./project-paths.cjs');

require('ts-node/register/transpile-only');
const { RULES_DOCUMENT_PATH, renderRulesDocument } = require('../src/rules/rules-document');
const { taggedScenarios } = require('../src/rules/feature-rule-tags');

function parseArguments(argv) {
  const options = { check: false, output: RULES_DOCUMENT_PATH };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--check') options.check = true;
    else if (a === '--output') {
      const v = argv[++i];
      if (v === undefined) throw new Error('--output needs a file path');
      options.output = path.resolve(v);
    } else throw new Error(`unknown argument ${a} (accepted: --check, --output <file>)`);
  }
  return options;
}

function main() {
  let options;
  try {
    options = parseArguments(process.argv.slice(2));
  } catch (e) {
    console.error(`rules: ${e.message}`);
    return 2;
  }
  const document = renderRulesDocument(taggedScenarios());
  const shown = path.relative(ROOT, options.output) || options.output;
  if (options.check) {
    const current = fs.existsSync(options.output) ? fs.readFileSync(options.output, 'utf8') : null;
    if (current === document) {
      console.log(`rules: ${shown} is up to date`);
      return 0;
    }
    console.error(current === null ? `rules: ${shown} does not exist; run \`npm run rules\` to write it` : `rules: ${shown} is out of date with the rule catalog or the features' tags; run \`npm run rules\` and commit the result`);
    return 1;
  }
  fs.mkdirSync(path.dirname(options.output), { recursive: true });
  fs.writeFileSync(options.output, document);
  console.log(`rules: wrote ${shown}`);
  return 0;
}

process.exitCode = main();
