/**
 * A step that checks the machine rather than the driver (memory has
 * fragmented so that a run-time contiguous allocation fails, say) found it
 * not as the scenario needs. The scenario then cannot judge the driver: its
 * failure is a broken run, never a verdict on the rule it is tagged with.
 * The error's type is the data the verdict reads (failure-verdict.ts).
 */
export class MachinePreconditionFailed extends Error {
  constructor(what: string) {
    super(`the machine is not as the scenario needs (no verdict on the driver): ${what}`);
    this.name = 'MachinePreconditionFailed';
  }
}

/** Fail the scenario as broken unless the machine is as it needs; `what` says what it needs and what it found. */
export function requireMachine(holds: boolean, what: () => string): asserts holds {
  if (!holds) throw new MachinePreconditionFailed(what());
}
