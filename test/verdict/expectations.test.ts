/**
 * A team's known failures: reported as known, never as passed; a listed
 * failure that did not happen as listed is reported; a certification refuses
 * every filter and records what judged what.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { certificationOf, certificationRefusals, certificationTags } from '../../src/verdict/certification';
import { ScenarioOutcome, classAsExpected, classPassed, classVerdicts, verdictLine } from '../../src/verdict/driver-verdict';
import { InvalidExpectations, KnownFailure, readExpectations, staleExpectations } from '../../src/verdict/expectations';
import { verdictDocument, verdictJunit } from '../../src/verdict/verdict-files';

const outcome = (name: string, status: ScenarioOutcome['status'], brokenRule: string | null = null): ScenarioOutcome => ({ name, classes: ['read-write-direct'], status, brokenRule, entries: [] });
const known = (scenario: string, rule: string): KnownFailure => ({ conformanceClass: 'read-write-direct', scenario, rule, why: 'bug 12' });

const RUN = [outcome('a', 'failed', 'SG-3'), outcome('b', 'failed', 'PAGE-1'), outcome('c', 'passed'), outcome('d', 'passed')];

describe('known failures', () => {
  it('are counted as known, not passed, and not as broken rules', () => {
    const [v] = classVerdicts(RUN, ['read-write-direct'], [known('a', 'SG-3'), known('b', 'PAGE-1')]);
    assert.equal(v!.passed, 2);
    assert.deepEqual(v!.broken, []);
    assert.deepEqual(v!.known, [{ rule: 'PAGE-1', scenarios: 1 }, { rule: 'SG-3', scenarios: 1 }]);
    assert.equal(classPassed(v!), false);
    assert.equal(classAsExpected(v!), true);
    assert.equal(verdictLine(v!), 'read-write-direct: 2/4, known to break PAGE-1 in 1 scenario, SG-3 in 1 scenario');
    assert.match(verdictJunit({ name: 'drv', path: './drv.ts' }, [v!]), /<skipped message="read-write-direct: 2\/4, known/);
    assert.equal((verdictDocument({ name: 'drv', path: './drv.ts' }, [v!], { expectations: { file: 'x.json', stale: [] } }) as { passed: boolean; asExpected: boolean }).passed, false);
  });

  it('never hide a failure of another rule or of another scenario', () => {
    const [v] = classVerdicts(RUN, ['read-write-direct'], [known('a', 'SG-3'), known('b', 'SG-3')]);
    assert.deepEqual(v!.broken.map((b) => b.rule), ['PAGE-1']);
    assert.equal(classAsExpected(v!), false);
    assert.equal(verdictLine(v!), 'read-write-direct: 2/4: broke PAGE-1 in 1 scenario, known to break SG-3 in 1 scenario');
  });

  it('that did not happen as listed are reported: passing now, another rule, not run', () => {
    const stale = staleExpectations(RUN, [known('a', 'SG-3'), known('b', 'SG-3'), known('c', 'SG-3'), known('z', 'SG-3')]);
    assert.deepEqual(stale.map((s) => [s.expected.scenario, s.reason]), [['b', 'fails for another rule'], ['c', 'passes now'], ['z', 'not in the run']]);
    assert.equal(stale[0]!.actualRule, 'PAGE-1');
  });

  it('come from a file whose every entry names a class, a scenario, a rule and why', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'expectations-'));
    const file = path.join(dir, 'known.json');
    fs.writeFileSync(file, JSON.stringify({ known: [{ class: 'read-write-direct', scenario: 'a', rule: 'SG-3', why: 'bug 12' }] }));
    assert.deepEqual(readExpectations(file), [known('a', 'SG-3')]);
    fs.writeFileSync(file, JSON.stringify({ known: [{ class: 'read-write-direct', scenario: 'a' }] }));
    assert.throws(() => readExpectations(file), (e: Error) => e instanceof InvalidExpectations && /entry 1 needs "rule", "why"/.test(e.message));
    fs.writeFileSync(file, '{ not json');
    assert.throws(() => readExpectations(file), InvalidExpectations);
  });
});

describe('a certification', () => {
  it('refuses every filter and option but --parallel, and a machine of its own', () => {
    assert.deepEqual(certificationRefusals(['--parallel', '2'], { driver: 'x' }), []);
    assert.deepEqual(certificationRefusals(['--parallel=2'], { driver: 'x', driverTimeBudget: 5 }), []);
    const refused = certificationRefusals(['--tags', '@rule:SG-3', 'features/sg'], { driver: 'x', seed: 7 });
    assert.equal(refused.length, 2);
    assert.match(refused[0]!, /^--tags @rule:SG-3 features\/sg: /);
    assert.match(refused[1]!, /seed/);
  });

  it('selects every scenario of every claimed class and records the suite and the driver files\' hash', () => {
    assert.equal(certificationTags(['read-write-direct', 'storage-forward-progress']), '@class:read-write-direct or @class:storage-forward-progress');
    const c = certificationOf([path.resolve('docs/example-driver.ts')], path.resolve('package.json'));
    assert.equal(c.suite, 'dma-conformance');
    assert.match(c.driverSha256, /^[0-9a-f]{64}$/);
    assert.notEqual(certificationOf([path.resolve('docs/example-driver.c')], path.resolve('package.json')).driverSha256, c.driverSha256);
  });
});
