/**
 * A driver whose only bug is a null dereference is reported as crashed, in
 * the routine that threw, and is credited for no rule: not PAGE-3, which
 * the stop code 0x1E alone would say, nor the rule its scenario is tagged
 * with. Read from the data of a cucumber run, as the mutation check reads it.
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
`;

describe('a driver that crashes', () => {
  let dir: string;
  before(() => {
    dir = temporaryFolder({ 'crash.feature': FEATURE });
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('is reported as crashed in its read routine, and credited for no rule', async () => {
    const messages = path.join(dir, 'messages.ndjson');
    const run = await runCucumber([path.join(dir, 'crash.feature')], ['--world-parameters', JSON.stringify({ driver: FIXTURE }), '--format', `message:${messages}`]);
    assert.notEqual(run.status, 0, run.output);
    assert.match(run.output, /driver null-dereference crashed in IRP_MJ_READ/, 'the terminal shows the crash');
    const { scenarios } = readResults(fs.readFileSync(messages, 'utf8'));
    assert.equal(scenarios.length, 2);
    for (const s of scenarios) {
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
});
