/**
 * The mutation check credits a faulty driver only for the rule its
 * failures' findings name, and a driver relabelled with another rule of its
 * class (a decoy) is credited for none. A conforming driver is held to what
 * a reference is: every scenario of its classes passes.
 */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { judge, creditedDecoys, decoyRules } = require('../../scripts/mutation-check.cjs');

const pageFive = { kind: 'faulty', name: 'keeps-pages', file: 'f.ts', path: 'f.ts', classes: ['mapped-file-dma'], breaksRule: 'PAGE-5' };
const classRules = { 'mapped-file-dma': ['DEV-3', 'MDL-1', 'PAGE-5', 'SG-3', 'VER-SG-DOUBLE-PUT'] };
// inThenStep: what a run once recorded to credit a Then step's bare assertion; it must no longer count.
const scenario = (over: object) => ({ name: 's', uri: 'u', tags: ['@class:mapped-file-dma', '@rule:PAGE-5', '@rule:SG-3'], status: 'FAILED', message: 'm', findings: null, errorType: 'AssertionError', inThenStep: true, ...over });
const run = (driver: object, scenarios: object[]) => ({ driver, seconds: 1, scenarios, runErrors: [], classRules });

describe('the mutation check', () => {
  it('does not credit an assertion that carried no findings, however the scenario is tagged', () => {
    assert.equal(judge(run(pageFive, [scenario({})])).ok, false);
    assert.equal(judge(run({ ...pageFive, breaksRule: 'SG-3' }, [scenario({})])).ok, false);
  });

  it('credits a finding that names the declared rule, as data', () => {
    const named = scenario({ findings: [{ oracle: 'stop', rule: 'PAGE-5', bugCheck: 0xcb, message: 'x' }], errorType: 'RuleFindingsError' });
    assert.equal(judge(run(pageFive, [named])).ok, true);
    assert.equal(judge(run({ ...pageFive, breaksRule: 'SG-3' }, [named])).ok, false);
  });

  it('relabels a faulty driver with every other rule of its class but its own family, and credits none of them', () => {
    assert.deepEqual(decoyRules({ ...pageFive, breaksRule: 'VER-SG-DOUBLE-PUT' }, classRules), ['DEV-3', 'MDL-1', 'PAGE-5']);
    const named = scenario({ findings: [{ oracle: 'stop', rule: 'PAGE-5', message: 'x' }], errorType: 'RuleFindingsError' });
    assert.deepEqual(creditedDecoys(run(pageFive, [named, scenario({})])), { decoys: 4, credited: [] });
    // A run whose findings name another rule credits that decoy, which the check reports.
    const other = scenario({ findings: [{ oracle: 'verifier', rule: 'MDL-1', message: 'x' }], errorType: 'RuleFindingsError' });
    assert.deepEqual(creditedDecoys(run(pageFive, [named, other])), { decoys: 4, credited: ['MDL-1'] });
  });

  it('passes a conforming driver only when every scenario of its classes passed, like a reference', () => {
    const conforming = { kind: 'conforming', name: 'retries', file: 'c.ts', path: 'c.ts', classes: ['mapped-file-dma'] };
    assert.equal(judge(run(conforming, [scenario({ status: 'PASSED' })])).ok, true);
    assert.equal(judge(run(conforming, [scenario({ status: 'PASSED' }), scenario({})])).ok, false);
    assert.equal(judge(run(conforming, [])).ok, false);
  });
});
