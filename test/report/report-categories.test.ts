import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { VIOLATION_CATALOG } from '../../src/kernel/verifier/violation-catalog';
import { BUGCHECK_NAMES, BugCheck, describeThrownIn } from '../../src/machine/bug-check';
import { DriverCrashed } from '../../src/oracles/driver-crashed';
import { MalformedSize, parseSize } from '../../src/machine/size-expression';
import { DriverSpinning } from '../../src/kernel/io/driver-spinning';
import { reportCategories } from '../../src/report/report-categories';
import { RuleFindingsError } from '../../src/oracles/rule-findings-error';
import { RULE_CATALOG, RULE_IDS } from '../../src/rules/rule-catalog';
import { MalformedRuleTag, ruleFamily } from '../../steps/support/rule-labels';
import { UnknownScenarioObject } from '../../steps/support/scenario-objects';
import { MalformedNumber } from '../../steps/support/step-value-parsers';
import { InvalidWorldParameters } from '../../steps/support/world-parameters';
import { categoriesOf as matchCategories } from './category-match';

const categories = reportCategories(VIOLATION_CATALOG);

function categoriesOf(status: string, message: string): string[] {
  return matchCategories(categories, status, message);
}

/** The message Allure shows: cucumber's "Name: message" followed by the stack. */
function shown(e: Error): string {
  return `${e.name}: ${e.message}\n    at a step (steps/x.steps.ts:1:1)`;
}

function thrownBy(f: () => unknown): Error {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected an error');
}

const stop4E = new BugCheck(0x4e, 0x99, 0x1234, 0, 0, 'a partial MDL outlived its parent');
const BROKEN = 'Test defect: broken (an error in the suite or the simulator, not a verdict on the driver)';

