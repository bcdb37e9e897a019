/**
 * The error a check throws when the driver crashed (src/diagnosis/driver-crash.ts):
 * the scenario failed on the driver, carrying the crash as data (the
 * routine and the exception), and no finding, since the driver broke no
 * rule the evidence shows. The report's hook attaches the crash as JSON,
 * the mutation check reads it, and the fuzzer's counterexample carries it.
 */
import { AssertionError } from 'chai';
import { DriverCrash, describeCrash } from '../diagnosis/driver-crash';

export class DriverCrashed extends AssertionError<Record<string, unknown>> {
  readonly crash: DriverCrash;

  /** `context` says when it was seen ("after \"read 4 KiB\""). */
  constructor(crash: DriverCrash, context: string) {
    super(`${describeCrash(crash)} (${context})`);
    this.crash = crash;
  }
}

/** The crash an error carries, or null (any other error). */
export function crashOf(error: unknown): DriverCrash | null {
  return error instanceof DriverCrashed ? error.crash : null;
}
