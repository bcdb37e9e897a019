/**
 * `npm run conformance` fails before any scenario with one plain message and
 * a non-zero exit when the driver does not compile or does not implement the
 * contract, or when the paths and tags select nothing; the previous run's
 * report is replaced by a page that says why. The runner writes into a
 * temporary reports folder here (DMA_CONFORMANCE_REPORTS).
 */
import { CONFORMANCE_CLASS_NAMES } from '../../src/conformance/classes';
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ChildRun, ROOT, runNode, temporaryFolder } from './run-cucumber';

const CONFORMANCE = path.join(ROOT, 'scripts', 'conformance.cjs');

const BROKEN_DRIVER = 'const a = 1 +;\nexport default a;\nconst b = );\n';
const HALF_DRIVER = "export default { name: 'half', conformanceClasses: ['read-write-direct', 'teleport'], DriverEntry() { return 0; } };\n";

describe('a conformance run that fails before any scenario', { concurrency: true }, () => {
  let dir: string;
  before(() => {
    dir = temporaryFolder({ 'broken-driver.ts': BROKEN_DRIVER, 'half-driver.ts': HALF_DRIVER });
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** Runs the conformance command over a reports folder that holds an earlier run's report. */
  async function conformance(name: string, args: readonly string[]): Promise<ChildRun & { report: string; reports: string }> {
    const reports = path.join(dir, `reports-${name}`);
    const report = path.join(reports, 'allure-report');
    fs.mkdirSync(path.join(report, 'history'), { recursive: true });
    fs.mkdirSync(path.join(report, 'data'), { recursive: true });
    fs.writeFileSync(path.join(report, 'index.html'), '<html>the previous run: 296 scenarios passed</html>');
    fs.writeFileSync(path.join(report, 'history', 'history-trend.json'), '[]');
    const run = await runNode([CONFORMANCE, ...args], { DMA_CONFORMANCE_REPORTS: reports });
    return { ...run, report, reports };
  }

  function assertFailedBeforeAnyScenario(run: ChildRun & { report: string }, why: string): void {
    assert.equal(run.status, 2, run.output);
    assert.ok(run.output.startsWith(`conformance: ${why}\n`), run.output);
    assert.doesNotMatch(run.output, /^\s+at /m, 'no stack trace');
    assert.doesNotMatch(run.output, /run the suite first/);
    const page = fs.readFileSync(path.join(run.report, 'index.html'), 'utf8');
    assert.match(page, /This run failed before any scenario/);
    assert.ok(page.includes(why.split('\n')[0]!.replace(/"/g, '&quot;')), page);
    assert.equal(fs.existsSync(path.join(run.report, 'data')), false, "the previous run's report is gone");
    assert.equal(fs.existsSync(path.join(run.report, 'history', 'history-trend.json')), true, 'the trend history is kept');
  }

  it('a driver that does not compile: every diagnostic with file, line and column', async () => {
    const run = await conformance('compile', ['--driver', path.join(dir, 'broken-driver.ts')]);
    const file = path.relative(ROOT, path.join(dir, 'broken-driver.ts'));
    assertFailedBeforeAnyScenario(run, [
      `driver ${path.join(dir, 'broken-driver.ts')} does not compile:`,
      `  - ${file}(1,14): error TS1109: Expression expected.`,
      `  - ${file}(3,11): error TS1109: Expression expected.`,
    ].join('\n'));
  });

  it('a driver that does not implement the contract: every problem and the path', async () => {
    const run = await conformance('contract', ['--driver', path.join(dir, 'half-driver.ts')]);
    assertFailedBeforeAnyScenario(run, [
      `driver ${path.join(dir, 'half-driver.ts')} does not implement the driver contract:`,
      `  - unknown conformance class "teleport" (valid: ${CONFORMANCE_CLASS_NAMES.join(', ')})`,
      '  - missing AddDevice: a function (DriverObject, PhysicalDeviceObject) => NTSTATUS',
      '  - missing StartDevice: a function (DeviceObject, Resources) => NTSTATUS',
    ].join('\n'));
  });

  it('tags that match no scenario', async () => {
    assertFailedBeforeAnyScenario(await conformance('tags', ['--tags', '@nothing']), 'no scenario matched --tags @nothing');
    assertFailedBeforeAnyScenario(await conformance('tags-in-path', ['--tags', '@nothing', 'features/paging']), 'no scenario matched --tags @nothing in features/paging');
  });

  it('a feature path that does not exist', async () => {
    assertFailedBeforeAnyScenario(await conformance('path', ['features/nope']), 'no feature file at features/nope');
    assertFailedBeforeAnyScenario(await conformance('path-line', ['features/nope.feature:12']), 'no feature file at features/nope.feature:12');
  });

  it('an option cucumber does not know: cucumber\'s message, and the report says the run failed', async () => {
    const run = await conformance('option', ['--nonsense']);
    assert.equal(run.status, 1, run.output);
    assert.match(run.output, /unknown option '--nonsense'\nconformance: cucumber refused its options \(its message is above\)\n/);
    assert.match(fs.readFileSync(path.join(run.report, 'index.html'), 'utf8'), /This run failed before any scenario/);
    assert.equal(fs.existsSync(path.join(run.report, 'data')), false, "the previous run's report is gone");
  });

  it('a driver time budget that is not a positive number', async () => {
    assertFailedBeforeAnyScenario(await conformance('budget', ['--driver-time-budget', 'soon']), '--driver-time-budget needs a positive number of seconds');
  });
});
