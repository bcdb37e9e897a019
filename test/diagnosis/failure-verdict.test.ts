/** What a failed scenario's data names, for the strict mutation check. */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { failureVerdict, verdictNames } from '../../src/diagnosis/failure-verdict';
import { MachinePreconditionFailed } from '../../src/diagnosis/machine-precondition';
import type { OracleFinding } from '../../src/oracles/oracle-finding';

const completion: OracleFinding = { oracle: 'completion', rule: 'DEV-2', message: 'read #1 ended in STATUS_IO_DEVICE_ERROR' };
const doublePut: OracleFinding = { oracle: 'stop', rule: 'SG-3', entry: 'VER-SG-DOUBLE-PUT', bugCheck: 0xe6, message: 'the machine stopped: bug check 0xE6 ...' };

describe('the verdict of a failed scenario', () => {
  it('the first finding names the rule, whatever the others and the message say', () => {
    const v = failureVerdict({ findings: [completion, { oracle: 'stop', rule: 'PAGE-5', message: '[completion, MDL-4] in the text' }], errorType: 'RuleFindingsError' });
    assert.deepEqual(v, { kind: 'names', rule: 'DEV-2', how: 'the first finding (completion)', entries: [] });
    assert.equal(verdictNames(v, 'DEV-2'), true);
    assert.equal(verdictNames(v, 'MDL-4'), false);
    assert.equal(verdictNames(v, 'PAGE-5'), false, 'a later finding is not the verdict');
  });

  it('a driver that declares a verifier catalog entry is named by a finding of that entry, not by its neighbours', () => {
    const v = failureVerdict({ findings: [doublePut], errorType: 'RuleFindingsError' });
    assert.deepEqual(v, { kind: 'names', rule: 'SG-3', how: 'the first finding (stop, VER-SG-DOUBLE-PUT)', entries: ['VER-SG-DOUBLE-PUT'] });
    assert.equal(verdictNames(v, 'VER-SG-DOUBLE-PUT'), true);
    assert.equal(verdictNames(v, 'SG-3'), true);
    assert.equal(verdictNames(v, 'VER-UNMAP-MISMATCH'), false);
  });

  it('a verifier entry named as the rule stands for the rule it belongs to', () => {
    const v = failureVerdict({ findings: [{ oracle: 'verifier', rule: 'VER-SG-DOUBLE-PUT', message: 'm' }], errorType: 'RuleFindingsError' });
    assert.equal(verdictNames(v, 'SG-3'), true);
    assert.equal(verdictNames(v, 'SG-2'), false);
  });

  it('a program error of the suite or the simulator is broken, whatever its message', () => {
    assert.deepEqual(failureVerdict({ findings: null, errorType: 'TypeError' }), { kind: 'broken', why: 'TypeError is no verdict on the driver' });
    assert.equal(failureVerdict({ findings: null, errorType: 'SimulatorDefect' }).kind, 'broken');
    assert.equal(failureVerdict({ findings: null, errorType: null }).kind, 'broken');
  });

  it('a driver routine that did not return names no rule, even in a Then step', () => {
    const v = failureVerdict({ findings: null, errorType: 'DriverSpinning' });
    assert.deepEqual(v, { kind: 'broken', why: 'the driver did not return: no rule was judged' });
    assert.equal(verdictNames(v, 'SG-3'), false);
  });

  it('a precondition about the machine that failed is broken: no verdict on the driver', () => {
    const v = failureVerdict({ findings: null, errorType: new MachinePreconditionFailed('memory has not fragmented').name });
    assert.deepEqual(v, { kind: 'broken', why: 'a precondition about the machine failed: no verdict on the driver' });
    assert.equal(verdictNames(v, 'CONT-2'), false);
  });

  it('an assertion that carried no findings names no rule, whatever its scenario is tagged with', () => {
    const v = failureVerdict({ findings: null, errorType: 'AssertionError' });
    assert.deepEqual(v, { kind: 'broken', why: 'an assertion that carried no findings names no rule' });
    assert.equal(verdictNames(v, 'PAGE-5'), false);
    assert.equal(failureVerdict({ findings: [], errorType: 'AssertionError' }).kind, 'broken', 'an empty list names nothing');
  });
});
