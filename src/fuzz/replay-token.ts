/**
 * The replay token of a counterexample: `<seed>:<path>:<replayPath>`.
 *
 * The seed and path are fast-check's (the path is colon-separated numbers:
 * the failing run, then the shrink steps); the replay path is fast-check's
 * record of which generated commands actually ran, itself "<counts>:<changes>"
 * in base-64 letters. So the token is read from both ends: the first field
 * is the seed, the last two the replay path, the rest the path.
 */
export interface ReplayToken {
  readonly seed: number;
  readonly path: string;
  readonly replayPath: string;
}

export class InvalidReplayToken extends Error {
  constructor(token: string, why: string) {
    super(`invalid replay token "${token}": ${why}; expected <seed>:<path>:<replayPath>, as printed with a counterexample (e.g. 42:7:3:0:AB:Cd)`);
    this.name = 'InvalidReplayToken';
  }
}

const PATH_FIELD = /^\d+$/;
const REPLAY_PATH_FIELD = /^[A-Za-z0-9+/]*$/;

export function formatReplayToken(token: ReplayToken): string {
  return `${token.seed}:${token.path}:${token.replayPath}`;
}

export function parseReplayToken(text: string): ReplayToken {
  const token = String(text).trim();
  const parts = token.split(':');
  if (parts.length < 4) throw new InvalidReplayToken(token, `it has ${parts.length} field(s), at least 4 are needed`);
  const [seedText, ...rest] = parts;
  if (!/^-?\d+$/.test(seedText!) || !Number.isSafeInteger(Number(seedText))) throw new InvalidReplayToken(token, `the seed "${seedText}" is not an integer`);
  const pathFields = rest.slice(0, -2);
  const replayFields = rest.slice(-2);
  const badPath = pathFields.find((f) => !PATH_FIELD.test(f));
  if (badPath !== undefined) throw new InvalidReplayToken(token, `the path field "${badPath}" is not a whole number`);
  const badReplay = replayFields.find((f) => !REPLAY_PATH_FIELD.test(f));
  if (badReplay !== undefined) throw new InvalidReplayToken(token, `the replay path field "${badReplay}" is not in fast-check's base-64 letters`);
  return { seed: Number(seedText), path: pathFields.join(':'), replayPath: replayFields.join(':') };
}
