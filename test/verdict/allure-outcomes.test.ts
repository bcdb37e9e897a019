/**
 * A run's outcomes are read from its Allure results: the @class tags, the
 * status, the rule the failure was filed under (only when findings were
 * attached as data), the verifier entries among those findings and the
 * driver places of those that named the rule.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { readScenarioOutcomes } from '../../src/verdict/allure-outcomes';

function writeResult(dir: string, name: string, status: string, story: string | null, findings: object[] | null): void {
  const attachments = findings ? [{ name: 'rule findings', source: `${name}-findings.json`, type: 'application/json' }] : [];
  if (findings) fs.writeFileSync(path.join(dir, `${name}-findings.json`), JSON.stringify(findings));
  const labels = [{ name: 'tag', value: '@class:read-write-direct' }, { name: 'tag', value: '@rule:SG-3' }, ...(story ? [{ name: 'story', value: story }] : [])];
  fs.writeFileSync(path.join(dir, `${name}-result.json`), JSON.stringify({ name, status, labels, steps: [{ name: 'After', attachments }] }));
}

describe('the outcomes of a run, from its Allure results', () => {
  it('reads classes, status, the rule filed from findings and their verifier entries', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'allure-outcomes-'));
    const put = { function: 'Release', file: 'driver.c', line: 40 };
    const got = { function: 'Start', file: 'driver.c', line: 12, acquiredWith: 'GetScatterGatherList' };
    writeResult(dir, 'a', 'failed', 'SG-3', [
      { oracle: 'stop', rule: 'SG-3', entry: 'VER-SG-DOUBLE-PUT', message: 'm', place: put },
      { oracle: 'verifier', rule: 'SG-3', entry: 'VER-SG-DOUBLE-PUT', message: 'm', place: put },
      { oracle: 'leftovers', rule: 'SG-3', message: 'm', place: got },
      { oracle: 'leftovers', rule: 'CONT-4', message: 'm', place: { function: 'Alloc', file: 'driver.c', line: 7, acquiredWith: 'ExAllocatePoolWithTag' } },
    ]);
    writeResult(dir, 'b', 'failed', 'SG-3', null);
    writeResult(dir, 'c', 'passed', 'SG-3', null);
    const outcomes = readScenarioOutcomes(dir);
    assert.deepEqual(outcomes, [
      { name: 'a', classes: ['read-write-direct'], status: 'failed', brokenRule: 'SG-3', entries: ['VER-SG-DOUBLE-PUT'], places: ['in the driver at Release (driver.c:40)', 'acquired with GetScatterGatherList by Start (driver.c:12)'] },
      { name: 'b', classes: ['read-write-direct'], status: 'failed', brokenRule: null, entries: [], places: [] },
      { name: 'c', classes: ['read-write-direct'], status: 'passed', brokenRule: null, entries: [], places: [] },
    ]);
    assert.deepEqual(readScenarioOutcomes(path.join(dir, 'missing')), []);
  });
});
