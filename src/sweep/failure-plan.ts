/**
 * Which of the driver's fallible kernel calls one sweep run fails: the k-th
 * call of the run (counted over every call site), and, for a call site the
 * workload reaches only on an error path, also the first call made there.
 * A plan with neither fails nothing.
 */
export interface FailurePlan {
  /** Fail the driver's n-th fallible call (1 = its first); null: none by count. */
  readonly nth: number | null;
  /** Fail the first call at this call site (see call-site.ts); null: none by site. */
  readonly site: string | null;
}

export const NO_FAILURE: FailurePlan = { nth: null, site: null };

export function failNth(nth: number): FailurePlan {
  if (!(Number.isSafeInteger(nth) && nth >= 1)) throw new RangeError(`the sweep fails the k-th call for k = 1, 2, ...: got ${nth}`);
  return { nth, site: null };
}

/** The plan's replay options for `npm run sweep`: `--fail <k>` and `--site '<call site>'`. */
export function planArguments(plan: FailurePlan): string[] {
  return [...(plan.nth !== null ? ['--fail', String(plan.nth)] : []), ...(plan.site !== null ? ['--site', plan.site] : [])];
}
