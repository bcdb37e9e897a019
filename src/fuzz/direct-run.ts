/**
 * A fuzz run outside cucumber, as `npm run fuzz` does it for one target
 * named on the command line: a replay of one counterexample, or a campaign
 * against one kernel model. Prints what it did; the result is the exit code
 * (0: no rule violated, 1: a counterexample).
 */
import { formatCounterexample, runCampaign } from './campaign';
import { TargetSelection, selectTarget } from './fuzz-targets';
import { parseReplayToken } from './replay-token';

export interface DirectRun {
  readonly selection: TargetSelection;
  /** A replay token `<seed>:<path>:<replayPath>`; the case runs once. */
  readonly replay?: string;
  readonly seed: number;
  readonly runs: number;
}

export function runDirect(run: DirectRun, print: (line: string) => void = console.log): number {
  const target = selectTarget(run.selection);
  const replay = run.replay === undefined ? null : parseReplayToken(run.replay);
  const result = runCampaign(target, { seed: run.seed, runs: run.runs, replay });
  if (replay) print(`fuzz: replayed ${target.name}, seed ${replay.seed}, path ${replay.path}, replay path ${replay.replayPath}`);
  else print(`fuzz: ${target.name}, seed ${run.seed}, ${result.runs} run(s)`);
  if (!result.counterexample) {
    print(replay ? 'fuzz: the case passes: no rule is violated (was the driver or the simulator changed since it failed?)' : 'fuzz: no rule violated');
    return 0;
  }
  print(formatCounterexample(result.counterexample));
  return 1;
}
