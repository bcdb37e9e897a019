/**
 * Prints the step vocabulary: every step definition's expression, grouped by
 * the file that defines it, with its line.
 *
 *   npm run steps [-- word]     only the expressions containing the word
 */
const fs = require('node:fs');
const path = require('node:path');
const { REPORTS } = require('./project-paths.cjs');
const { dryRun } = require('./check-steps.cjs');

const word = process.argv[2]?.toLowerCase();
const messages = path.join(REPORTS, 'step-definitions.ndjson');
// A dry run over no feature files still loads and reports every step definition.
const run = dryRun({ messages, require: [], paths: [path.join(REPORTS, 'no-features-here')] });

const byFile = new Map();
for (const line of fs.readFileSync(messages, 'utf8').split('\n')) {
  if (line.trim() === '') continue;
  const definition = JSON.parse(line).stepDefinition;
  if (!definition) continue;
  const text = definition.pattern.source;
  if (word && !text.toLowerCase().includes(word)) continue;
  const { uri, location } = definition.sourceReference;
  if (!byFile.has(uri)) byFile.set(uri, []);
  byFile.get(uri).push({ line: location?.line ?? 0, text });
}
if (run.status !== 0) {
  console.error(`list-steps: cucumber could not load the step definitions:\n${run.stdout}${run.stderr}`);
  process.exit(1);
}
if (byFile.size === 0) console.log(word ? `no step definition contains "${process.argv[2]}"` : 'no step definitions found under steps/');
for (const [uri, definitions] of [...byFile].sort(([a], [b]) => a.localeCompare(b))) {
  console.log(uri);
  for (const d of definitions.sort((a, b) => a.line - b.line)) console.log(`  ${String(d.line).padStart(4)}  ${d.text}`);
}
