import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { VIOLATION_CATALOG } from '../../src/kernel/verifier/violation-catalog';
import { reportCategories } from '../../src/report/report-categories';
import { categoriesOf } from '../report/category-match';
import { assertWellFormedSvg } from '../report/well-formed-xml';
import { ROOT, runCucumber, temporaryFolder } from './run-cucumber';

interface AllureStep {
  name: string;
  status?: string;
  attachments: { name: string; source: string; type: string }[];
}
interface AllureResult {
  name: string;
  status: string;
  statusDetails?: { message?: string };
  labels: { name: string; value: string }[];
  links: { url: string; type?: string }[];
  parameters: { name: string; value: string; excluded?: boolean }[];
  steps: AllureStep[];
}

const STOP_BY_PARENT = [
  '    Given a machine with 1 GiB of RAM',
  '    And a process "app.exe" with a committed buffer "A" of 64 KiB',
  '    And the driver "split.sys" has locked buffer "A" for write access through MDL "parent"',
  '    And the driver "split.sys" has built partial MDL "part" over 8 KiB starting 4 KiB into MDL "parent"',
  '    When the driver "split.sys" frees MDL "parent"',
];

const dir = temporaryFolder({
  'report.feature': [
    '@rule:MDL-2 @seed:003',
    'Feature: what the report records',
    '  @severity:critical',
    '  Scenario: the machine stops',
    '    Given the tooling test machine stops with bug check 0x4E',
    '  Scenario: a step nobody defined',
    '    Given nothing defines this step',
    '  Scenario: a step two definitions match',
    '    Given the tooling test step is ambiguous',
    '  @rule:PGE-1',
    '  Scenario: a misspelt rule family',
    '    Then no RAM lies above 4 GiB',
    '  Scenario: a later step runs into a stop nobody examined',
    ...STOP_BY_PARENT,
    '    Then no page of buffer "A" is locked',
    '  Scenario: an outcome nobody examined',
    '    Given a machine with 1 GiB of RAM',
    '    And a process "app.exe" that passes a kernel address as buffer "A" of 64 KiB',
    '    When the driver "dma.sys" locks buffer "A" for write access',
    '  Scenario: an expected stop passes and shows its screen',
    ...STOP_BY_PARENT,
    '    Then the machine stops with bug check 0x4E PFN_LIST_CORRUPT',
    '',
  ].join('\n'),
  'stop.steps.cjs': [
    `const { Given } = require(${JSON.stringify(path.join(ROOT, 'node_modules', '@cucumber', 'cucumber'))});`,
    `const { BugCheck } = require(${JSON.stringify(path.join(ROOT, 'src', 'machine', 'bug-check'))});`,
    `Given('the tooling test machine stops with bug check {hex}', function (code) { throw new BugCheck(code, 0x99, 0x1234, 0, 0, 'the tooling test stopped it'); });`,
    `Given('the tooling test step is ambiguous', function () {});`,
    `Given(/^the tooling test step is (ambiguous)$/, function () {});`,
    '',
  ].join('\n'),
});
const resultsDir = path.join(dir, 'allure-results');
const results = new Map<string, AllureResult>();
const categories = reportCategories(VIOLATION_CATALOG);
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

/** The pictures the report hook put in the scenario's test body, by name, with their markup. */
function pictures(r: AllureResult): Map<string, string> {
  const found = new Map<string, string>();
  for (const step of r.steps) {
    for (const a of step.attachments ?? []) {
      if (a.type === 'image/svg+xml') found.set(a.name, fs.readFileSync(path.join(resultsDir, a.source), 'utf8'));
    }
  }
  return found;
}

function categoryOf(r: AllureResult): string[] {
  return categoriesOf(categories, r.status, r.statusDetails?.message ?? '');
}

