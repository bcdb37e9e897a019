/**
 * The benchmark runner's statistics: medians and spreads of repeated runs,
 * and the verdict of a figure against its target. Nothing here is timed.
 */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { InvalidSamples, describeVerdict, formatNumber, formatPercent, judge, median, summarize } from '../../bench/statistics';

describe('median', () => {
  it('is the middle sample of an odd count, whatever the order', () => {
    assert.equal(median([9, 1, 5]), 5);
    assert.equal(median([3, 3, 1, 100, 2]), 3);
  });

  it('is the mean of the two middle samples of an even count', () => {
    assert.equal(median([4, 1, 3, 2]), 2.5);
    assert.equal(median([10, 20]), 15);
  });

  it('does not reorder the caller\'s samples', () => {
    const samples = [3, 1, 2];
    median(samples);
    assert.deepEqual(samples, [3, 1, 2]);
  });

  it('refuses no samples and samples that are not finite numbers, naming the bad one', () => {
    assert.throws(() => median([]), InvalidSamples);
    assert.throws(() => median([1, Number.NaN]), /sample 1 is not a finite number: NaN/);
    assert.throws(() => median([Infinity]), /sample 0/);
  });
});

describe('summarize', () => {
  it('gives median, extremes and the spread relative to the median', () => {
    const s = summarize([8, 10, 12, 10, 10]);
    assert.equal(s.median, 10);
    assert.equal(s.min, 8);
    assert.equal(s.max, 12);
    assert.equal(s.relativeSpread, 0.4);
    assert.equal(s.relativeMad, 0);
    assert.deepEqual(s.samples, [8, 10, 12, 10, 10]);
  });

  it('measures the median absolute deviation relative to the median', () => {
    // deviations from 10: 2, 1, 0, 1, 6 -> median deviation 1
    assert.equal(summarize([8, 9, 10, 11, 16]).relativeMad, 0.1);
  });

  it('has no spread for a single sample', () => {
    const s = summarize([42]);
    assert.equal(s.median, 42);
    assert.equal(s.relativeSpread, 0);
  });

  it('uses the magnitude of a negative median', () => {
    assert.equal(summarize([-12, -10, -8]).relativeSpread, 0.4);
  });

  it('reports an infinite relative spread around a median of zero, and none when every sample is zero', () => {
    assert.equal(summarize([-1, 0, 1]).relativeSpread, Infinity);
    assert.equal(summarize([0, 0, 0]).relativeSpread, 0);
  });
});

describe('judge', () => {
  const atLeastHalf = { comparison: 'at least', value: 0.5, source: 'test' } as const;
  const atMost16 = { comparison: 'at most', value: 16, source: 'test' } as const;

  it('meets an "at least" target at or above it, with the room to spare as a fraction of the target', () => {
    assert.deepEqual(judge(0.5, atLeastHalf), { met: true, margin: 0 });
    assert.deepEqual(judge(0.75, atLeastHalf), { met: true, margin: 0.5 });
  });

  it('misses an "at least" target below it, by the shortfall as a fraction of the target', () => {
    const v = judge(0.125, atLeastHalf);
    assert.equal(v.met, false);
    assert.equal(v.margin, -0.75);
  });

  it('meets an "at most" target at or below it and misses it above', () => {
    assert.deepEqual(judge(14, atMost16), { met: true, margin: 0.125 });
    assert.deepEqual(judge(16, atMost16), { met: true, margin: 0 });
    assert.deepEqual(judge(24, atMost16), { met: false, margin: -0.5 });
  });

  it('refuses a value or target it cannot compare', () => {
    assert.throws(() => judge(Number.NaN, atMost16), InvalidSamples);
    assert.throws(() => judge(1, { comparison: 'at most', value: 0, source: 'test' }), /finite non-zero/);
  });
});

describe('describeVerdict', () => {
  it('says a met target is met, with its comparison', () => {
    assert.equal(describeVerdict(14, { comparison: 'at most', value: 16, source: 'test' }), '<= 16: met');
  });

  it('says by how much and by what factor a target is missed', () => {
    assert.equal(describeVerdict(0.1, { comparison: 'at least', value: 0.5, source: 'test' }), '>= 0.5: MISSED by 80 % (5x off)');
    assert.equal(describeVerdict(32, { comparison: 'at most', value: 16, source: 'test' }), '<= 16: MISSED by 100 % (2x off)');
  });

  it('says "no progress" when an "at least" target meets a value of zero', () => {
    assert.match(describeVerdict(0, { comparison: 'at least', value: 0.5, source: 'test' }), /MISSED by 100 % \(no progress\)/);
  });
});

describe('formatting', () => {
  it('prints integers whole with separators and fractions to four significant digits', () => {
    assert.equal(formatNumber(1234567), '1,234,567');
    assert.equal(formatNumber(3.14159), '3.142');
    assert.equal(formatNumber(0.0001234), '1.23e-4');
  });

  it('prints percentages to two significant digits and hides floating-point noise', () => {
    assert.equal(formatPercent(0.1234), '12 %');
    assert.equal(formatPercent(4.5e-16), '< 0.01 %');
    assert.equal(formatPercent(0), '0 %');
  });
});
