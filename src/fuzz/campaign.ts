/**
 * Running a fuzz target with fast-check and turning a failure into a
 * counterexample: the shrunk commands, the rule broken and the finding, and
 * the replay token that reproduces exactly that case.
 *
 * A target is anything whose property is built from `fc.commands`: the
 * kernel models and the workload fuzzer. Its property takes the replay path
 * because fast-check replays a command sequence only when the commands
 * arbitrary itself is given the path (seed and path alone do not suffice).
 */
import { suiteCommand } from '../cli/suite-command';
import fc from 'fast-check';
import { FailureKind, RuleViolation, describeFailure } from './rule-violation';
import type { OracleFinding } from '../oracles/oracle-finding';
import { ReplayToken, formatReplayToken } from './replay-token';
import type { RuleRef, VerifierEntryId } from '../rules/rule-ref';

export interface FuzzTarget {
  /** How reports name the target: "kernel model mdl", "driver direct-io". */
  readonly name: string;
  /**
   * The `npm run fuzz` options that select this target with the same
   * generation settings (a replay needs both), e.g. ["--model", "mdl"].
   */
  readonly replayArguments: readonly string[];
  /** The property; its commands arbitrary replays `replayPath` when given. */
  property(replayPath: string | undefined): fc.IProperty<unknown[]>;
}

export interface CampaignSettings {
  readonly seed: number;
  /** Random cases to try (ignored when replaying: a replay runs the one case). */
  readonly runs: number;
  readonly replay?: ReplayToken | null;
  /** Shrink a failure to its smallest form (the default); without, the first failing case is reported as found. */
  readonly shrink?: boolean;
}

export interface Counterexample {
  readonly target: string;
  readonly seed: number;
  readonly path: string;
  readonly replayPath: string;
  /** The shrunk commands that ran, in order; the last one failed. */
  readonly steps: readonly string[];
  /** The other generated values of the case (a boot configuration, say). */
  readonly inputs: readonly string[];
  /** What the case failed with: a finding of a rule, the driver's crash, or a broken run (no verdict on the driver). */
  readonly failure: FailureKind;
  /** The rule the case breaks, when the failure names one. */
  readonly rule: RuleRef | null;
  /** The verifier catalog entries behind the failure's findings. */
  readonly entries: readonly VerifierEntryId[];
  /** The oracles' findings behind a finding of a rule, as data (none for a crash, a broken run or a kernel model's rule). */
  readonly findings: readonly OracleFinding[];
  /** What the machine, the verifier or an oracle reported. */
  readonly finding: string;
  /** Which run (counted from 1) failed first, before shrinking. */
  readonly runsToFailure: number;
  readonly shrinks: number;
  readonly replayToken: string;
  readonly replayCommand: string;
}

export interface CampaignResult {
  readonly target: string;
  readonly seed: number;
  /** Cases run (the failing one included). */
  readonly runs: number;
  readonly replayed: boolean;
  readonly counterexample: Counterexample | null;
}

const REPLAY_PATH_COMMENT = /\/\*replayPath="([^"]*)"\*\//;

/** fast-check's commands value: iterable over wrapped commands that know whether they ran. */
function isCommandSequence(value: unknown): value is Iterable<unknown> {
  return typeof value === 'object' && value !== null && Symbol.iterator in value && REPLAY_PATH_COMMENT.test(String(value));
}

export function replayCommandFor(target: FuzzTarget, token: string): string {
  return [...suiteCommand('fuzz'), ...target.replayArguments, '--replay', token].join(' ');
}

export function runCampaign(target: FuzzTarget, settings: CampaignSettings): CampaignResult {
  const replay = settings.replay ?? null;
  if (!replay && !(Number.isSafeInteger(settings.runs) && settings.runs >= 1)) throw new RangeError(`fuzz campaign of ${target.name}: runs must be a whole number >= 1, got ${settings.runs}`);
  if (!Number.isSafeInteger(settings.seed)) throw new RangeError(`fuzz campaign of ${target.name}: seed must be an integer, got ${settings.seed}`);
  const property = target.property(replay?.replayPath);
  const details = replay
    ? fc.check(property, { seed: replay.seed, path: replay.path, numRuns: 1, endOnFailure: true })
    : fc.check(property, { seed: settings.seed, numRuns: settings.runs, endOnFailure: settings.shrink === false });
  const seed = replay ? replay.seed : settings.seed;
  if (!details.failed) return { target: target.name, seed, runs: details.numRuns, replayed: replay !== null, counterexample: null };

  const values: unknown[] = details.counterexample ?? [];
  const sequence = values.find(isCommandSequence);
  const replayPath = sequence ? REPLAY_PATH_COMMENT.exec(String(sequence))![1]! : '';
  const steps = sequence ? [...sequence].filter((c) => (c as { hasRan?: boolean }).hasRan !== false).map(String) : [];
  const inputs = values.filter((v) => v !== sequence).map((v) => fc.stringify(v));
  const path = details.counterexamplePath ?? replay?.path ?? '0';
  const { kind: failure, rule, finding, entries = [] } = describeFailure(details.errorInstance);
  const replayToken = formatReplayToken({ seed, path, replayPath });
  return {
    target: target.name,
    seed,
    runs: details.numRuns,
    replayed: replay !== null,
    counterexample: {
      target: target.name,
      seed,
      path,
      replayPath,
      steps,
      inputs,
      failure,
      rule,
      entries,
      findings: details.errorInstance instanceof RuleViolation ? details.errorInstance.findings : [],
      finding,
      runsToFailure: Number(path.split(':')[0]) + 1,
      shrinks: details.numShrinks,
      replayToken,
      replayCommand: replayCommandFor(target, replayToken),
    },
  };
}

/** The counterexample as the console and the report show it. */
export function formatCounterexample(c: Counterexample): string {
  const lines = [
    `counterexample for ${c.target}`,
    `  rule broken: ${c.rule ?? (c.failure === 'crash' ? '(none: the driver crashed)' : c.failure === 'broken' ? '(none: the run broke, no verdict on the driver)' : '(none named)')}`,
    `  finding:     ${c.finding}`,
    `  seed: ${c.seed}   path: ${c.path}   replayPath: ${c.replayPath}`,
    `  first failing run: ${c.runsToFailure}; shrunk in ${c.shrinks} step(s) to ${c.steps.length} command(s):`,
    ...c.inputs.map((v) => `    with ${v}`),
    ...c.steps.map((s, i) => `    ${String(i + 1).padStart(3)}. ${s}`),
    `  replay: ${c.replayCommand}`,
  ];
  return lines.join('\n');
}
