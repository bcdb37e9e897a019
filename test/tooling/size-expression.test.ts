import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { GiB, KiB, MiB, PAGE_SIZE } from '../../src/contracts/units';
import { COUNT_PATTERN, HEX_PATTERN, MalformedNumber, MalformedSize, SIZE_PATTERN, parseCount, parseHex, parseSize } from '../../steps/support/step-value-parsers';

/** Whether the whole text is what a parameter type's pattern would capture. */
function capturesWhole(pattern: RegExp, text: string): boolean {
  return new RegExp(`^(?:${pattern.source})$`).test(text);
}

describe('sizes in steps', () => {
  const valid: [string, number][] = [
    ['8 MiB', 8 * MiB],
    ['4 KiB + 12 bytes', 4 * KiB + 12],
    ['3 pages', 3 * PAGE_SIZE],
    ['0x2000 bytes', 0x2000],
    ['1 byte', 1],
    ['16 GiB', 16 * GiB],
  ];
  for (const [text, bytes] of valid) {
    it(`reads "${text}" as ${bytes} bytes, and the {size} pattern captures it`, () => {
      assert.equal(parseSize(text), bytes);
      assert.ok(capturesWhole(SIZE_PATTERN, text));
    });
  }

  const malformed: [string, RegExp][] = [
    ['8 MeB', /unknown unit "MeB"/],
    ['eight MiB', /"eight MiB" is not a number followed by a unit/],
    ['', /it is empty/],
    ['1,000 bytes', /is not a number followed by a unit/],
  ];
  for (const [text, why] of malformed) {
    it(`rejects "${text}" with a message naming the problem`, () => {
      assert.throws(
        () => parseSize(text),
        (e: unknown) => e instanceof MalformedSize && why.test(e.message) && e.message.includes(`malformed size "${text}"`),
      );
    });
  }

  it('lets plausible mistakes reach the step, so they fail with the message instead of being undefined', () => {
    for (const text of ['8 MeB', '1,000 bytes', '8.5.1 MiB', '0x bytes', '4 KiB + 12 bites']) {
      assert.ok(capturesWhole(SIZE_PATTERN, text), text);
      assert.throws(() => parseSize(text), MalformedSize, text);
    }
  });
});

describe('hexadecimal numbers and counts in steps', () => {
  it('reads 0x4E and 12', () => {
    assert.equal(parseHex('0x4E'), 0x4e);
    assert.equal(parseHex('0xe6'), 0xe6);
    assert.equal(parseCount('12'), 12);
    assert.ok(capturesWhole(HEX_PATTERN, '0x4E'));
    assert.ok(capturesWhole(COUNT_PATTERN, '12'));
  });

  it('rejects malformed ones with a message naming the problem', () => {
    assert.ok(capturesWhole(HEX_PATTERN, '0xZZ'));
    assert.throws(() => parseHex('0xZZ'), (e: unknown) => e instanceof MalformedNumber && /malformed hexadecimal number "0xZZ"/.test(e.message));
    assert.throws(() => parseHex('0x'), MalformedNumber);
    assert.throws(() => parseHex('0x' + 'F'.repeat(16)), /above 2\^53/);
    assert.ok(capturesWhole(COUNT_PATTERN, '1,000'));
    assert.throws(() => parseCount('1,000'), (e: unknown) => e instanceof MalformedNumber && /malformed count "1,000": write digits only/.test(e.message));
  });
});
