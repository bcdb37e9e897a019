/**
 * Failures that name no rule, read from the data of one cucumber run as the
 * mutation check reads it: a driver whose only bug is a null dereference is
 * reported as crashed, in the routine that threw, and is credited for no
 * rule (not PAGE-3, which the stop code 0x1E alone would say, nor the rule
 * its scenario is tagged with); a step that checks the machine and fails is
 * a broken run, not a verdict on the scenario's rule.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { failureVerdict, verdictNames } from '../../src/diagnosis/failure-verdict';
import { ROOT, runCucumber, temporaryFolder } from './run-cucumber';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { readResults } = require('../../scripts/mutation-check.cjs');

const FIXTURE = path.join(ROOT, 'test', 'fixtures', 'null-dereference-driver.ts');

const FEATURE = `@class:read-write-direct
Feature: a driver that crashes

  @rule:PAGE-3
  Scenario: a read through the workload
    Given the driver under test is started on the DMA test device
    And the application "app.exe" has opened the device
    When "app.exe" runs a mix of 4 reads and writes of up to 64 KiB, 1 in flight at a time
    Then every byte matches the device's stream

  @rule:PAGE-3
  Scenario: a read the step stops the machine with
    Given the driver under test is started on the DMA test device
    And the application "app.exe" has opened the device
    When "app.exe" reads into buffers of these sizes:
      | size   |
      | 4 KiB  |
    Then every byte matches the device's stream

  @rule:CONT-2
  Scenario: a check of the machine that does not hold
    Given a machine with 512 MiB of RAM
    And the driver under test is started on the DMA test device
    Then a contiguous buffer of 64 KiB can no longer be allocated at run time
`;

interface ScenarioResult {
  readonly name: string;
  readonly status: string;
  readonly errorType: string | null;
  readonly findings: null;
  readonly crash: { driver: string; routine: string; exception: string; bugCheck: number } | null;
}

describe('failures that name no rule', () => {
  let dir: string;
  let output = '';
  let scenarios: ScenarioResult[] = [];
  before(async () => {
    dir = temporaryFolder({ 'no-rule.feature': FEATURE });
    const messages = path.join(dir, 'messages.ndjson');
    const run = await runCucumber([path.join(dir, 'no-rule.feature')], ['--world-parameters', JSON.stringify({ driver: FIXTURE }), '--format', `message:${messages}`]);
    output = run.output;
    scenarios = readResults(fs.readFileSync(messages, 'utf8')).scenarios;
    assert.equal(scenarios.length, 3, output);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('a driver that crashes is reported as crashed in its read routine, and credited for no rule', () => {
    assert.match(output, /driver null-dereference crashed in IRP_MJ_READ/, 'the terminal shows the crash');
    for (const s of scenarios.slice(0, 2)) {
      assert.equal(s.status, 'FAILED', s.name);
      assert.equal(s.findings, null, `${s.name}: a crash is no finding`);
      assert.equal(s.crash?.routine, 'IRP_MJ_READ dispatch', s.name);
      assert.equal(s.crash?.driver, 'null-dereference');
      assert.match(s.crash?.exception ?? '', /^TypeError: /);
      const verdict = failureVerdict({ findings: s.findings, crash: s.crash, errorType: s.errorType });
      assert.equal(verdict.kind, 'crashed', s.name);
      assert.equal(verdictNames(verdict, 'PAGE-3'), false, `${s.name}: credited for PAGE-3`);
    }
  });

  it('a check of the machine that does not hold is a broken run, not a verdict on the scenario\'s rule', () => {
    const s = scenarios[2]!;
    assert.equal(s.status, 'FAILED', output);
    assert.equal(s.errorType, 'MachinePreconditionFailed', output);
    const verdict = failureVerdict({ findings: s.findings, crash: s.crash, errorType: s.errorType });
    assert.equal(verdict.kind, 'broken');
    assert.equal(verdictNames(verdict, 'CONT-2'), false);
  });
});
