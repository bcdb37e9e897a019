/**
 * Seed and budget of a fuzz step: fixed in the default suite, the
 * campaign's under `npm run fuzz`.
 */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { CAMPAIGN_RUNS_FACTOR, DEFAULT_SUITE_SEED, InvalidFuzzSettings, budgetFor, fuzzSettingsFrom } from '../../src/fuzz/fuzz-settings';

describe('fuzz settings', () => {
  it('the default suite runs the step\'s budget with the fixed seed, whatever FUZZ_RUNS says', () => {
    const settings = fuzzSettingsFrom({ FUZZ_RUNS: '5000', FUZZ_SEED: '7' });
    assert.deepEqual(budgetFor(settings, 200), { seed: DEFAULT_SUITE_SEED, runs: 200 });
  });

  it('a campaign runs FUZZ_RUNS with its seed, or ten times the step\'s budget', () => {
    assert.deepEqual(budgetFor(fuzzSettingsFrom({ FUZZ_CAMPAIGN: '1', FUZZ_SEED: '-12', FUZZ_RUNS: '3000' }), 200), { seed: -12, runs: 3000 });
    assert.deepEqual(budgetFor(fuzzSettingsFrom({ FUZZ_CAMPAIGN: '1', FUZZ_SEED: '12' }), 200), { seed: 12, runs: 200 * CAMPAIGN_RUNS_FACTOR });
  });

  it('bad settings are named', () => {
    assert.throws(() => fuzzSettingsFrom({ FUZZ_CAMPAIGN: '1' }), (e: unknown) => e instanceof InvalidFuzzSettings && /needs FUZZ_SEED/.test(e.message));
    assert.throws(() => fuzzSettingsFrom({ FUZZ_CAMPAIGN: '1', FUZZ_SEED: '1.5' }), /FUZZ_SEED must be a whole number, got "1.5"/);
    assert.throws(() => fuzzSettingsFrom({ FUZZ_CAMPAIGN: '1', FUZZ_SEED: '1', FUZZ_RUNS: '0' }), /FUZZ_RUNS must be a whole number >= 1, got "0"/);
    assert.throws(() => budgetFor(fuzzSettingsFrom({}), 0), /at least one run/);
  });
});
