/**
 * Renders docs/STEPS.md, the step vocabulary, from a cucumber dry run's
 * message stream (scripts/check-steps.cjs dryRun over every feature): every
 * step definition grouped by the file that defines it (its topic), with the
 * parameter types it takes and one example taken from a feature that uses it.
 * Generated from the step definitions themselves, so it cannot drift from
 * them; test/tooling/steps-document.test.ts fails when the file is stale.
 */
const fs = require('node:fs');
const path = require('node:path');

/** Cucumber's own parameter types, as a feature writer sees them. */
const BUILT_IN_PARAMETER_TYPES = {
  int: 'a whole number: `12`, `-3`',
  float: 'a decimal number: `1.5`',
  word: 'one word without spaces: `STATUS_ACCESS_VIOLATION`, `MmProbeAndLockPages`',
  string: 'text in double or single quotes: `"app.exe"`; the step receives the text without quotes',
  '': 'anything (an anonymous parameter)',
  bigdecimal: 'a decimal number',
  biginteger: 'a whole number',
  byte: 'a whole number',
  short: 'a whole number',
  long: 'a whole number',
  double: 'a decimal number',
};

/** Words of step file names that are written in capitals (or otherwise) in a title. */
const ACRONYMS = { mdl: 'MDL', mdls: 'MDLs', dma: 'DMA', hal: 'HAL', pci: 'PCI', irp: 'IRP', irps: 'IRPs', io: 'I/O', sg: 'Scatter/gather', gpu: 'GPU', iommu: 'IOMMU', dpc: 'DPC', isr: 'ISR' };

const KEYWORD_OF_TYPE = { Context: 'Given', Action: 'When', Outcome: 'Then' };

function readMessages(ndjson) {
  const m = { definitions: [], parameterTypes: [], pickles: new Map(), pickleSteps: new Map(), testCases: [], stepLines: new Map() };
  for (const line of ndjson.split('\n')) {
    if (line.trim() === '') continue;
    const e = JSON.parse(line);
    if (e.stepDefinition) m.definitions.push(e.stepDefinition);
    else if (e.parameterType) m.parameterTypes.push(e.parameterType);
    else if (e.pickle) {
      m.pickles.set(e.pickle.id, e.pickle);
      for (const s of e.pickle.steps) m.pickleSteps.set(s.id, { step: s, pickle: e.pickle });
    } else if (e.testCase) m.testCases.push(e.testCase);
    else if (e.gherkinDocument) {
      const visit = (children) => {
        for (const c of children ?? []) {
          for (const s of (c.background ?? c.scenario)?.steps ?? []) m.stepLines.set(s.id, s.location.line);
          for (const ex of c.scenario?.examples ?? []) for (const row of ex.tableBody ?? []) m.stepLines.set(row.id, row.location.line);
          if (c.rule) visit(c.rule.children);
        }
      };
      visit(e.gherkinDocument.feature?.children);
    }
  }
  return m;
}

/** The `{name}` parameters of a cucumber expression, in order (escaped braces are text). */
function expressionParameters(source) {
  return [...source.matchAll(/(?<!\\)\{([^}]*)\}/g)].map((x) => x[1]);
}

/** First sentence of the file's leading doc comment: the topic's description. */
function topicOf(file, source) {
  const comment = /^\s*\/\*\*([\s\S]*?)\*\//.exec(source)?.[1] ?? '';
  const text = comment
    .split('\n')
    .map((l) => l.replace(/^\s*\*\s?/, '').trim())
    .join(' ')
    .trim();
  const sentence = /^(.*?\.)(\s|$)/.exec(text)?.[1] ?? text;
  const words = path.basename(file).replace(/\.steps\.[cm]?[jt]s$|\.[cm]?[jt]s$/, '').split(/[-_ ]/);
  const title = words.map((w, i) => ACRONYMS[w.toLowerCase()] ?? (i === 0 ? w.charAt(0).toUpperCase() + w.slice(1) : w)).join(' ');
  return { title, description: sentence };
}

