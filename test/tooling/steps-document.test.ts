import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { ROOT, runNode, temporaryFolder } from './run-cucumber';

const LIST_STEPS = path.join(ROOT, 'scripts', 'list-steps.cjs');
const STEPS_DOCUMENT = path.join(ROOT, 'docs', 'STEPS.md');
const CUCUMBER_MODULE = path.join(ROOT, 'node_modules', '@cucumber', 'cucumber');

const dir = temporaryFolder({
  'documentation-test.steps.cjs': [
    `const { Given } = require(${JSON.stringify(CUCUMBER_MODULE)});`,
    `Given('a step only the documentation test defines {count} times', function () {});`,
    '',
  ].join('\n'),
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

// Each run dry-runs every feature (a few seconds), so the two go side by side.
describe('docs/STEPS.md, the step vocabulary', { concurrency: true }, () => {
  it('is what `npm run steps` writes from the step definitions and features as they are now', async () => {
    const run = await runNode([LIST_STEPS, '--check']);
    assert.equal(run.status, 0, `${run.output}\ndocs/STEPS.md is stale: run \`npm run steps\` and commit docs/STEPS.md`);
  });

  it('goes stale when a step is added, and the check says to run `npm run steps`', async () => {
    const stale = path.join(dir, 'STEPS.md');
    fs.copyFileSync(STEPS_DOCUMENT, stale);
    const run = await runNode([LIST_STEPS, '--check', '--output', stale, '--require', path.join(dir, 'documentation-test.steps.cjs')]);
    assert.equal(run.status, 1, run.output);
    assert.match(run.output, /STEPS\.md is out of date with the step definitions or the features \(first difference at line \d+\); run `npm run steps`/);
  });
});

/** Messages of a dry run, as cucumber writes them, for the renderer alone. */
function envelopes(...items: object[]): string {
  return items.map((e) => JSON.stringify(e)).join('\n') + '\n';
}

describe('rendering the step vocabulary', () => {
  const { renderStepsDocument } = require('../../scripts/steps-document.cjs') as { renderStepsDocument: (ndjson: string, read: (uri: string) => string) => string };
  const sources: Record<string, string> = {
    'steps/flush-io.steps.ts': '/**\n * Steps about flushing adapter buffers. More words here.\n */\n',
  };
  const ndjson = envelopes(
    { parameterType: { id: 'p1', name: 'size', regularExpressions: ['\\d+ bytes'], sourceReference: { uri: 'steps/support/parameter-types.ts', location: { line: 3 } } } },
    { stepDefinition: { id: 's1', pattern: { source: 'the driver {string} flushes {size} of MDL {string}', type: 'CUCUMBER_EXPRESSION' }, sourceReference: { uri: 'steps/flush-io.steps.ts', location: { line: 9 } } } },
    { stepDefinition: { id: 's2', pattern: { source: 'the I\\/O manager waits/idles', type: 'CUCUMBER_EXPRESSION' }, sourceReference: { uri: 'steps/flush-io.steps.ts', location: { line: 4 } } } },
    { gherkinDocument: { uri: 'features/x/b.feature', feature: { children: [{ scenario: { steps: [{ id: 'g1', location: { line: 7 } }] } }] } } },
    { gherkinDocument: { uri: 'features/x/a.feature', feature: { children: [{ scenario: { steps: [{ id: 'g2', location: { line: 5 } }] } }] } } },
    { pickle: { id: 'k1', uri: 'features/x/b.feature', steps: [{ id: 'ps1', text: 'the driver "z.sys" flushes 8 bytes of MDL "Z"', type: 'Outcome', astNodeIds: ['g1'] }] } },
    { pickle: { id: 'k2', uri: 'features/x/a.feature', steps: [{ id: 'ps2', text: 'the driver "a.sys" flushes 4 bytes of MDL "A"', type: 'Action', astNodeIds: ['g2'], argument: { dataTable: { rows: [] } } }] } },
    {
      testCase: {
        id: 't1',
        pickleId: 'k1',
        testSteps: [{ id: 'x1', pickleStepId: 'ps1', stepDefinitionIds: ['s1'], stepMatchArgumentsLists: [{ stepMatchArguments: [{ group: { value: '"z.sys"' }, parameterTypeName: 'string' }, { group: { value: '8 bytes' }, parameterTypeName: 'size' }] }] }],
      },
    },
    {
      testCase: {
        id: 't2',
        pickleId: 'k2',
        testSteps: [{ id: 'x2', pickleStepId: 'ps2', stepDefinitionIds: ['s1'], stepMatchArgumentsLists: [{ stepMatchArguments: [{ group: { value: '4 bytes' }, parameterTypeName: 'size' }] }] }],
      },
    },
  );
  const document = renderStepsDocument(ndjson, (uri) => sources[uri] ?? '');

  it('gives each step file a topic titled from its name and described by its comment', () => {
    assert.match(document, /- \[Flush I\/O\]\(#flush-io\) \(2\)/);
    assert.match(document, /### Flush I\/O\n\nSteps about flushing adapter buffers\. Defined in `steps\/flush-io\.steps\.ts`\./);
  });

  it('lists steps in source order with their parameter types, and the first use in feature order as the example', () => {
    const rows = document.split('\n').filter((l) => l.startsWith('| `the '));
    assert.deepEqual(rows, [
      '| `the I\\/O manager waits/idles` | - | (no feature uses this step yet) |',
      '| `the driver {string} flushes {size} of MDL {string}` | `{string}`, `{size}`, `{string}` | `When the driver "a.sys" flushes 4 bytes of MDL "A"`, followed by a data table (features/x/a.feature:5) |',
    ]);
  });

  it('lists the parameter types with values the features give them', () => {
    assert.ok(document.includes('| `{size}` | `\\d+ bytes` (defined in steps/support/parameter-types.ts) | `4 bytes`, `8 bytes` |'), document);
    assert.match(document, /\| `\{string\}` \| text in double or single quotes.*\(cucumber's own\) \| `"z\.sys"` \|/);
    assert.match(document, /^2 step definitions in 1 files\./m);
  });
});
