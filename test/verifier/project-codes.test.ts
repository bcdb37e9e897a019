/**
 * The project's own verifier codes stay out of the ranges Microsoft documents
 * for bug checks 0xC4 and 0xE6, and each names one check.
 */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { BugCheck } from '../../src/machine/bug-check';
import { DOCUMENTED_C4_RANGES, DOCUMENTED_E6_RANGE, PROJECT_C4_BASE, PROJECT_C4_LIST, PROJECT_E6_BASE } from '../../src/kernel/verifier/project-codes';
import { ruleOfBugCheck } from '../../src/diagnosis/bug-check-rules';

const documentedC4 = (p1: number) => DOCUMENTED_C4_RANGES.some(([low, high]) => p1 >= low && p1 <= high);

describe('project verifier codes', () => {
  it('0xC4 project codes are distinct, start at the base and fall in no documented range', () => {
    assert.ok(PROJECT_C4_LIST.length > 0);
    assert.equal(new Set(PROJECT_C4_LIST.map((c) => c.parameter1)).size, PROJECT_C4_LIST.length);
    for (const c of PROJECT_C4_LIST) {
      assert.ok(c.parameter1 >= PROJECT_C4_BASE, `${c.title}: 0x${c.parameter1.toString(16)} is below the base`);
      assert.ok(!documentedC4(c.parameter1), `${c.title}: 0x${c.parameter1.toString(16)} is a code Windows documents`);
    }
  });

  it('the documented 0xC4 ranges include the codes the simulator raises as Windows does, and the deadlock codes', () => {
    for (const p1 of [0x00, 0x70, 0x7f, 0x85, 0xb0, 0xb4, 0xb8, 0x1000, 0x1006, 0x20002]) assert.ok(documentedC4(p1), `0x${p1.toString(16)}`);
  });

  it('0xE6 project codes start above every documented 0xE6 code', () => {
    assert.ok(PROJECT_E6_BASE > DOCUMENTED_E6_RANGE[1]);
  });

  it('a stop with a project 0xC4 code names its rule; a Windows deadlock code does not borrow one', () => {
    for (const c of PROJECT_C4_LIST) assert.equal(ruleOfBugCheck(new BugCheck(0xc4, c.parameter1, 0, 0, 0, 'test')), c.rule);
    assert.equal(ruleOfBugCheck(new BugCheck(0xc4, 0x1003, 0, 0, 0, 'test')), 'VER-*');
  });
});
