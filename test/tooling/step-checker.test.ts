import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { ROOT, runNode, temporaryFolder } from './run-cucumber';

const CHECK_STEPS = path.join(ROOT, 'scripts', 'check-steps.cjs');
const CUCUMBER_MODULE = path.join(ROOT, 'node_modules', '@cucumber', 'cucumber');

const dir = temporaryFolder({
  'good.feature': [
    'Feature: good',
    '  Scenario: known steps only',
    '    Given a machine with 1 GiB of RAM',
    '    Then no RAM lies above 4 GiB',
    '',
  ].join('\n'),
  'undefined.feature': [
    'Feature: undefined',
    '  Scenario: one step nobody defined',
    '    Given a machine with 1 GiB of RAM',
    '    When the machine sings a song',
    '',
  ].join('\n'),
  'outline.feature': [
    'Feature: outline',
    '  Scenario Outline: undefined in one example row',
    '    Given a machine with <ram> of RAM',
    '    Then the machine hums at <ram>',
    '    Examples:',
    '      | ram   |',
    '      | 1 GiB |',
    '',
  ].join('\n'),
  'tagged.feature': [
    'Feature: tagged',
    '  @rule:PGE-1',
    '  Scenario: a misspelt rule family',
    '    Then no RAM lies above 4 GiB',
    '  @rule:PAGE-9',
    '  Scenario: a rule the catalog does not have',
    '    Then no RAM lies above 4 GiB',
    '',
  ].join('\n'),
  // A second definition of a real step's text makes that step ambiguous.
  'duplicate.steps.cjs': `const { Given } = require(${JSON.stringify(CUCUMBER_MODULE)});\nGiven('a machine with 1 GiB of RAM', function () {});\n`,
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

function check(name: string, features: readonly string[], extra: readonly string[] = []) {
  return runNode([CHECK_STEPS, '--messages', path.join(dir, `${name}.ndjson`), ...extra, ...features.map((f) => path.join(dir, f))]);
}

// Cucumber takes a second or two to start, so each run checks several things.
describe('the step checker (scripts/check-steps.cjs)', { concurrency: true }, () => {
  it('passes features whose steps are all defined once', async () => {
    const run = await check('good', ['good.feature']);
    assert.equal(run.status, 0, run.output);
    assert.match(run.output, /1 feature file\(s\), 1 scenario\(s\), 2 step\(s\): 0 undefined, 0 ambiguous/);
  });

  it('fails on undefined and ambiguous steps and malformed rule tags, naming each with its file and line', async () => {
    const run = await check('bad', ['undefined.feature', 'outline.feature', 'good.feature', 'tagged.feature'], ['--require', path.join(dir, 'duplicate.steps.cjs')]);
    assert.equal(run.status, 1, run.output);
    assert.match(run.output, /undefined {2}\S*undefined\.feature:4 {2}When the machine sings a song/);
    // In a scenario outline the example row tells which expansion failed.
    assert.match(run.output, /undefined {2}\S*outline\.feature:4 \(example row at line 7\) {2}Then the machine hums at 1 GiB/);
    assert.match(run.output, /ambiguous {2}\S*good\.feature:3 {2}Given a machine with 1 GiB of RAM/);
    assert.match(run.output, /matched by steps\/machine\.steps\.ts:\d+ "a machine with \{size\} of RAM"/);
    assert.match(run.output, /matched by .*duplicate\.steps\.cjs:2 "a machine with 1 GiB of RAM"/);
    assert.match(run.output, /rule tag {3}\S*tagged\.feature:2 {2}malformed rule tag "@rule:PGE-1": unknown rule family "PGE"/);
    // Well formed, but no rule of the catalog (docs/RULES.md).
    assert.match(run.output, /rule tag {3}\S*tagged\.feature:5 {2}malformed rule tag "@rule:PAGE-9": PAGE-9 is no rule of the catalog nor a verifier catalog entry/);
    // "Given a machine with 1 GiB of RAM" is in three of the features, so all three are ambiguous.
    assert.match(run.output, /4 feature file\(s\), 5 scenario\(s\), 8 step\(s\): 2 undefined, 3 ambiguous, 2 malformed rule tag\(s\)/);
  });

  it('refuses an option it does not know', async () => {
    const run = await runNode([CHECK_STEPS, '--strictly']);
    assert.equal(run.status, 2, run.output);
    assert.match(run.output, /unknown option --strictly/);
  });
});
