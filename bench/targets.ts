/**
 * The targets as data: one row per target of every measured figure, across
 * the benchmarks of reports/bench.json (those of this run and those kept from
 * earlier runs), with the figure's median, the target and whether it is met.
 * The runner writes them as the document's `targets`, so a reader (or a
 * script) sees every goal's state without reading the samples.
 */
import { Target, judge } from './statistics';

export interface JudgedTarget extends Target {
  readonly met: boolean;
}

/** What the rows are read from: a benchmark entry of reports/bench.json. */
export interface MeasuredFigures {
  readonly file: string;
  readonly measuredAt: string;
  readonly measures: readonly { readonly name: string; readonly unit: string; readonly median: number; readonly targets?: readonly JudgedTarget[] }[];
}

export interface TargetRow {
  readonly benchmark: string;
  readonly figure: string;
  readonly value: number;
  readonly unit: string;
  readonly comparison: Target['comparison'];
  readonly target: number;
  readonly source: string;
  readonly met: boolean;
  readonly measuredAt: string;
}

/** Each of a figure's targets judged on its median. */
export function judgeTargets(median: number, targets: readonly Target[]): JudgedTarget[] {
  return targets.map((t) => ({ ...t, met: judge(median, t).met }));
}

export function targetRows(benchmarks: readonly MeasuredFigures[]): TargetRow[] {
  return benchmarks.flatMap((b) =>
    b.measures.flatMap((m) =>
      (m.targets ?? []).map((t) => ({
        benchmark: b.file,
        figure: m.name,
        value: m.median,
        unit: m.unit,
        comparison: t.comparison,
        target: t.value,
        source: t.source,
        met: t.met,
        measuredAt: b.measuredAt,
      })),
    ),
  );
}
