/** The rule a stop code stands for. */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { BugCheck } from '../../src/machine/bug-check';
import { PROJECT_C4_CODES } from '../../src/kernel/verifier/project-codes';
import { diagnoseBugCheck, ruleOfBugCheck } from '../../src/diagnosis/bug-check-rules';
import type { Evidence } from '../../src/diagnosis/evidence';
import type { MemoryFault } from '../../src/machine/memory-fault';

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

describe('the rule of a stop, from the access that caused it', () => {
  const noEvidence = {} as Evidence;
  const faulting = (code: number, p1: number, fault: MemoryFault) => diagnoseBugCheck(new BugCheck(code, p1, 0, 0, 0, 'test', fault), noEvidence);

  it('a user address touched in no process context (PIO into the user buffer from a DPC) is MDL-3, not the unhandled exception\'s PAGE-3', () => {
    const d = faulting(0x1e, 0xc0000005, { address: 0x10000, write: true, space: 'user', reason: 'no-process-context' });
    assert.equal(d.rule, 'MDL-3');
    assert.match(d.because, /no process is current/);
  });

  it('a system address used after its MDL mapping was released is MDL-3, not the page fault\'s PAGE-3', () => {
    assert.equal(faulting(0x50, 0x90000000000, { address: 0x90000000000, write: false, space: 'system', reason: 'released-system-mapping', mdlId: 7 }).rule, 'MDL-3');
  });

  it('a user buffer probed at raised IRQL is PAGE-3, not the lock\'s PAGE-1', () => {
    assert.equal(faulting(0xc4, 0x70, { address: 0x10000, write: true, space: 'user', reason: 'user-memory-at-raised-irql' }).rule, 'PAGE-3');
  });

  it('a fault that says nothing more keeps the stop code\'s rule', () => {
    assert.equal(faulting(0x50, 0x90000000000, { address: 0x90000000000, write: false, space: 'system', reason: 'invalid-address' }).rule, 'PAGE-3');
  });
});