describe('report categories', () => {
  it('puts a bug check under its own code, and nowhere else', () => {
    assert.deepEqual(categoriesOf('broken', shown(stop4E)), ['Product failure: bug check 0x4E PFN_LIST_CORRUPT']);
    const verifierStop = new BugCheck(0xe6, 0x26, 0, 0, 0, 'DMA into a frame that is not locked');
    assert.deepEqual(categoriesOf('broken', shown(verifierStop)), ['Product failure: bug check 0xE6 DRIVER_VERIFIER_DMA_VIOLATION']);
    assert.deepEqual(categoriesOf('broken', shown(new BugCheck(0x1234, 0, 0, 0, 0, 'r'))), ['Product failure: bug check with an unknown code']);
  });

  it('reads the code of a stop recorded by an earlier step, not a code a message only mentions', () => {
    // The wording of steps/support/outcome.ts (which registers hooks, so a unit test cannot load it);
    // test/tooling/allure-results.test.ts checks the real messages.
    const stopped = `MachineStopped: the machine stopped in step "the driver "x.sys" frees MDL "parent"" with ${stop4E.message}; a stopped machine runs nothing more`;
    assert.deepEqual(categoriesOf('broken', stopped), ['Product failure: bug check 0x4E PFN_LIST_CORRUPT']);
    const unexamined = `AssertionError: step "the driver frees MDL "M"" stopped the machine with ${stop4E.message}, and no Then step examined it before the scenario ended`;
    assert.deepEqual(categoriesOf('failed', unexamined), ['Product failure: bug check 0x4E PFN_LIST_CORRUPT']);
    // Expected 0x4E, the machine stopped with 0x50: filed under the stop that happened.
    const wrongStop = "AssertionError: the machine stopped with bug check 0x50 PAGE_FAULT_IN_NONPAGED_AREA (0x0, 0x0, 0x0, 0x0): r: expected '0x50 PAGE_FAULT_IN_NONPAGED_AREA' to equal '0x4E PFN_LIST_CORRUPT'";
    assert.deepEqual(categoriesOf('failed', wrongStop), ['Product failure: bug check 0x50 PAGE_FAULT_IN_NONPAGED_AREA']);
    // The expected stop happened, with a wrong parameter: a broken rule, not a stop category.
    assert.deepEqual(categoriesOf('failed', "AssertionError: parameter 2 of bug check 0x4E PFN_LIST_CORRUPT (0x99, 0x1234, 0x0, 0x0): r: expected '0x1234' to equal '0x5'"), [
      'Product failure: rule broken (an assertion failed)',
    ]);
  });

  it('files a driver routine that did not return under its own category, even when its text names a rule or a stop', () => {
    const spinning = new DriverSpinning('bug check 0x4E VER-SG-DOUBLE-PUT DRIVER_VERIFIER_DMA_VIOLATION', 'DpcForIsr', 10);
    for (const status of ['failed', 'broken']) {
      assert.deepEqual(categoriesOf(status, shown(spinning)), ['Driver did not return: a routine ran past the wall-clock budget (no rule was judged)']);
    }
  });

  it('files a driver\'s crash under its own category, not under 0x1E or a rule; a raised status stays under 0x1E', () => {
    const CRASHED = 'Driver crashed: a program error in driver code (no rule was judged)';
    const thrownIn = { driver: 'drv', routine: 'IRP_MJ_READ dispatch', exception: 'TypeError: Cannot read properties of null (reading \'length\')' };
    const crash = new BugCheck(0x1e, 0xc0000005, 0, 0, 0, describeThrownIn(thrownIn));
    assert.deepEqual(categoriesOf('broken', shown(crash)), [CRASHED]);
    assert.deepEqual(categoriesOf('broken', `MachineStopped: the machine stopped in step "x" with ${crash.message}; a stopped machine runs nothing more`), [CRASHED]);
    assert.deepEqual(categoriesOf('failed', shown(new DriverCrashed({ ...thrownIn, bugCheck: 0x1e }, 'while reading'))), [CRASHED]);
    const raised = new BugCheck(0x1e, 0xc0000005, 0, 0, 0, 'driver drv: IRP_MJ_READ dispatch did not handle an exception: RaisedStatus: STATUS_ACCESS_VIOLATION');
    assert.deepEqual(categoriesOf('broken', shown(raised)), ['Product failure: bug check 0x1E KMODE_EXCEPTION_NOT_HANDLED']);
  });

  it('has one category for every known bug check code and every verifier catalog entry', () => {
    const names = categories.map((c) => c.name);
    for (const [code, name] of Object.entries(BUGCHECK_NAMES)) {
      assert.ok(names.includes(`Product failure: bug check 0x${Number(code).toString(16).toUpperCase()} ${name}`), name);
    }
    for (const entry of VIOLATION_CATALOG) assert.ok(names.includes(`Product failure: verifier ${entry.id} (${entry.title})`), entry.id);
  });

  it('files a verifier stop or a recorded finding under its catalog entry, and nowhere else', () => {
    const stop = new BugCheck(0xe6, 0x0e, 3, 0x1234, 1, 'VER-UNLOCKED-DMA: the device wrote frame 4660');
    const entry = VIOLATION_CATALOG.find((e) => e.id === 'VER-UNLOCKED-DMA')!;
    assert.deepEqual(categoriesOf('broken', shown(stop)), [`Product failure: verifier VER-UNLOCKED-DMA (${entry.title})`]);
    const doublePut = VIOLATION_CATALOG.find((e) => e.id === 'VER-SG-DOUBLE-PUT')!;
    assert.deepEqual(categoriesOf('failed', 'AssertionError: expected no verifier finding, but VER-SG-DOUBLE-PUT (SG-3) at 100 ns: ...'), [
      `Product failure: verifier VER-SG-DOUBLE-PUT (${doublePut.title})`,
    ]);
    assert.deepEqual(categoriesOf('failed', 'AssertionError: DRIVER_VERIFIER_DMA_VIOLATION 0x26 recorded'), [
      'Product failure: verifier finding DRIVER_VERIFIER_DMA_VIOLATION (no catalog entry named)',
    ]);
    assert.deepEqual(categoriesOf('failed', 'AssertionError: rule broken: 3 bytes differ\n\nexpected 1'), ['Product failure: rule broken (an assertion failed)']);
  });

  it('files a failed check by the findings it carried: verifier entry, else stop code, else rule; never by what the text below mentions', () => {
    const doublePut = new RuleFindingsError('expected no verifier finding', [
      { oracle: 'stop', rule: 'SG-3', entry: 'VER-SG-DOUBLE-PUT', bugCheck: 0xe6, message: 'bug check 0x4E PFN_LIST_CORRUPT mentioned, VER-UNLOCKED-DMA too' },
      { oracle: 'data', rule: 'PAGE-1', message: 'the machine stopped with bug check 0xCB' },
    ]);
    const entry = VIOLATION_CATALOG.find((e) => e.id === 'VER-SG-DOUBLE-PUT')!;
    assert.deepEqual(categoriesOf('failed', shown(doublePut)), [`Product failure: verifier VER-SG-DOUBLE-PUT (${entry.title})`]);
    const leftLocked = new RuleFindingsError('expected every stop to be examined', [{ oracle: 'stop', rule: 'PAGE-5', bugCheck: 0xcb, message: 'VER-SG-DOUBLE-PUT in passing' }]);
    assert.deepEqual(categoriesOf('failed', shown(leftLocked)), ['Product failure: bug check 0xCB DRIVER_LEFT_LOCKED_PAGES_IN_PROCESS']);
    const unknownStop = new RuleFindingsError('expected the machine to keep running', [{ oracle: 'stop', rule: 'VER-*', bugCheck: 0x1234, message: 'm' }]);
    assert.deepEqual(categoriesOf('failed', shown(unknownStop)), ['Product failure: bug check with an unknown code']);
    const data = new RuleFindingsError('expected every byte to match', [{ oracle: 'data', rule: 'DEV-2', message: 'DRIVER_VERIFIER_DMA_VIOLATION and bug check 0x4E PFN_LIST_CORRUPT (0x9A' }]);
    assert.deepEqual(categoriesOf('failed', shown(data)), [`Product failure: rule DEV-2 broken (${RULE_CATALOG['DEV-2'].title})`]);
    // A verifier entry named as the rule, with no stop behind it (an I/O manager check of a leak).
    const leak = new RuleFindingsError('expected nothing left behind', [{ oracle: 'leftovers', rule: 'VER-LEAK-AT-UNLOAD', message: 'm' }]);
    assert.deepEqual(categoriesOf('failed', shown(leak)), [`Product failure: verifier VER-LEAK-AT-UNLOAD (${VIOLATION_CATALOG.find((e) => e.id === 'VER-LEAK-AT-UNLOAD')!.title})`]);
    const names = categories.map((c) => c.name);
    for (const id of RULE_IDS) assert.ok(names.includes(`Product failure: rule ${id} broken (${RULE_CATALOG[id].title})`), id);
  });

  it('files suite and feature problems as test defects, each under its own kind', () => {
    assert.deepEqual(categoriesOf('broken', 'undefined step: no step definition matches "x"'), ['Test defect: undefined or ambiguous step']);
    assert.deepEqual(categoriesOf('broken', 'ambiguous step: several step definitions match "x"\nMultiple step definitions match:'), [
      'Test defect: undefined or ambiguous step',
    ]);
    const malformed = thrownBy(() => parseSize('8 MeB'));
    assert.ok(malformed instanceof MalformedSize);
    assert.deepEqual(categoriesOf('broken', shown(malformed)), ['Test defect: malformed size or number in a step']);
    assert.deepEqual(categoriesOf('broken', shown(new MalformedNumber('0xZZ', 'hexadecimal number', 'why'))), ['Test defect: malformed size or number in a step']);
    const badTag = thrownBy(() => ruleFamily('@rule:PGE-1'));
    assert.ok(badTag instanceof MalformedRuleTag);
    assert.deepEqual(categoriesOf('broken', shown(badTag)), ['Test defect: malformed rule tag']);
    assert.deepEqual(categoriesOf('broken', shown(new InvalidWorldParameters(['unknown parameter "drvier"']))), ['Test defect: invalid world parameter']);
    assert.deepEqual(categoriesOf('broken', shown(new UnknownScenarioObject('buffer', 'B', ['A']))), [
      'Test defect: a step names an object the scenario does not have, or names one twice',
    ]);
    assert.deepEqual(categoriesOf('broken', 'TypeError: cannot read properties of undefined\n    at x'), [BROKEN]);
  });

  it('does not let a test defect that mentions a bug check or a catalog ID pass for a product failure', () => {
    const message = shown(new UnknownScenarioObject('MDL', 'VER-UNLOCKED-DMA stopped the machine with bug check 0x4E ', []));
    assert.deepEqual(categoriesOf('broken', message), ['Test defect: a step names an object the scenario does not have, or names one twice']);
  });

  it('leaves passed scenarios out of every category', () => {
    assert.deepEqual(categoriesOf('passed', ''), []);
  });
});
