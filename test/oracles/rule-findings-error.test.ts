/** A failed check's error carries its findings as data, under a headline written from them. */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { AssertionError } from 'chai';
import { RuleFindingsError, failOnFindings, findingsHeadline, findingsOf } from '../../src/oracles/rule-findings-error';
import type { OracleFinding } from '../../src/oracles/oracle-finding';
import { requireOfDriver } from '../../src/oracles/rule-check';

const doublePut: OracleFinding = { oracle: 'stop', rule: 'SG-3', entry: 'VER-SG-DOUBLE-PUT', bugCheck: 0xe6, message: 'a list put back twice' };
const leftLocked: OracleFinding = { oracle: 'stop', rule: 'PAGE-5', bugCheck: 0xcb, message: 'pages left locked' };
const data: OracleFinding = { oracle: 'data', rule: 'DEV-2', message: '3 bytes differ' };

describe('a rule findings error', () => {
  it('is an assertion that carries its findings, the first one\'s rule being the verdict', () => {
    const e = new RuleFindingsError('expected every byte to match', [data, doublePut]);
    assert.ok(e instanceof AssertionError, 'a verdict on the driver, not a broken run');
    assert.equal(e.name, 'AssertionError');
    assert.deepEqual(findingsOf(e), [data, doublePut]);
    assert.equal(e.rule, 'DEV-2');
    assert.equal(e.message, 'broken rule DEV-2: expected every byte to match, but:\n[data, DEV-2] 3 bytes differ\n[stop, SG-3] a list put back twice');
  });

  it('writes its headline from the first finding: verifier entry, else stop code, else the rule alone', () => {
    assert.equal(findingsHeadline([doublePut, data]), 'broken rule SG-3 (verifier VER-SG-DOUBLE-PUT)');
    assert.equal(findingsHeadline([leftLocked]), 'broken rule PAGE-5 (bug check 0xCB)');
    assert.equal(findingsHeadline([data, leftLocked]), 'broken rule DEV-2');
  });

  it('is thrown only when there are findings; any other error carries none', () => {
    assert.doesNotThrow(() => failOnFindings('expected nothing', []));
    assert.throws(() => failOnFindings('expected nothing', [leftLocked]), (e: unknown) => findingsOf(e)?.[0] === leftLocked);
    assert.throws(() => new RuleFindingsError('x', []), RangeError);
    assert.equal(findingsOf(new Error('[stop, SG-3] broken rule SG-3 in words only')), null);
    assert.equal(findingsOf(undefined), null);
  });
});

describe('a Then step\'s own check of the driver', () => {
  it('fails with one finding naming the rule it judges, as data, and says nothing when the check holds', () => {
    assert.doesNotThrow(() => requireOfDriver(true, 'CONT-3', 'leftovers', 'expected nothing held', () => assert.fail('not asked when the check holds')));
    try {
      requireOfDriver(false, 'CONT-3', 'leftovers', 'expected every buffer preallocated at boot to be given back', () => 'the driver still holds 2');
      assert.fail('the check should have failed');
    } catch (e) {
      assert.deepEqual(findingsOf(e), [{ oracle: 'leftovers', rule: 'CONT-3', message: 'the driver still holds 2' }]);
    }
  });
});
