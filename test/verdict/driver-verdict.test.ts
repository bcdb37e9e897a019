/**
 * The driver's verdict per claimed class: only the class's scenarios count,
 * failures are grouped by the rule their findings named (with the verifier
 * entries behind it), and one without a rule is counted apart, never as a
 * rule; the JSON and JUnit files say the same.
 */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { ScenarioOutcome, classPassed, classVerdicts, verdictLine, verdictPlaceLines } from '../../src/verdict/driver-verdict';
import { verdictDocument, verdictJunit } from '../../src/verdict/verdict-files';

const outcome = (name: string, classes: string[], status: ScenarioOutcome['status'], brokenRule: string | null = null, entries: string[] = [], places: string[] = []): ScenarioOutcome => ({ name, classes, status, brokenRule, entries, places });

const KEPT = 'acquired with GetScatterGatherList by Start (driver.c:12)';
const PUT = 'in the driver at Release (driver.c:40)';

const RUN: ScenarioOutcome[] = [
  outcome('a', ['read-write-direct'], 'failed', 'SG-3', ['VER-SG-DOUBLE-PUT'], [PUT]),
  outcome('b', ['read-write-direct'], 'failed', 'SG-3', ['VER-SG-DOUBLE-PUT'], [KEPT, PUT]),
  outcome('c', ['read-write-direct'], 'failed', 'PAGE-1'),
  outcome('d', ['read-write-direct'], 'passed'),
  outcome('e', ['read-write-direct'], 'broken'),
  outcome('kernel self-check', [], 'failed', 'MDL-2'),
  outcome('other class', ['storage-forward-progress'], 'failed', 'SG-5'),
];

describe('the driver verdict', () => {
  const [verdict] = classVerdicts(RUN, ['read-write-direct']);

  it('counts only the claimed class\'s scenarios and groups failures by the rule they named', () => {
    assert.equal(verdict!.total, 5);
    assert.equal(verdict!.passed, 1);
    assert.deepEqual(verdict!.broken, [{ rule: 'SG-3', entries: ['VER-SG-DOUBLE-PUT'], scenarios: 2, places: [PUT, KEPT] }, { rule: 'PAGE-1', entries: [], scenarios: 1, places: [] }]);
    assert.equal(verdict!.withoutRule, 1);
    assert.equal(classPassed(verdict!), false);
  });

  it('says it in one line', () => {
    assert.equal(verdictLine(verdict!), 'read-write-direct: 1/5: broke SG-3 (VER-SG-DOUBLE-PUT) in 2 scenarios, PAGE-1 in 1 scenario, 1 failed or broken without naming a rule');
    const [clean] = classVerdicts([outcome('d', ['read-write-direct'], 'passed')], ['read-write-direct']);
    assert.equal(verdictLine(clean!), 'read-write-direct: 1/1 passed');
    const [none] = classVerdicts(RUN, ['mapped-file-dma']);
    assert.equal(verdictLine(none!), 'mapped-file-dma: no scenario of the class ran');
    assert.equal(classPassed(none!), false, 'a class none of whose scenarios ran is not passed');
  });

  it('names, under the line, where in the driver each broken rule\'s findings were, most scenarios first', () => {
    assert.deepEqual(verdictPlaceLines(verdict!), [`SG-3: ${PUT}; ${KEPT}`]);
  });

  it('writes the same verdict as JSON and JUnit', () => {
    const driver = { name: 'my-driver', path: './driver.c' };
    const document = verdictDocument(driver, [verdict!]) as { passed: boolean; classes: { verdict: string }[] };
    assert.equal(document.passed, false);
    assert.equal(document.classes[0]!.verdict, verdictLine(verdict!));
    const junit = verdictJunit(driver, [verdict!]);
    assert.match(junit, /<testsuite name="my-driver" tests="1" failures="1" skipped="0">/);
    assert.match(junit, /<failure message="read-write-direct: 1\/5: broke SG-3/);
  });
});
