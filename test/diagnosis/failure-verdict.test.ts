/** What a failed scenario's message names, for the strict mutation check. */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { failureVerdict, verdictNames } from '../../src/diagnosis/failure-verdict';

describe('the verdict of a failed scenario', () => {
  it('the first finding names the rule', () => {
    const v = failureVerdict('AssertionError: expected every request to complete, but:\n[completion, DEV-2] read #1 ended in STATUS_IO_DEVICE_ERROR\n[stop, PAGE-5] ...');
    assert.deepEqual(v, { kind: 'names', rule: 'DEV-2', how: 'the first finding', entries: [] });
    assert.equal(verdictNames(v, 'DEV-2', ['DEV-2']), true);
    assert.equal(verdictNames(v, 'MDL-4', ['MDL-4']), false);
  });

  it('a stop names the rule of its code, a verifier stop the rule of its catalog entry', () => {
    assert.equal((failureVerdict('BugCheck: bug check 0x4E PFN_LIST_CORRUPT (0x9A, 0x1, 0x0, 0x0): ...') as { rule: string }).rule, 'MDL-2');
    assert.equal((failureVerdict('AssertionError: expected no bug check, but the machine stopped with bug check 0xE6 DRIVER_VERIFIER_DMA_VIOLATION (0x6, 0x2, 0x2, 0x1): VER-SG-DOUBLE-PUT') as { rule: string }).rule, 'SG-3');
    assert.equal((failureVerdict('OutcomeNotExamined: step "the driver frees MDL \"parent\"" stopped the machine with bug check 0x4E PFN_LIST_CORRUPT (0x9A, 0x1, 0x0, 0x0): ..., and no Then step examined it before the next action ran') as { rule: string }).rule, 'MDL-2');
  });

  it('a driver that declares a verifier catalog entry is named by a finding of that entry, not by its neighbours', () => {
    const v = failureVerdict('AssertionError: [stop, SG-3] the machine stopped: bug check 0xE6 DRIVER_VERIFIER_DMA_VIOLATION (0x6, 0x2, 0x2, 0x1): VER-SG-DOUBLE-PUT: PutScatterGatherList of a list that was already put back');
    assert.equal(verdictNames(v, 'VER-SG-DOUBLE-PUT', ['SG-3']), true);
    assert.equal(verdictNames(v, 'SG-3', ['SG-3']), true);
    assert.equal(verdictNames(v, 'VER-UNMAP-MISMATCH', ['SG-3']), false);
  });

  it('a program error of the suite or the simulator is broken, whatever rule its text mentions', () => {
    assert.equal(failureVerdict('TypeError: Cannot read properties of undefined (reading \'Address\')').kind, 'broken');
    assert.equal(failureVerdict('SimulatorDefect: the simulator failed (not a verdict on the driver): TypeError: x (it stopped the machine with bug check 0x1E) [stop, PAGE-3]').kind, 'broken');
    assert.equal(failureVerdict('Error: [stop, SG-3] looks like a finding').kind, 'broken');
  });

  it('a driver routine that did not return names no rule, whatever its text mentions, even in a Then step', () => {
    const message = 'DriverSpinning: the driver [stop, SG-3] bug check 0x4E PFN_LIST_CORRUPT (0x9A did not return: DpcForIsr ran more than 10 s of wall-clock time';
    for (const v of [failureVerdict(message), failureVerdict(message, 'DriverSpinning', true)]) {
      assert.deepEqual(v, { kind: 'broken', why: 'the driver did not return: no rule was judged' });
      assert.equal(verdictNames(v, 'SG-3', ['SG-3']), false);
    }
  });

  it('a Then step\'s assertion that names no rule states its scenario\'s rule; outside a Then step it is broken', () => {
    const v = failureVerdict('AssertionError: pages of "app.exe" locked for I/O: expected 1 to equal +0');
    assert.deepEqual(v, { kind: 'assertion' });
    assert.equal(verdictNames(v, 'PAGE-5', ['PAGE-5']), true);
    assert.equal(verdictNames(v, 'PAGE-5', ['PAGE-1']), false);
    assert.equal(failureVerdict('AssertionError: opening the device: expected STATUS_NO_MEMORY to equal STATUS_SUCCESS', null, false).kind, 'broken');
  });
});
