/**
 * Commands choose their target by an index into what is live when they run
 * (`i % live.length`), never by an identity fixed at generation time: a
 * shrunk sequence that drops the command creating an object then still
 * names a live one, so shrinking keeps every command valid.
 */
export function pickLive<T>(live: readonly T[], index: number): T {
  if (live.length === 0) throw new RangeError('pickLive: nothing is live to pick from; the command\'s check should have refused to run');
  return live[index % live.length]!;
}
