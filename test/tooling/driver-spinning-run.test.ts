/**
 * A run against a driver whose routine never returns ends soon after the
 * wall-clock budget, and the failure names the driver and the routine: a
 * dispatch routine and a DPC that spin, each in its own cucumber process.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ROOT, runCucumber, temporaryFolder } from './run-cucumber';

const BUDGET_SECONDS = 1;
const EXAMPLE = path.join(ROOT, 'docs', 'example-driver');
const CONTRACT = path.join(ROOT, 'src', 'personalities', 'wdm', 'contract');

const FEATURE = `@class:read-write-direct
Feature: a driver that does not return

  @rule:DEV-1
  Scenario: reads and writes
    Given the driver under test is started on the DMA test device
    And the application "app.exe" has opened the device
    When "app.exe" runs a mix of 6 reads and writes of up to 64 KiB, 1 in flight at a time
    Then every byte matches the device's stream
`;

/** The example driver with one routine replaced by one that spins. */
const SPINNING_DISPATCH = `import example from ${JSON.stringify(EXAMPLE)};
import { IRP_MJ_READ } from ${JSON.stringify(CONTRACT)};
export default {
  ...example,
  name: 'spinning-dispatch',
  DriverEntry(DriverObject: any, Kernel: any) {
    const status = example.DriverEntry(DriverObject, Kernel);
    DriverObject.MajorFunction[IRP_MJ_READ] = () => { while (true) {} };
    return status;
  },
};
`;
const SPINNING_DPC = `import example from ${JSON.stringify(EXAMPLE)};
export default { ...example, name: 'spinning-dpc', DpcForIsr(): void { let n = 0; do { n++; } while (n > 0 || true); } };
`;

/** Seconds cucumber spent executing steps, from its summary line "0m02.345s (executing steps: 0m01.234s)". */
function executingSeconds(output: string): number {
  const m = /executing steps: (\d+)m(\d+\.\d+)s/.exec(output);
  assert.ok(m, `cucumber's summary has its timing:\n${output}`);
  return Number(m[1]) * 60 + Number(m[2]);
}

describe('a run against a driver that does not return', { concurrency: true }, () => {
  let dir: string;
  before(() => {
    dir = temporaryFolder({ 'spin.feature': FEATURE, 'spinning-dispatch.ts': SPINNING_DISPATCH, 'spinning-dpc.ts': SPINNING_DPC });
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  const cases = [
    { driver: 'spinning-dispatch', routine: 'IRP_MJ_READ dispatch' },
    { driver: 'spinning-dpc', routine: 'DPC' },
  ];
  for (const { driver, routine } of cases) {
    it(`ends soon after the budget, naming the driver and the routine (${routine})`, async () => {
      const parameters = JSON.stringify({ driver: path.join(dir, `${driver}.ts`), driverTimeBudget: BUDGET_SECONDS });
      const run = await runCucumber([path.join(dir, 'spin.feature')], ['--world-parameters', parameters]);
      assert.notEqual(run.status, 0, run.output);
      assert.ok(
        run.output.includes(`DriverSpinning: the driver ${driver} did not return: ${routine} ran more than ${BUDGET_SECONDS} s of wall-clock time`),
        run.output,
      );
      assert.match(run.output, /1 scenario \(1 failed\)/);
      const seconds = executingSeconds(run.output);
      assert.ok(seconds >= BUDGET_SECONDS && seconds < BUDGET_SECONDS + 5, `the scenario ran ${seconds} s`);
    });
  }
});
