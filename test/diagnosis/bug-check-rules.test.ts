/** The rule a stop code stands for. */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { BugCheck } from '../../src/machine/bug-check';
import { PROJECT_C4_CODES } from '../../src/kernel/verifier/project-codes';
import { ruleOfBugCheck } from '../../src/diagnosis/bug-check-rules';

const stop = (code: number, p1: number) => ruleOfBugCheck(new BugCheck(code, p1, 0, 0, 0, 'test'));

describe('the rule of a bug check', () => {
  it('a DMA verifier stop names its catalog entry\'s rule, or the entry for the verifier\'s own checks', () => {
    assert.equal(stop(0xe6, 0x0e), 'PAGE-1');
    assert.equal(stop(0xe6, 0x06), 'SG-3');
    assert.equal(stop(0xe6, 0x0b), 'SG-2');
    assert.equal(stop(0xe6, 0x0f), 'VER-DMA-OUTSIDE-BUFFER');
  });

  it('memory-manager stops name the rule they enforce', () => {
    assert.equal(stop(0x4e, 0x9a), 'MDL-2');
    assert.equal(stop(0x4e, 0x07), 'PAGE-5');
    assert.equal(stop(0xcb, 0), 'PAGE-5');
    assert.equal(stop(0xc4, 0x7f), 'PAGE-7');
    assert.equal(stop(0xc4, PROJECT_C4_CODES.UNMAP_IN_OTHER_PROCESS.parameter1), 'CONT-6');
    assert.equal(stop(0xc4, 0x85), 'PAGE-1');
    assert.equal(stop(0x3f, 0), 'MDL-3');
    assert.equal(stop(0x1e, 0xc0000005), 'PAGE-3');
    assert.equal(stop(0x05, 0), 'CONT-6', 'attaching to a process to undo a user mapping where that cannot be done');
  });

  it('an unknown code falls back to the verifier family', () => {
    assert.equal(stop(0x1234, 0), 'VER-*');
  });
});
