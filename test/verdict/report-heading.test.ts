/**
 * The report's heading from the verdict beside the results: the verdict's
 * only when it was decided from the results the report is made from.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { classVerdicts } from '../../src/verdict/driver-verdict';
import { resultsFingerprint } from '../../src/verdict/judged-results';
import { VERDICT_JSON, reportHeadingOf, writeVerdictFiles } from '../../src/verdict/verdict-files';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dma-conformance-heading-'));
const resultsDir = path.join(dir, 'allure-results');
after(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A run's results: result files named as Allure names them, for a fresh UUID each. */
function newRun(...uuids: string[]): string {
  fs.rmSync(resultsDir, { recursive: true, force: true });
  fs.mkdirSync(resultsDir, { recursive: true });
  for (const uuid of uuids) fs.writeFileSync(path.join(resultsDir, `${uuid}-result.json`), '{}');
  fs.writeFileSync(path.join(resultsDir, `${uuids[0]}-attachment.svg`), '<svg/>');
  return resultsFingerprint(resultsDir);
}

const VERDICTS = classVerdicts(
  [
    { name: 'a', classes: ['read-write-direct'], status: 'passed', brokenRule: null, entries: [], places: [] },
    { name: 'b', classes: ['read-write-direct'], status: 'failed', brokenRule: 'SG-3', entries: [], places: [] },
  ],
  ['read-write-direct'],
);
const DRIVER = { name: 'example-direct', path: 'docs/example-driver.ts' };

describe('the report heading a verdict gives', () => {
  it('is the verdict\'s for the results it was decided from, however often the report is made again', () => {
    const judged = newRun('1111', '2222');
    writeVerdictFiles(dir, DRIVER, VERDICTS, { results: { fingerprint: judged } });
    const heading = { driverName: 'example-direct', headline: 'example-direct: read-write-direct: 1/2: broke SG-3 in 1 scenario' };
    assert.deepEqual(reportHeadingOf(dir, resultsFingerprint(resultsDir)), heading);
    // What the report adds to the results folder (history, environment, categories) does not change whose they are.
    fs.mkdirSync(path.join(resultsDir, 'history'));
    fs.writeFileSync(path.join(resultsDir, 'executor.json'), '{}');
    assert.deepEqual(reportHeadingOf(dir, resultsFingerprint(resultsDir)), heading);
  });

  it('is none for a later run\'s results, with a driver or without', () => {
    const judged = newRun('1111', '2222');
    writeVerdictFiles(dir, DRIVER, VERDICTS, { results: { fingerprint: judged } });
    assert.equal(reportHeadingOf(dir, newRun('3333', '4444')), null);
    assert.equal(reportHeadingOf(dir, newRun('1111', '2222', '5555')), null, 'results added by a run that did not clear the folder');
  });

  it('is none without a verdict, or with one that does not say which results it judged', () => {
    fs.rmSync(path.join(dir, VERDICT_JSON), { force: true });
    const fingerprint = newRun('1111');
    assert.equal(reportHeadingOf(dir, fingerprint), null);
    writeVerdictFiles(dir, DRIVER, VERDICTS);
    assert.equal(reportHeadingOf(dir, fingerprint), null);
  });

  it('refuses a verdict file it cannot read, naming it', () => {
    const fingerprint = newRun('1111');
    fs.writeFileSync(path.join(dir, VERDICT_JSON), '{"driver": ');
    assert.throws(() => reportHeadingOf(dir, fingerprint), (e: Error) => e.name === 'UnreadableVerdict' && e.message.includes(path.join(dir, VERDICT_JSON)) && /is not JSON/.test(e.message));
    fs.writeFileSync(path.join(dir, VERDICT_JSON), JSON.stringify({ results: { fingerprint }, classes: [] }));
    assert.throws(() => reportHeadingOf(dir, fingerprint), /not the driver and its verdict lines/);
  });
});
