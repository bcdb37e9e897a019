/**
 * `npm run report` made alone after a driver's run gives the report that run
 * gave: headed by the driver's verdict, with that driver's trend
 * (reports/history/<driver>/); after a later run without a driver it is a
 * plain report again, with the suite's own trend. The run goes to a temporary
 * reports folder (DMA_CONFORMANCE_REPORTS), as `--out` would put it.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ChildRun, ROOT, runNode, temporaryFolder } from './run-cucumber';

const CONFORMANCE = path.join(ROOT, 'scripts', 'conformance.cjs');
const REPORT = path.join(ROOT, 'scripts', 'report.cjs');
const CLEAR_RESULTS = path.join(ROOT, 'scripts', 'clear-results.cjs');
const FEATURE = path.join(ROOT, 'features', 'conformance', 'read-write-direct.feature');
const HEADLINE = 'example-direct: read-write-direct: 1/1 passed';

const reports = temporaryFolder({});
const env = { DMA_CONFORMANCE_REPORTS: reports };
const resultsDir = path.join(reports, 'allure-results');
const driverTrend = path.join(reports, 'history', 'example-direct', 'history-trend.json');
const suiteTrend = path.join(reports, 'allure-report', 'history', 'history-trend.json');
let driverRun: ChildRun;
let reportAlone: ChildRun;
let titleOfRun = '';
let titleAlone = '';

const title = (): string => /<title>([^<]*)<\/title>/.exec(fs.readFileSync(path.join(reports, 'allure-report', 'index.html'), 'utf8'))?.[1] ?? '';
const trendLength = (file: string): number => (JSON.parse(fs.readFileSync(file, 'utf8')) as unknown[]).length;

before(async () => {
  // One scenario of the class is enough: the run gives a verdict and a report.
  const firstScenario = fs.readFileSync(FEATURE, 'utf8').split('\n').findIndex((l) => /^\s*Scenario:/.test(l)) + 1;
  driverRun = await runNode([CONFORMANCE, '--driver', 'docs/example-driver.ts', `${FEATURE}:${firstScenario}`], env);
  titleOfRun = title();
  reportAlone = await runNode([REPORT], env);
  titleAlone = title();
});
after(() => fs.rmSync(reports, { recursive: true, force: true }));

describe('the report made alone after a driver\'s run', { timeout: 5 * 60_000 }, () => {
  it('is headed by the driver\'s verdict, as the run\'s own report was', () => {
    assert.equal(driverRun.status, 0, driverRun.output);
    assert.match(driverRun.output, new RegExp(`^  ${HEADLINE.split(': ').slice(1).join(': ')}$`, 'm'));
    assert.equal(titleOfRun, HEADLINE);
    assert.equal(reportAlone.status, 0, reportAlone.output);
    assert.equal(titleAlone, HEADLINE);
    assert.match(reportAlone.output, new RegExp(`Report: .*index\\.html \\(${HEADLINE}\\)`));
  });

  it('carries the driver\'s own trend forward, not the suite\'s', () => {
    assert.equal(trendLength(driverTrend), 2, 'the run and the report made again');
    assert.equal(fs.existsSync(suiteTrend), false);
  });

  it('is plain again after a run without a driver, and leaves the driver\'s trend alone', async () => {
    // A later run: cleared results and new ones, as `npm run test:features` leaves them (each named for a new UUID).
    const kept = fs.readdirSync(resultsDir).find((f) => f.endsWith('-result.json'))!;
    const result = fs.readFileSync(path.join(resultsDir, kept));
    assert.equal((await runNode([CLEAR_RESULTS], env)).status, 0);
    fs.writeFileSync(path.join(resultsDir, '00000000-0000-4000-8000-000000000001-result.json'), result);
    const plain = await runNode([REPORT], env);
    assert.equal(plain.status, 0, plain.output);
    assert.match(plain.output, /Report: .*index\.html$/m);
    assert.equal(title(), 'DMA conformance');
    assert.equal(trendLength(suiteTrend), 1);
    assert.equal(trendLength(driverTrend), 2);
  });

  it('is gone once another run starts, even one that fails before any scenario, so CI never reads an old verdict as new', async () => {
    const verdictFiles = ['verdict.json', 'verdict-junit.xml'].map((f) => path.join(reports, f));
    for (const f of verdictFiles) assert.ok(fs.existsSync(f), `${f} was written by the driver's run`);
    const refused = await runNode([CONFORMANCE, '--driver', 'no-such-driver.ts'], env);
    assert.equal(refused.status, 2, refused.output);
    for (const f of verdictFiles) assert.equal(fs.existsSync(f), false, `${f} is still there`);
  });
});
