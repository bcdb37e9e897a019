import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { namesRule } from '../../src/fuzz/fuzzer-proof';

describe('whether a counterexample names the rule a faulty driver breaks', () => {
  it('its rule, or for a verifier catalog entry the entry in its finding; never a neighbouring rule', () => {
    assert.equal(namesRule('PAGE-1', 'anything', 'PAGE-1'), true);
    assert.equal(namesRule('PAGE-5', '[stop, PAGE-5] ... PAGE-1 ...', 'PAGE-1'), false, 'a rule mentioned in passing is not the verdict');
    assert.equal(namesRule('SG-3', '[stop, SG-3] ... VER-SG-DOUBLE-PUT: PutScatterGatherList ...', 'VER-SG-DOUBLE-PUT'), true);
    assert.equal(namesRule('SG-3', '[stop, SG-3] ... VER-SG-DOUBLE-PUTS ...', 'VER-SG-DOUBLE-PUT'), false);
    assert.equal(namesRule('SG-1', null, 'VER-SG-DOUBLE-PUT'), false);
  });
});
