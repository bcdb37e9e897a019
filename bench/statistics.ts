/**
 * Summaries of repeated measurements, and the verdict of a figure against
 * its target. Benchmarks on a shared machine are noisy: the runner repeats
 * each one and reports the median with its spread, and judges a target on
 * the median.
 */

export interface Summary {
  readonly samples: readonly number[];
  readonly median: number;
  readonly min: number;
  readonly max: number;
  /** (max - min) / |median|: how far apart the runs were, relative to the median; 0 for one sample. */
  readonly relativeSpread: number;
  /** Median absolute deviation from the median, relative to |median|. */
  readonly relativeMad: number;
}

export class InvalidSamples extends Error {
  constructor(why: string) {
    super(why);
    this.name = 'InvalidSamples';
  }
}

function checkSamples(samples: readonly number[]): void {
  if (samples.length === 0) throw new InvalidSamples('no samples to summarize');
  samples.forEach((s, i) => {
    if (typeof s !== 'number' || !Number.isFinite(s)) throw new InvalidSamples(`sample ${i} is not a finite number: ${String(s)}`);
  });
}

/** The middle value; the mean of the two middle values for an even count. */
export function median(samples: readonly number[]): number {
  checkSamples(samples);
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Spread measures divided by a median of 0 would be meaningless: they are reported as 0 when every sample is 0, else Infinity. */
function relative(x: number, of: number): number {
  if (of !== 0) return x / Math.abs(of);
  return x === 0 ? 0 : Infinity;
}

export function summarize(samples: readonly number[]): Summary {
  checkSamples(samples);
  const m = median(samples);
  const min = Math.min(...samples);
  const max = Math.max(...samples);
  const mad = median(samples.map((s) => Math.abs(s - m)));
  return { samples: [...samples], median: m, min, max, relativeSpread: relative(max - min, m), relativeMad: relative(mad, m) };
}

/** A figure's target: the value it must reach (at least) or stay within (at most). */
export interface Target {
  readonly comparison: 'at least' | 'at most';
  readonly value: number;
  /** Where the target comes from, e.g. "issue 7". */
  readonly source: string;
}

export interface Verdict {
  readonly met: boolean;
  /**
   * How far the value is from the target, as a fraction of the target:
   * positive when met with room to spare, negative when missed
   * (-0.8: the value is 80 % of the target short of it).
   */
  readonly margin: number;
}

export function judge(value: number, target: Target): Verdict {
  if (!Number.isFinite(value)) throw new InvalidSamples(`cannot judge a value that is not finite: ${value}`);
  if (!Number.isFinite(target.value) || target.value === 0) throw new InvalidSamples(`a target must be a finite non-zero number, got ${target.value}`);
  const margin = target.comparison === 'at least' ? (value - target.value) / Math.abs(target.value) : (target.value - value) / Math.abs(target.value);
  return { met: margin >= 0, margin };
}

/** "met (2.5x the target)" / "MISSED: 0.12 of the target 0.5 (needs 4.2x)" — what the table prints. */
export function describeVerdict(value: number, target: Target): string {
  const v = judge(value, target);
  const sign = target.comparison === 'at least' ? '>=' : '<=';
  const factor = target.comparison === 'at least' ? target.value / value : value / target.value;
  const word = v.met ? 'met' : 'MISSED';
  if (v.met) return `${sign} ${formatNumber(target.value)}: ${word}`;
  return `${sign} ${formatNumber(target.value)}: ${word} by ${formatPercent(Math.abs(v.margin))} (${Number.isFinite(factor) ? `${formatNumber(factor)}x off` : 'no progress'})`;
}

/** A fraction as a percentage with two significant digits; below 0.01 % it reads "< 0.01 %" (floating-point noise on an exact figure). */
export function formatPercent(fraction: number): string {
  if (!Number.isFinite(fraction)) return String(fraction);
  const pct = fraction * 100;
  if (Math.abs(pct) < 0.01) return pct === 0 ? '0 %' : '< 0.01 %';
  return `${pct.toLocaleString('en-US', { maximumSignificantDigits: 2 })} %`;
}

/** Four significant digits, thousands separated; integers as they are. */
export function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v)) return v.toLocaleString('en-US');
  const abs = Math.abs(v);
  if (abs !== 0 && abs < 0.001) return v.toExponential(2);
  return v.toLocaleString('en-US', { maximumSignificantDigits: 4 });
}
