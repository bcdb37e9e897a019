/**
 * What the actions of a scenario ended in, so that Then steps can assert it.
 *
 * An action step ("When the driver frees MDL "parent"") runs its kernel calls
 * through `attempt`. A bug check, a raised status (ExRaiseStatus) or a NULL
 * return is recorded as the step's outcome instead of failing the step; the
 * Then steps that follow examine it ("Then the machine stops with bug check
 * 0x4E PFN_LIST_CORRUPT", "Then the call raises STATUS_ACCESS_VIOLATION").
 *
 * Nothing is dropped:
 * - a recorded failure that no Then step examined fails the scenario at its end
 *   (and stops the next action step from running over it);
 * - once the machine has stopped, any step that uses it fails with the stop;
 * - a bug check in a step that does not record outcomes (a Given that sets the
 *   scene, a Then that reads memory) fails that step with the bug check itself.
 */
import { After, BeforeStep, ITestCaseHookParameter, ITestStepHookParameter, Status } from '@cucumber/cucumber';
import { expect } from 'chai';
import { BugCheck, isBugCheck } from '../../src/machine/bug-check';
import { Machine } from '../../src/machine/machine';
import { RaisedStatus } from '../../src/machine/ntstatus';
import { driverCrashOf } from '../../src/diagnosis/driver-crash';
import { DriverCrashed } from '../../src/oracles/driver-crashed';
import { RuleFindingsError } from '../../src/oracles/rule-findings-error';
import { stopFinding } from '../../src/oracles/stop-oracle';
import { noteFailure } from './failure-record';
import { ConformanceWorld } from './world';

export type Outcome =
  | { readonly kind: 'completed' }
  | { readonly kind: 'returned NULL'; readonly routine: string; readonly detail: string }
  | { readonly kind: 'raised'; readonly raised: RaisedStatus }
  | { readonly kind: 'bug check'; readonly stop: BugCheck };

export interface RecordedOutcome {
  readonly outcome: Outcome;
  /** The text of the step whose action ended this way. */
  readonly step: string;
  examined: boolean;
}

class ScenarioOutcomes {
  currentStep = '(no step has run yet)';
  readonly recorded: RecordedOutcome[] = [];
}

const outcomesByWorld = new WeakMap<object, ScenarioOutcomes>();

function outcomes(world: object): ScenarioOutcomes {
  let o = outcomesByWorld.get(world);
  if (!o) {
    o = new ScenarioOutcomes();
    outcomesByWorld.set(world, o);
  }
  return o;
}

/** Thrown inside an action when a routine returned NULL; `attempt` records it as the outcome. */
export class ReturnedNull extends Error {
  constructor(readonly routine: string, readonly detail: string) {
    super(`${routine} returned NULL: ${detail}`);
    this.name = 'ReturnedNull';
  }
}

export class MachineStopped extends Error {
  constructor(step: string, stop: BugCheck) {
    super(`the machine stopped in step "${step}" with ${stop.message}; a stopped machine runs nothing more`);
    this.name = 'MachineStopped';
  }
}

export class OutcomeNotExamined extends Error {
  constructor(left: readonly RecordedOutcome[], when: string) {
    super(`${left.map(describeRecorded).join('; ')}, and no Then step examined it ${when}`);
    this.name = 'OutcomeNotExamined';
  }
}

export function describeOutcome(o: Outcome): string {
  switch (o.kind) {
    case 'completed': return 'completed';
    case 'returned NULL': return o.detail;
    case 'raised': return `raised ${o.raised.message}`;
    case 'bug check': return `stopped the machine with ${o.stop.message}`;
  }
}

function describeRecorded(r: RecordedOutcome): string {
  return `step "${r.step}" ${describeOutcome(r.outcome)}`;
}

/** The action that stopped the machine, if one did (the report hooks show its bug check screen). */
export function recordedStop(world: object): RecordedOutcome | undefined {
  return outcomes(world).recorded.find((r) => r.outcome.kind === 'bug check');
}

/**
 * The scenario's machine, provided it is still running. Every step that uses
 * the machine goes through here, so a stop is never silently stepped over.
 */
export function runningMachine(world: ConformanceWorld): Machine {
  const stop = recordedStop(world);
  if (stop && stop.outcome.kind === 'bug check') {
    stop.examined = true; // reported here, so the end-of-scenario check does not report it twice
    throw new MachineStopped(stop.step, stop.outcome.stop);
  }
  const machine = world.machine;
  if (machine.kernel.stopped) throw new MachineStopped('(an earlier step)', machine.kernel.stopped);
  return machine;
}

