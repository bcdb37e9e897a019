/**
 * Clock.chargeRepeated leaves the clock and its accounts exactly as the same
 * charges made one call at a time do: floating-point sums, to the last bit,
 * charges that share an account, and charges of nothing, which open no account.
 */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { Clock } from '../../src/machine/clock';

const CHARGES = [[0.1, 'mm:demand-zero'], [0.3, 'cpu:cached'], [0, 'never'], [1 / 3, 'mm:demand-zero']] as const;

function charged(how: 'one by one' | 'repeated', times: number): { now: number; accounts: [string, number][] } {
  const clock = new Clock();
  clock.charge(7.7, 'cpu:cached');
  if (how === 'repeated') clock.chargeRepeated(CHARGES, times);
  else for (let i = 0; i < times; i++) for (const [ns, account] of CHARGES) clock.charge(ns, account);
  return { now: clock.now, accounts: [...clock.cpuNs] };
}

describe('repeated charges', () => {
  for (const times of [0, 1, 3, 10_007]) {
    it(`${times} round(s) give the time and accounts of as many calls`, () => {
      assert.deepEqual(charged('repeated', times), charged('one by one', times));
    });
  }
});
