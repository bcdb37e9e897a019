/**
 * How a fuzz step decides its seed and budget.
 *
 * In the default suite (`npm test`, `npm run conformance`) a fuzz scenario
 * runs the budget its step names with a fixed seed: fast, and the same on
 * every run. In a campaign (`npm run fuzz`, which sets FUZZ_CAMPAIGN) the
 * seed is the campaign's (fresh each time unless given) and the budget
 * FUZZ_RUNS, or ten times the step's when that is not given.
 *
 *   FUZZ_CAMPAIGN=1   a campaign is running
 *   FUZZ_SEED=<int>   its seed (required in a campaign)
 *   FUZZ_RUNS=<n>     runs per fuzz step
 */
export const DEFAULT_SUITE_SEED = 20_260_523;
export const CAMPAIGN_RUNS_FACTOR = 10;

export interface FuzzSettings {
  readonly campaign: boolean;
  readonly seed: number;
  /** Runs per step in a campaign; null: derived from the step's budget. */
  readonly runs: number | null;
}

export class InvalidFuzzSettings extends Error {
  constructor(problem: string) {
    super(`fuzz settings: ${problem}`);
    this.name = 'InvalidFuzzSettings';
  }
}

function wholeNumber(name: string, text: string, min: number): number {
  const n = Number(text);
  if (!/^-?\d+$/.test(text.trim()) || !Number.isSafeInteger(n) || n < min) throw new InvalidFuzzSettings(`${name} must be a whole number${min > -Infinity ? ` >= ${min}` : ''}, got "${text}"`);
  return n;
}

export function fuzzSettingsFrom(env: Readonly<Record<string, string | undefined>> = process.env): FuzzSettings {
  const campaign = env.FUZZ_CAMPAIGN === '1';
  if (!campaign) return { campaign: false, seed: DEFAULT_SUITE_SEED, runs: null };
  if (env.FUZZ_SEED === undefined) throw new InvalidFuzzSettings('a campaign (FUZZ_CAMPAIGN=1) needs FUZZ_SEED; run it with npm run fuzz, which chooses one');
  const seed = wholeNumber('FUZZ_SEED', env.FUZZ_SEED, -Infinity);
  const runs = env.FUZZ_RUNS === undefined || env.FUZZ_RUNS === '' ? null : wholeNumber('FUZZ_RUNS', env.FUZZ_RUNS, 1);
  return { campaign, seed, runs };
}

/** The seed and run count a step with budget `stepRuns` uses. */
export function budgetFor(settings: FuzzSettings, stepRuns: number): { seed: number; runs: number } {
  if (!(Number.isSafeInteger(stepRuns) && stepRuns >= 1)) throw new InvalidFuzzSettings(`a fuzz step needs at least one run, got ${stepRuns}`);
  if (!settings.campaign) return { seed: settings.seed, runs: stepRuns };
  return { seed: settings.seed, runs: settings.runs ?? stepRuns * CAMPAIGN_RUNS_FACTOR };
}