/**
 * Run an action of a When step and record how it ended. Returns the action's
 * value, or undefined when it ended in a bug check, a raised status or NULL.
 * Any other error (a wrong name in the step, a defect in the suite) fails the
 * step at once.
 */
export async function attempt<T>(world: ConformanceWorld, action: (machine: Machine) => T): Promise<T | undefined> {
  const state = outcomes(world);
  const pending = state.recorded.filter((r) => !r.examined && r.outcome.kind !== 'completed');
  if (pending.length > 0) throw new OutcomeNotExamined(pending, 'before the next action ran');
  const machine = runningMachine(world);
  const record = (outcome: Outcome) => state.recorded.push({ outcome, step: state.currentStep, examined: false });
  try {
    const value = action(machine);
    record({ kind: 'completed' });
    return value;
  } catch (e) {
    if (isBugCheck(e)) {
      record({ kind: 'bug check', stop: e });
    } else if (e instanceof RaisedStatus) {
      record({ kind: 'raised', raised: e });
    } else if (e instanceof ReturnedNull) {
      record({ kind: 'returned NULL', routine: e.routine, detail: e.message });
    } else {
      throw e;
    }
    return undefined;
  }
}

function latest(world: object, expecting: string): RecordedOutcome {
  const recorded = outcomes(world).recorded;
  const last = recorded[recorded.length - 1];
  if (!last) throw new Error(`expected ${expecting}, but no earlier step ran an action whose outcome is recorded (action steps are the "When the driver ..." kind)`);
  return last;
}

function examine<K extends Outcome['kind']>(world: object, kind: K, expecting: string): Extract<Outcome, { kind: K }> {
  const last = latest(world, expecting);
  last.examined = true;
  if (last.outcome.kind !== kind) expect.fail(`expected ${expecting}, but step "${last.step}" ${describeOutcome(last.outcome)}`);
  return last.outcome as Extract<Outcome, { kind: K }>;
}

/** The bug check the latest action stopped the machine with; fails when it did not stop it. */
export function expectBugCheck(world: object): BugCheck {
  return examine(world, 'bug check', 'the machine to stop with a bug check').stop;
}

/** The status the latest action raised; fails when it did not raise one. */
export function expectRaised(world: object): RaisedStatus {
  return examine(world, 'raised', 'the call to raise a status').raised;
}

/** The routine whose NULL return ended the latest action; fails when it did not return NULL. */
export function expectNull(world: object): string {
  return examine(world, 'returned NULL', 'the call to return NULL').routine;
}

export function expectCompleted(world: object): void {
  examine(world, 'completed', 'the call to succeed');
}

/** Fails when any action of the scenario so far stopped the machine. */
export function expectNoBugCheck(world: ConformanceWorld): void {
  const stop = recordedStop(world);
  if (stop) {
    stop.examined = true;
    expect.fail(`expected no bug check, but ${describeRecorded(stop)}`);
  }
  const stopped = world.hasBooted ? world.machine.kernel.stopped : null;
  if (stopped) expect.fail(`expected no bug check, but the machine stopped with ${stopped.message}`);
}

BeforeStep(function (this: ConformanceWorld, { pickleStep }: ITestStepHookParameter) {
  outcomes(this).currentStep = pickleStep.text;
});

After({ name: 'every recorded outcome was examined' }, function (this: ConformanceWorld, { result }: ITestCaseHookParameter) {
  // A scenario that failed already reports its own error; this check is for ones that would pass.
  if (result?.status !== Status.PASSED) return;
  const left = outcomes(this).recorded.filter((r) => !r.examined && r.outcome.kind !== 'completed');
  if (left.length === 0) return;
  // A stop nobody examined is a finding of the rule its code stands for; anything else fails as a plain assertion.
  const why = (r: RecordedOutcome) => `${describeRecorded(r)}, and no Then step examined it before the scenario ended`;
  const stopped = left.filter((r) => r.outcome.kind === 'bug check');
  if (stopped.length === 0) expect.fail(new OutcomeNotExamined(left, 'before the scenario ended').message);
  // A crash of the driver names no rule: it fails as the crash it is.
  const crashed = stopped.find((r) => driverCrashOf((r.outcome as { stop: BugCheck }).stop));
  const error = crashed
    ? new DriverCrashed(driverCrashOf((crashed.outcome as { stop: BugCheck }).stop)!, why(crashed))
    : new RuleFindingsError('expected every stop to be examined by a Then step', stopped.map((r) => stopFinding((r.outcome as { stop: BugCheck }).stop, why(r))));
  noteFailure(this, error);
  throw error;
});
