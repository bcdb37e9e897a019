import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { ROOT, runNode, temporaryFolder } from './run-cucumber';

const LIST_STEPS = path.join(ROOT, 'scripts', 'list-steps.cjs');
const STEPS_DOCUMENT = path.join(ROOT, 'docs', 'STEPS.md');
const CUCUMBER_MODULE = path.join(ROOT, 'node_modules', '@cucumber', 'cucumber');
const NEW_STEP = 'a step only the documentation test defines {count} times';

const dir = temporaryFolder({
  'documentation-test.steps.cjs': [
    '/** Steps the documentation test adds to the vocabulary. */',
    `const { Given } = require(${JSON.stringify(CUCUMBER_MODULE)});`,
    `Given(${JSON.stringify(NEW_STEP)}, function () {});`,
    '',
  ].join('\n'),
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));
const extraSteps = ['--require', path.join(dir, 'documentation-test.steps.cjs')];

// Each run dry-runs every feature (a few seconds), so the runs go side by side.
describe('docs/STEPS.md, the step vocabulary', { concurrency: true }, () => {
  it('is what `npm run steps` writes from the step definitions and features as they are now', async () => {
    const run = await runNode([LIST_STEPS, '--check']);
    assert.equal(run.status, 0, `${run.output}\ndocs/STEPS.md is stale: run \`npm run steps\` and commit docs/STEPS.md`);
  });

  it('goes stale when a step is added, and the check says to run `npm run steps`', async () => {
    const stale = path.join(dir, 'STEPS.md');
    fs.copyFileSync(STEPS_DOCUMENT, stale);
    const run = await runNode([LIST_STEPS, '--check', '--output', stale, ...extraSteps]);
    assert.equal(run.status, 1, run.output);
    assert.match(run.output, /STEPS\.md is out of date with the step definitions or the features \(first difference at line \d+\); run `npm run steps`/);
  });

  it('lists a new step under its file\'s topic, with its parameter types, and says no feature uses it yet', async () => {
    const written = path.join(dir, 'STEPS-with-new-step.md');
    const run = await runNode([LIST_STEPS, '--output', written, ...extraSteps]);
    assert.equal(run.status, 0, run.output);
    const document = fs.readFileSync(written, 'utf8');
    assert.match(document, /### Documentation test\n\nSteps the documentation test adds to the vocabulary\. Defined in `.*documentation-test\.steps\.cjs`\./);
    assert.ok(document.includes(`| \`${NEW_STEP}\` | \`{count}\` | (no feature uses this step yet) |`), document);
    // Everything else is as in docs/STEPS.md, so the rest of the vocabulary came from the same code.
    assert.ok(document.includes('`a machine with {size} of RAM` | `{size}` | `Given a machine with'), 'a step of steps/machine.steps.ts is missing');
  });
});
