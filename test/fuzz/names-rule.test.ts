import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { namesRule } from '../../src/fuzz/fuzzer-proof';
import { describeFailure, RuleViolation } from '../../src/fuzz/rule-violation';
import { requireNoFindings } from '../../src/fuzz/workload/rule-checks';

describe('whether a counterexample names the rule a faulty driver breaks', () => {
  it('its rule, or for a verifier catalog entry a finding of that entry; never a neighbouring rule', () => {
    assert.equal(namesRule('PAGE-1', [], 'PAGE-1'), true);
    assert.equal(namesRule('PAGE-5', [], 'PAGE-1'), false);
    assert.equal(namesRule('SG-3', ['VER-SG-DOUBLE-PUT'], 'VER-SG-DOUBLE-PUT'), true);
    assert.equal(namesRule('SG-3', ['VER-SG-DOUBLE-PUT'], 'VER-UNMAP-MISMATCH'), false);
    assert.equal(namesRule('SG-1', [], 'VER-SG-DOUBLE-PUT'), false);
  });

  it('reads the entries from the findings a rule violation carries, not from its text', () => {
    let thrown: unknown;
    try {
      requireNoFindings([{ oracle: 'stop', rule: 'SG-3', entry: 'VER-SG-DOUBLE-PUT', bugCheck: 0xe6, message: 'a list put back twice' }], 'after put');
    } catch (e) {
      thrown = e;
    }
    assert.deepEqual(describeFailure(thrown), { kind: 'finding', rule: 'SG-3', finding: 'after put:\n[stop, SG-3] a list put back twice', entries: ['VER-SG-DOUBLE-PUT'] });
    // An entry named only in the text is no entry of the failure.
    assert.deepEqual(describeFailure(new RuleViolation('SG-3', 'mentions VER-SG-DOUBLE-PUT')), { kind: 'finding', rule: 'SG-3', finding: 'mentions VER-SG-DOUBLE-PUT' });
  });
});
