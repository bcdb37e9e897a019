import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DataPattern, PatternChecker } from '../../src/pci/data-pattern';

test('the pattern is reproducible from its seed and differs between seeds', () => {
  assert.deepEqual(new DataPattern(7).expected(1000, 64), new DataPattern(7).expected(1000, 64));
  assert.notDeepEqual(new DataPattern(7).expected(0, 256), new DataPattern(8).expected(0, 256));
  const p = new DataPattern(3);
  const block = p.expected(500, 700);
  for (let i = 0; i < 700; i++) assert.equal(block[i], p.byteAt(500 + i));
});

test('a shifted, short or zero copy fails the check', () => {
  const p = new DataPattern(11);
  const length = 8192;
  const good = p.expected(0, length);
  assert.equal(p.firstMismatch(0, good), -1);
  for (const shift of [1, 4, 255, 256, 4096]) {
    assert.notEqual(p.firstMismatch(0, p.expected(shift, length)), -1, `shift by ${shift} is caught`);
  }
  const short = good.slice();
  short.fill(0, length - 100);
  assert.ok(p.firstMismatch(0, short) >= length - 100);
  const checker = new PatternChecker(p);
  checker.check(0, new Uint8Array(length));
  assert.ok(checker.mismatchCount > length * 0.9, 'zeros are almost all mismatches');
  assert.equal(checker.mismatches.length, PatternChecker.keptMismatches);
  assert.equal(checker.bytesChecked, length);
});
