/**
 * Finds feature steps that no step definition matches (undefined) or that
 * several match (ambiguous), and rule tags that name no rule of the catalog
 * (docs/RULES.md) nor a verifier catalog entry, each with its feature file
 * and line.
 *
 *   node scripts/check-steps.cjs [--messages <file.ndjson>] [--require <support file>] [feature paths ...]
 *
 * Without paths it checks features/**\/*.feature, against the step
 * definitions under steps/ (plus any --require'd files). Cucumber's --dry-run exits 0
 * even when steps are undefined, and the Allure report shows such scenarios as
 * passed, so this check reads the dry run's message stream instead: a test
 * step with no step definition is undefined, one with several is ambiguous.
 */
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { ROOT, REPORTS, CUCUMBER_BIN } = require('./project-paths.cjs');

require('ts-node/register/transpile-only');
const { ruleFamily } = require('../steps/support/rule-labels');

function parseArguments(argv) {
  const options = { messages: path.join(REPORTS, 'steps.ndjson'), require: [], paths: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--messages') {
      if (argv[i + 1] === undefined) throw new Error('--messages needs a file path');
      options.messages = path.resolve(argv[++i]);
    } else if (a.startsWith('--messages=')) {
      options.messages = path.resolve(a.slice('--messages='.length));
    } else if (a === '--require') {
      if (argv[i + 1] === undefined) throw new Error('--require needs a file path');
      options.require.push(argv[++i]);
    } else if (a.startsWith('-')) {
      throw new Error(`unknown option ${a} (accepted: --messages <file>, --require <file>, then feature paths)`);
    } else {
      options.paths.push(a);
    }
  }
  if (options.paths.length === 0) options.paths.push('features/**/*.feature');
  return options;
}

function dryRun(options) {
  fs.mkdirSync(path.dirname(options.messages), { recursive: true });
  fs.rmSync(options.messages, { force: true });
  const run = spawnSync(
    process.execPath,
    [
      CUCUMBER_BIN, '--profile', 'steps', '--dry-run', '--format', `message:${options.messages}`,
      ...options.require.flatMap((file) => ['--require', file]),
      ...options.paths,
    ],
    { cwd: ROOT, encoding: 'utf8' },
  );
  if (run.error) throw run.error;
  if (!fs.existsSync(options.messages)) {
    throw new Error(`cucumber wrote no messages (exit ${run.status}):\n${run.stdout}${run.stderr}`);
  }
  return run;
}

/** Every Gherkin step and tag by its AST id: where it is and how it reads. */
function indexGherkinDocument(document, steps, tags) {
  const addTags = (list) => {
    for (const t of list ?? []) tags.set(t.id, { uri: document.uri, line: t.location.line, name: t.name });
  };
  addTags(document.feature?.tags);
  const visitChildren = (children) => {
    for (const child of children ?? []) {
      addTags(child.scenario?.tags);
      addTags(child.rule?.tags);
      for (const ex of child.scenario?.examples ?? []) addTags(ex.tags);
      const container = child.background ?? child.scenario;
      if (container) for (const s of container.steps) steps.set(s.id, { uri: document.uri, line: s.location.line, keyword: s.keyword.trim() });
      if (child.scenario?.examples) {
        for (const ex of child.scenario.examples) for (const row of ex.tableBody ?? []) steps.set(row.id, { uri: document.uri, line: row.location.line, keyword: '' });
      }
      if (child.rule) visitChildren(child.rule.children);
    }
  };
  visitChildren(document.feature?.children);
}