function cell(text) {
  return String(text).replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

/** Code span that survives backticks in the text. */
function code(text) {
  const ticks = /`/.test(text) ? '`` ' : '`';
  return `${ticks}${text}${ticks === '`` ' ? ' ``' : '`'}`;
}

/**
 * @param {string} ndjson the dry run's messages
 * @param {(uri: string) => string} readSource the text of a step definition file
 */
function renderStepsDocument(ndjson, readSource) {
  const m = readMessages(ndjson);

  // Every use of every definition, in feature order: the first is the example.
  const uses = new Map();
  const parameterValues = new Map();
  for (const tc of m.testCases) {
    for (const ts of tc.testSteps) {
      if (!ts.pickleStepId || (ts.stepDefinitionIds ?? []).length !== 1) continue;
      const { step, pickle } = m.pickleSteps.get(ts.pickleStepId);
      const id = ts.stepDefinitionIds[0];
      const line = m.stepLines.get(step.astNodeIds[step.astNodeIds.length - 1]) ?? m.stepLines.get(step.astNodeIds[0]) ?? 0;
      const argument = step.argument?.dataTable ? 'a data table' : step.argument?.docString ? 'a doc string' : null;
      const use = { text: step.text, keyword: KEYWORD_OF_TYPE[step.type] ?? '*', uri: pickle.uri, line, argument };
      if (!uses.has(id)) uses.set(id, []);
      uses.get(id).push(use);
      for (const arg of ts.stepMatchArgumentsLists?.[0]?.stepMatchArguments ?? []) {
        const name = arg.parameterTypeName ?? '';
        if (!parameterValues.has(name)) parameterValues.set(name, []);
        parameterValues.get(name).push({ value: arg.group.value, uri: pickle.uri, line });
      }
    }
  }
  const byPlace = (a, b) => a.uri.localeCompare(b.uri) || a.line - b.line || a.text.localeCompare(b.text);

  const files = new Map();
  for (const d of m.definitions) {
    const uri = d.sourceReference.uri;
    if (!files.has(uri)) files.set(uri, []);
    files.get(uri).push(d);
  }
  const fileOrder = [...files.keys()].sort();
  const used = new Set(m.definitions.flatMap((d) => (d.pattern.type === 'CUCUMBER_EXPRESSION' ? expressionParameters(d.pattern.source) : [])));
  const customTypes = [...m.parameterTypes].sort((a, b) => a.name.localeCompare(b.name));
  const examplesOf = (name) => {
    const seen = [];
    for (const v of (parameterValues.get(name) ?? []).sort((a, b) => a.uri.localeCompare(b.uri) || a.line - b.line)) {
      if (!seen.includes(v.value)) seen.push(v.value);
      if (seen.length === 4) break;
    }
    return seen.length ? seen.map(code).join(', ') : '(no feature uses it yet)';
  };

  const out = [];
  out.push('# Step vocabulary');
  out.push('');
  out.push('<!-- Generated by `npm run steps` from the step definitions under steps/ and the features under features/; do not edit by hand. -->');
  out.push('');
  out.push(
    `${m.definitions.length} step definitions in ${fileOrder.length} files. A step in a feature may start with any of Given, When, Then, And, But: ` +
      'cucumber matches the text after the keyword. Write a new feature from these steps (docs/WRITING-FEATURES.md says how); ' +
      'each example is a real step of a feature, with the place it comes from.',
  );
  out.push('');
  out.push('How to read a step expression: `{size}` is a parameter (types below); `(s)` is optional text, so `page(s)` matches "page" and "pages";');
  out.push('`a/b` is an alternative, so `lock/unlock` matches "lock" or "unlock"; `\\/` is a literal slash ("I\\/O" matches "I/O").');
  out.push('');
  out.push('## Parameter types');
  out.push('');
  out.push('| Type | Matches | Examples from the features |');
  out.push('|---|---|---|');
  for (const t of customTypes) {
    const where = t.sourceReference?.uri ? ` (defined in ${t.sourceReference.uri})` : '';
    out.push(`| ${code(`{${t.name}}`)} | ${cell(code(t.regularExpressions.join(' or ')))}${cell(where)} | ${cell(examplesOf(t.name))} |`);
  }
  for (const name of Object.keys(BUILT_IN_PARAMETER_TYPES)) {
    if (!used.has(name) || customTypes.some((t) => t.name === name)) continue;
    out.push(`| ${code(`{${name}}`)} | ${cell(BUILT_IN_PARAMETER_TYPES[name])} (cucumber's own) | ${cell(examplesOf(name))} |`);
  }
  out.push('');
  out.push('A value that does not read as its type (`8 MeB`, `1,000 bytes`, `0xZZ`) fails its step with a message naming the problem.');
  out.push('');
  out.push('## Steps by topic');
  out.push('');
  for (const uri of fileOrder) {
    const { title, description } = topicOf(uri, readSource(uri));
    out.push(`- [${title}](#${title.toLowerCase().replace(/[^a-z0-9 -]/g, '').replace(/ /g, '-')}) (${files.get(uri).length})`);
  }
  for (const uri of fileOrder) {
    const { title, description } = topicOf(uri, readSource(uri));
    out.push('');
    out.push(`### ${title}`);
    out.push('');
    out.push(`${description ? `${description} ` : ''}Defined in \`${uri}\`.`);
    out.push('');
    out.push('| Step | Parameters | Example |');
    out.push('|---|---|---|');
    for (const d of files.get(uri).sort((a, b) => (a.sourceReference.location?.line ?? 0) - (b.sourceReference.location?.line ?? 0))) {
      const isExpression = d.pattern.type === 'CUCUMBER_EXPRESSION';
      const pattern = isExpression ? d.pattern.source : `/${d.pattern.source}/`;
      const parameters = isExpression ? expressionParameters(d.pattern.source).map((p) => code(`{${p}}`)).join(', ') : 'regular expression';
      const first = (uses.get(d.id) ?? []).sort(byPlace)[0];
      const example = first
        ? `${code(`${first.keyword} ${first.text}`)}${first.argument ? `, followed by ${first.argument}` : ''} (${first.uri}:${first.line})`
        : '(no feature uses this step yet)';
      out.push(`| ${cell(code(pattern))} | ${cell(parameters || '-')} | ${cell(example)} |`);
    }
  }
  out.push('');
  return out.join('\n');
}

module.exports = { renderStepsDocument, expressionParameters };