describe('Allure results of a run', () => {
  it('a bug check makes the scenario broken, files it under its code and shows the stop screen in the test body', () => {
    const r = result('the machine stops');
    assert.equal(r.status, 'broken');
    assert.match(r.statusDetails?.message ?? '', /^BugCheck: bug check 0x4E PFN_LIST_CORRUPT \(0x99, 0x1234, 0x0, 0x0\)/);
    assert.deepEqual(categoryOf(r), ['Product failure: bug check 0x4E PFN_LIST_CORRUPT']);
    const shown = pictures(r);
    assert.deepEqual([...shown.keys()], ['bug check PFN_LIST_CORRUPT'], 'one screen; no memory map for a machine that never booted');
    const screen = shown.get('bug check PFN_LIST_CORRUPT')!;
    assertWellFormedSvg(screen);
    assert.match(screen, /0x0000000000001234/);
    assert.match(screen, /the tooling test stopped it/);
  });

  it('labels the scenario with epic, story, severity and suites, links the seed, and records driver and machine', () => {
    const r = result('the machine stops');
    const label = (name: string) => r.labels.filter((l) => l.name === name).map((l) => l.value);
    // Tagged MDL-2, but it failed with 0x4E parameter 1 0x99, which stands for PAGE-5: filed under the diagnosed rule.
    assert.deepEqual(label('epic'), ['PAGE: Paging and locking']);
    assert.deepEqual(label('story'), ['PAGE-5']);
    const passed = result('an expected stop passes and shows its screen');
    assert.deepEqual(passed.labels.filter((l) => l.name === 'story').map((l) => l.value), ['MDL-2'], 'a passing scenario is filed under its tags');
    assert.deepEqual(label('severity'), ['critical']);
    assert.deepEqual(label('suite'), ['what the report records']);
    assert.deepEqual(r.links, [{ url: 'seed:003', type: 'seed' }]);
    const parameter = (name: string) => r.parameters.find((p) => p.name === name);
    assert.equal(parameter('driver under test')?.value, 'none (kernel rule)');
    assert.match(parameter('machine')?.value ?? '', /^8 GiB RAM, seed 1, IOMMU off, verifier stops the machine.* \(not booted\)$/);
    assert.equal(parameter('machine')?.excluded, true, 'the machine does not split the scenario\'s history');
    assert.match(result('an expected stop passes and shows its screen').parameters.find((p) => p.name === 'machine')?.value ?? '', /^1 GiB RAM, seed 1,/);
  });

  it('a failed scenario carries its findings as a JSON attachment; one without findings carries none', () => {
    const json = (r: AllureResult) =>
      r.steps.flatMap((s) => s.attachments ?? []).filter((a) => a.type === 'application/json' && a.name === 'rule findings').map((a) => JSON.parse(fs.readFileSync(path.join(resultsDir, a.source), 'utf8')));
    const [findings] = json(result('the machine stops'));
    assert.deepEqual(findings.map((f: { oracle: string; rule: string; bugCheck: number }) => [f.oracle, f.rule, f.bugCheck]), [['stop', 'PAGE-5', 0x4e]]);
    const [unexamined] = json(result('a later step runs into a stop nobody examined'));
    assert.deepEqual([unexamined[0].rule, unexamined[0].bugCheck], ['MDL-2', 0x4e], 'a parent MDL freed under its partial MDL');
    assert.deepEqual(json(result('a step nobody defined')), []);
    assert.deepEqual(json(result('an outcome nobody examined')), [], 'a raised status left unexamined is a plain assertion');
  });

  it('an undefined step makes the scenario broken, not passed, names the step and says what to do', () => {
    const r = result('a step nobody defined');
    assert.equal(r.status, 'broken');
    assert.equal(r.statusDetails?.message, 'undefined step: no step definition matches "nothing defines this step"');
    assert.deepEqual(categoryOf(r), ['Test defect: undefined or ambiguous step']);
    assert.match(output, /Undefined step: a step of a feature matches no step definition .* docs\/STEPS\.md/);
  });

  it('an ambiguous step makes the scenario broken, not passed, and names the step', () => {
    const r = result('a step two definitions match');
    assert.equal(r.status, 'broken');
    assert.match(r.statusDetails?.message ?? '', /^ambiguous step: several step definitions match "the tooling test step is ambiguous"\n/);
    assert.deepEqual(categoryOf(r), ['Test defect: undefined or ambiguous step']);
  });

  it('a failed Before hook makes the scenario broken, not skipped, with the hook\'s message', () => {
    const r = result('a misspelt rule family');
    assert.equal(r.status, 'broken');
    assert.match(r.statusDetails?.message ?? '', /^MalformedRuleTag: malformed rule tag "@rule:PGE-1": unknown rule family "PGE"/);
    assert.equal(r.steps[0]?.name, 'Before hook "rule labels" failed');
    assert.deepEqual(categoryOf(r), ['Test defect: malformed rule tag']);
  });

  it('a stop recorded by one step and run into by the next is filed under its code, with the memory map of the scenario\'s objects', () => {
    const r = result('a later step runs into a stop nobody examined');
    assert.equal(r.status, 'broken');
    assert.match(r.statusDetails?.message ?? '', /^MachineStopped: .*bug check 0x4E PFN_LIST_CORRUPT/);
    assert.deepEqual(categoryOf(r), ['Product failure: bug check 0x4E PFN_LIST_CORRUPT']);
    const shown = pictures(r);
    assert.deepEqual([...shown.keys()].sort(), ['bug check PFN_LIST_CORRUPT', 'physical memory map']);
    const map = shown.get('physical memory map')!;
    assertWellFormedSvg(map);
    for (const name of ['buffer &quot;A&quot;', 'MDL &quot;parent&quot;', 'MDL &quot;part&quot;']) assert.ok(map.includes(`data-highlight="${name}"`), name);
  });

  it('an outcome nobody examined fails the scenario as a broken rule, and the report hook still sees it failed', () => {
    const r = result('an outcome nobody examined');
    assert.equal(r.status, 'failed');
    assert.match(r.statusDetails?.message ?? '', /^AssertionError: step .* raised STATUS_ACCESS_VIOLATION.*no Then step examined it/);
    assert.deepEqual(categoryOf(r), ['Product failure: rule broken (an assertion failed)']);
    assert.deepEqual([...pictures(r).keys()], ['physical memory map']);
  });

  it('a scenario that expects a stop passes and still shows the stop screen, but no memory map', () => {
    const r = result('an expected stop passes and shows its screen');
    assert.equal(r.status, 'passed');
    assert.deepEqual([...pictures(r).keys()], ['bug check PFN_LIST_CORRUPT']);
  });
});
