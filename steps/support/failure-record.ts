/**
 * The error a scenario first failed with, kept on its world. Cucumber hands
 * an After hook only the error of the scenario's last step (undefined when
 * that step was skipped after an earlier one failed), so the report's hook
 * could not see the findings a failed check carried; an AfterStep hook keeps
 * the first failing step's error here instead, and a hook that fails the
 * scenario itself (outcome.ts) notes its error too.
 */
import { AfterStep, ITestStepHookParameter } from '@cucumber/cucumber';

const firstFailure = new WeakMap<object, unknown>();

/** Keep `error` as the scenario's failure unless it failed already. */
export function noteFailure(world: object, error: unknown): void {
  if (!firstFailure.has(world)) firstFailure.set(world, error);
}

/** The error the scenario first failed with, or undefined when it has not failed. */
export function failureOf(world: object): unknown {
  return firstFailure.get(world);
}

AfterStep(function (this: object, { error }: ITestStepHookParameter) {
  if (error !== undefined && error !== null) noteFailure(this, error);
});
