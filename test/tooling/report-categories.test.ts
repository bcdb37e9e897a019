import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { BUGCHECK_NAMES, BugCheck } from '../../src/machine/bug-check';
import { MalformedSize, parseSize } from '../../src/machine/size-expression';
import { MalformedNumber } from '../../steps/support/step-value-parsers';

interface Category {
  name: string;
  matchedStatuses: string[];
  messageRegex?: string;
}
const { reportCategories } = require('../../scripts/report-categories.cjs') as {
  reportCategories: (names: Readonly<Record<number, string>>) => Category[];
};

/**
 * The categories Allure (Java) would give a result: its regexes match the
 * whole message, and "(?s)" is the dotAll flag.
 */
function categoriesOf(status: string, message: string): string[] {
  return reportCategories(BUGCHECK_NAMES)
    .filter((c) => c.matchedStatuses.includes(status))
    .filter((c) => {
      if (c.messageRegex === undefined) return true;
      const dotAll = c.messageRegex.startsWith('(?s)');
      const source = dotAll ? c.messageRegex.slice(4) : c.messageRegex;
      return new RegExp(`^(?:${source})$`, dotAll ? 's' : '').test(message);
    })
    .map((c) => c.name);
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

describe('report categories', () => {
  it('puts a bug check under its own code, and nowhere else', () => {
    const stop = new BugCheck(0x4e, 0x99, 0x1234, 0, 0, 'a partial MDL outlived its parent');
    assert.deepEqual(categoriesOf('broken', shown(stop)), ['Product failure: bug check 0x4E PFN_LIST_CORRUPT']);
    const verifierStop = new BugCheck(0xe6, 0x26, 0, 0, 0, 'DMA into a frame that is not locked');
    assert.deepEqual(categoriesOf('broken', shown(verifierStop)), ['Product failure: bug check 0xE6 DRIVER_VERIFIER_DMA_VIOLATION']);
    assert.deepEqual(categoriesOf('broken', shown(new BugCheck(0x1234, 0, 0, 0, 0, 'r'))), ['Product failure: bug check with an unknown code']);
  });

  it('has one category for every known bug check code', () => {
    const names = reportCategories(BUGCHECK_NAMES).map((c) => c.name);
    for (const [code, name] of Object.entries(BUGCHECK_NAMES)) {
      assert.ok(names.includes(`Product failure: bug check 0x${Number(code).toString(16).toUpperCase()} ${name}`), name);
    }
  });

  it('tells a recorded verifier finding from a plain broken rule', () => {
    assert.deepEqual(categoriesOf('failed', 'AssertionError: DRIVER_VERIFIER_DMA_VIOLATION 0x26 recorded'), [
      'Product failure: verifier finding DRIVER_VERIFIER_DMA_VIOLATION',
    ]);
    assert.deepEqual(categoriesOf('failed', 'AssertionError: rule broken: 3 bytes differ\n\nexpected 1'), ['Product failure: rule broken (an assertion failed)']);
  });

  it('files suite problems as test defects', () => {
    assert.deepEqual(categoriesOf('broken', 'undefined step: no step definition matches "x"'), ['Test defect: undefined or ambiguous step']);
    assert.deepEqual(categoriesOf('broken', 'ambiguous step: several step definitions match "x"\nMultiple step definitions match:'), [
      'Test defect: undefined or ambiguous step',
    ]);
    const malformed = thrownBy(() => parseSize('8 MeB'));
    assert.ok(malformed instanceof MalformedSize);
    assert.deepEqual(categoriesOf('broken', shown(malformed)), ['Test defect: malformed size or number in a step']);
    assert.deepEqual(categoriesOf('broken', shown(new MalformedNumber('0xZZ', 'hexadecimal number', 'why'))), ['Test defect: malformed size or number in a step']);
    assert.deepEqual(categoriesOf('broken', 'TypeError: cannot read properties of undefined\n    at x'), [
      'Test defect: broken (an error in the suite or the simulator, not a verdict on the driver)',
    ]);
  });

  it('leaves passed scenarios out of every category', () => {
    assert.deepEqual(categoriesOf('passed', ''), []);
  });
});
