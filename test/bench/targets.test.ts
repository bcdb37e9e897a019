/**
 * The table of targets reports/bench.json carries: one row per target of a
 * figure, judged on the figure's median. Nothing here is timed.
 */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { judgeTargets, targetRows } from '../../bench/targets';

describe('judgeTargets', () => {
  it('judges every target of a figure on its median, so a milestone can be met while the goal is not', () => {
    const judged = judgeTargets(0.2, [
      { comparison: 'at least', value: 0.1, source: 'milestone' },
      { comparison: 'at least', value: 0.5, source: 'goal' },
    ]);
    assert.deepEqual(judged.map((t) => [t.source, t.met]), [['milestone', true], ['goal', false]]);
  });

  it('judges "at most" targets too', () => {
    assert.deepEqual(judgeTargets(5, [{ comparison: 'at most', value: 4, source: 'issue' }]).map((t) => t.met), [false]);
  });
});

describe('targetRows', () => {
  it('lists each target of each figure of each benchmark with the median and when it was measured, and leaves figures without a target out', () => {
    const rows = targetRows([
      {
        file: 'a.bench.ts',
        measuredAt: '2026-01-01T00:00:00.000Z',
        measures: [
          { name: 'ratio', unit: 'x', median: 3, targets: judgeTargets(3, [{ comparison: 'at most', value: 4, source: 'issue 18' }]) },
          { name: 'time', unit: 's', median: 9 },
        ],
      },
      { file: 'b.bench.ts', measuredAt: '2026-01-02T00:00:00.000Z', measures: [{ name: 'share', unit: 'ratio', median: 0.5, targets: judgeTargets(0.5, [{ comparison: 'at most', value: 0.1, source: 'issue 18' }]) }] },
    ]);
    assert.deepEqual(rows, [
      { benchmark: 'a.bench.ts', figure: 'ratio', value: 3, unit: 'x', comparison: 'at most', target: 4, source: 'issue 18', met: true, measuredAt: '2026-01-01T00:00:00.000Z' },
      { benchmark: 'b.bench.ts', figure: 'share', value: 0.5, unit: 'ratio', comparison: 'at most', target: 0.1, source: 'issue 18', met: false, measuredAt: '2026-01-02T00:00:00.000Z' },
    ]);
  });
});
