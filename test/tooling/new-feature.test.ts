/**
 * What a user does to add a rule without writing code: state it as a feature
 * with the steps docs/STEPS.md lists, and run it. And what happens when a
 * step says something no step definition understands.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { ROOT, runCucumber, temporaryFolder } from './run-cucumber';

const FEATURE = `@rule:MDL-1 @severity:normal
Feature: MDL-1 An MDL describes the frames of the buffer it was built for
  A user's own statement of the rule, written only with documented steps.

  Scenario: A device reads through a locked MDL exactly what the application wrote
    Given a machine with 1 GiB of RAM
    And a process "app.exe" with a committed buffer "A" of 16 KiB
    And the process writes the pattern "mine" into buffer "A"
    When the driver "my.sys" locks buffer "A" for read access
    Then the call succeeds
    And MDL "A" has 4 page entries
    And the page entries of MDL "A" are the frames of buffer "A" in order
    And every page of buffer "A" is locked
    And the frames of MDL "A" hold the pattern "mine"
    When the driver "my.sys" unlocks and frees MDL "A"
    Then no page of buffer "A" is locked
    And the driver "my.sys" holds no MDL
    And no bug check occurred
`;

const UNDEFINED = `Feature: A step nobody has written yet
  Scenario: The driver flushes its adapter buffers
    Given a machine with 1 GiB of RAM
    And a process "app.exe" with a committed buffer "A" of 16 KiB
    When the driver "my.sys" flushes the adapter buffers of MDL "A" after 3 pages
    Then no bug check occurred
`;

const dir = temporaryFolder({ 'my-rule.feature': FEATURE, 'not-yet.feature': UNDEFINED });
after(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('a rule added as a feature file alone', { concurrency: true }, () => {
  it('runs and passes, and every step it uses is one docs/STEPS.md documents', async () => {
    const messages = path.join(dir, 'messages.ndjson');
    const run = await runCucumber([path.join(dir, 'my-rule.feature')], ['--format', `message:${messages}`]);
    assert.equal(run.status, 0, run.output);
    assert.match(run.output, /1 scenario \(1 passed\)\n13 steps \(13 passed\)/);

    const envelopes = fs.readFileSync(messages, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const patterns = new Map<string, string>(envelopes.filter((e) => e.stepDefinition).map((e) => [e.stepDefinition.id, e.stepDefinition.pattern.source]));
    const used = new Set<string>(
      envelopes.filter((e) => e.testCase).flatMap((e) => e.testCase.testSteps.flatMap((s: { stepDefinitionIds?: string[] }) => s.stepDefinitionIds ?? [])).map((id: string) => patterns.get(id)!),
    );
    assert.equal(used.size, 13, [...used].join('\n'));
    const documented = fs.readFileSync(path.join(ROOT, 'docs', 'STEPS.md'), 'utf8');
    for (const pattern of used) assert.ok(documented.includes(`| \`${pattern}\` |`), `docs/STEPS.md does not list the step "${pattern}"`);
  });

  it('fails on a step that matches nothing, with cucumber\'s snippet for it and what to do', async () => {
    const run = await runCucumber([path.join(dir, 'not-yet.feature')]);
    assert.equal(run.status, 1, run.output);
    assert.match(run.output, /1 scenario \(1 undefined\)/);
    assert.match(run.output, /\? When the driver "my\.sys" flushes the adapter buffers of MDL "A" after 3 pages\n\s+Undefined\. Implement with the following snippet:/);
    // The snippet already uses the suite's parameter types.
    assert.ok(run.output.includes("When('the driver {string} flushes the adapter buffers of MDL {string} after {size}', function (string, string2, size) {"), run.output);
    assert.match(run.output, /Undefined step: a step of a feature matches no step definition .*Look in docs\/STEPS\.md .*docs\/WRITING-FEATURES\.md/);
  });
});