function checkMessages(ndjson) {
  const gherkinSteps = new Map();
  const gherkinTags = new Map();
  const pickles = new Map();
  const pickleSteps = new Map();
  const stepDefinitions = new Map();
  const testCases = [];
  const undefinedParameterTypes = [];
  const parseErrors = [];
  const features = new Set();

  for (const line of ndjson.split('\n')) {
    if (line.trim() === '') continue;
    const envelope = JSON.parse(line);
    if (envelope.gherkinDocument) {
      features.add(envelope.gherkinDocument.uri);
      indexGherkinDocument(envelope.gherkinDocument, gherkinSteps, gherkinTags);
    } else if (envelope.pickle) {
      pickles.set(envelope.pickle.id, envelope.pickle);
      for (const s of envelope.pickle.steps) pickleSteps.set(s.id, s);
    } else if (envelope.stepDefinition) {
      stepDefinitions.set(envelope.stepDefinition.id, envelope.stepDefinition);
    } else if (envelope.testCase) {
      testCases.push(envelope.testCase);
    } else if (envelope.undefinedParameterType) {
      undefinedParameterTypes.push(envelope.undefinedParameterType);
    } else if (envelope.parseError) {
      parseErrors.push(envelope.parseError);
    }
  }

  const where = (pickleStep) => {
    const [stepId, rowId] = pickleStep.astNodeIds;
    const step = gherkinSteps.get(stepId);
    const row = rowId ? gherkinSteps.get(rowId) : undefined;
    const place = step ? `${step.uri}:${step.line}` : '(unknown location)';
    return { place: row ? `${place} (example row at line ${row.line})` : place, keyword: step?.keyword ?? '' };
  };
  const definitionSource = (id) => {
    const d = stepDefinitions.get(id);
    if (!d) return `(step definition ${id})`;
    const ref = d.sourceReference;
    return `${ref.uri}:${ref.location?.line ?? '?'} "${d.pattern.source}"`;
  };

  const problems = [];
  let undefinedCount = 0;
  let ambiguousCount = 0;
  let stepCount = 0;
  for (const testCase of testCases) {
    for (const testStep of testCase.testSteps) {
      if (!testStep.pickleStepId) continue; // a hook
      stepCount++;
      const pickleStep = pickleSteps.get(testStep.pickleStepId);
      const { place, keyword } = where(pickleStep);
      const ids = testStep.stepDefinitionIds ?? [];
      if (ids.length === 0) {
        undefinedCount++;
        problems.push(`undefined  ${place}  ${keyword} ${pickleStep.text}`.trimEnd());
      } else if (ids.length > 1) {
        ambiguousCount++;
        problems.push(`ambiguous  ${place}  ${keyword} ${pickleStep.text}`);
        for (const id of ids) problems.push(`             matched by ${definitionSource(id)}`);
      }
    }
  }
  const checkedTags = new Set();
  let malformedTagCount = 0;
  for (const pickle of pickles.values()) {
    for (const tag of pickle.tags) {
      if (!tag.name.startsWith('@rule:') || checkedTags.has(tag.astNodeId)) continue;
      checkedTags.add(tag.astNodeId);
      try {
        ruleFamily(tag.name);
      } catch (e) {
        malformedTagCount++;
        const at = gherkinTags.get(tag.astNodeId);
        problems.push(`rule tag   ${at ? `${at.uri}:${at.line}` : pickle.uri}  ${e.message}`);
      }
    }
  }
  for (const p of undefinedParameterTypes) {
    problems.push(`undefined parameter type {${p.name}} used in step definition "${p.expression}"`);
  }
  for (const e of parseErrors) {
    problems.push(`parse error  ${e.source?.uri ?? ''}:${e.source?.location?.line ?? '?'}  ${e.message}`);
  }

  const summary =
    `check-steps: ${features.size} feature file(s), ${testCases.length} scenario(s), ${stepCount} step(s): ` +
    `${undefinedCount} undefined, ${ambiguousCount} ambiguous` +
    (malformedTagCount ? `, ${malformedTagCount} malformed rule tag(s)` : '') +
    (undefinedParameterTypes.length ? `, ${undefinedParameterTypes.length} undefined parameter type(s)` : '') +
    (parseErrors.length ? `, ${parseErrors.length} parse error(s)` : '');
  return { problems, summary, ok: problems.length === 0 };
}

module.exports = { checkMessages, dryRun };

if (require.main === module) {
  let options;
  try {
    options = parseArguments(process.argv.slice(2));
  } catch (e) {
    console.error(`check-steps: ${e.message}`);
    process.exit(2);
  }
  const run = dryRun(options);
  const result = checkMessages(fs.readFileSync(options.messages, 'utf8'));
  for (const p of result.problems) console.log(p);
  if (run.status !== 0) {
    // The dry run itself failed (support code did not load, a feature did not parse): show why.
    process.stderr.write(run.stdout + run.stderr);
    console.error(`${result.summary}; cucumber's dry run exited with ${run.status}`);
    process.exit(1);
  }
  console.log(result.summary);
  process.exit(result.ok ? 0 : 1);
}
