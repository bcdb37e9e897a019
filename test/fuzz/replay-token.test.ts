/**
 * Replay tokens: `<seed>:<path>:<replayPath>`, read from both ends because
 * the path and the replay path both contain colons.
 */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { InvalidReplayToken, formatReplayToken, parseReplayToken } from '../../src/fuzz/replay-token';

describe('replay tokens', () => {
  it('read back what was written, for any seed, path and replay path', () => {
    const b64 = fc.string({ unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'), maxLength: 12 });
    fc.assert(
      fc.property(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), fc.array(fc.nat(500), { minLength: 1, maxLength: 8 }), b64, b64, (seed, path, counts, changes) => {
        const token = { seed, path: path.join(':'), replayPath: `${counts}:${changes}` };
        assert.deepEqual(parseReplayToken(formatReplayToken(token)), token);
      }),
      { seed: 5, numRuns: 200 },
    );
  });

  it('parse a printed token', () => {
    assert.deepEqual(parseReplayToken(' 1:2:2:5:4:4:6:6:AAEAAJAAQ:VF '), { seed: 1, path: '2:2:5:4:4:6:6', replayPath: 'AAEAAJAAQ:VF' });
    assert.deepEqual(parseReplayToken('-7:0:A:'), { seed: -7, path: '0', replayPath: 'A:' });
  });

  it('reject a token that is not one, saying why', () => {
    const cases: [string, RegExp][] = [
      ['42', /1 field\(s\), at least 4/],
      ['42:1:AB', /3 field\(s\)/],
      ['x:1:A:B', /seed "x" is not an integer/],
      ['4:1:zz:A:B', /path field "zz"/],
      ['4:1:A-:B', /replay path field "A-"/],
    ];
    for (const [text, why] of cases) {
      assert.throws(() => parseReplayToken(text), (e: unknown) => e instanceof InvalidReplayToken && why.test(e.message) && e.message.includes('<seed>:<path>:<replayPath>'), text);
    }
  });
});
