import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ROOT, runCucumber, temporaryFolder } from './run-cucumber';

interface AllureResult {
  name: string;
  status: string;
  statusDetails?: { message?: string };
  labels: { name: string; value: string }[];
  steps: { name: string }[];
}

const dir = temporaryFolder({
  'report.feature': [
    '@rule:MDL-2',
    'Feature: what the report records',
    '  Scenario: the machine stops',
    '    Given the tooling test machine stops with bug check 0x4E',
    '  Scenario: a step nobody defined',
    '    Given nothing defines this step',
    '  @rule:PGE-1',
    '  Scenario: a misspelt rule family',
    '    Then no RAM lies above 4 GiB',
    '',
  ].join('\n'),
  'stop.steps.cjs': [
    `const { Given } = require(${JSON.stringify(path.join(ROOT, 'node_modules', '@cucumber', 'cucumber'))});`,
    `const { BugCheck } = require(${JSON.stringify(path.join(ROOT, 'src', 'machine', 'bug-check'))});`,
    `Given('the tooling test machine stops with bug check {hex}', function (code) { throw new BugCheck(code, 0x99, 0x1234, 0, 0, 'the tooling test stopped it'); });`,
    '',
  ].join('\n'),
});
const resultsDir = path.join(dir, 'allure-results');
const results = new Map<string, AllureResult>();
let output = '';

before(async () => {
  const run = await runCucumber(
    [path.join(dir, 'report.feature')],
    [
      '--require', path.join(dir, 'stop.steps.cjs'),
      '--format', `./scripts/allure-formatter.cjs:${path.join(dir, 'formatter-output')}`,
      '--format-options', JSON.stringify({ resultsDir }),
    ],
  );
  output = run.output;
  assert.equal(run.status, 1, output);
  for (const f of fs.readdirSync(resultsDir).filter((n) => n.endsWith('-result.json'))) {
    const r = JSON.parse(fs.readFileSync(path.join(resultsDir, f), 'utf8')) as AllureResult;
    results.set(r.name, r);
  }
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

function result(name: string): AllureResult {
  const r = results.get(name);
  assert.ok(r, `no Allure result for "${name}" (have: ${[...results.keys()].join(', ')})\n${output}`);
  return r;
}

describe('Allure results of a run', () => {
  it('a bug check makes the scenario broken and attaches the bug check screen', () => {
    const r = result('the machine stops');
    assert.equal(r.status, 'broken');
    assert.match(r.statusDetails?.message ?? '', /^BugCheck: bug check 0x4E PFN_LIST_CORRUPT \(0x99, 0x1234, 0x0, 0x0\)/);
    const screens = fs
      .readdirSync(resultsDir)
      .filter((n) => n.endsWith('-attachment.txt'))
      .map((n) => fs.readFileSync(path.join(resultsDir, n), 'utf8'));
    assert.equal(screens.length, 1);
    assert.match(screens[0]!, /\*\*\* STOP: 0x0000004E \(0x0000000000000099, 0x0000000000001234/);
    assert.match(screens[0]!, /Reason: the tooling test stopped it/);
  });

  it('the rule family becomes the epic', () => {
    const epics = result('the machine stops').labels.filter((l) => l.name === 'epic').map((l) => l.value);
    assert.deepEqual(epics, ['MDL: MDLs']);
  });

  it('an undefined step makes the scenario broken, not passed, and names the step', () => {
    const r = result('a step nobody defined');
    assert.equal(r.status, 'broken');
    assert.equal(r.statusDetails?.message, 'undefined step: no step definition matches "nothing defines this step"');
  });

  it('a failed Before hook makes the scenario broken, not skipped, with the hook\'s message', () => {
    const r = result('a misspelt rule family');
    assert.equal(r.status, 'broken');
    assert.match(r.statusDetails?.message ?? '', /^MalformedRuleTag: malformed rule tag "@rule:PGE-1": unknown rule family "PGE"/);
    assert.equal(r.steps[0]?.name, 'Before hook "rule labels" failed');
  });
});
