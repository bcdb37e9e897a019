/**
 * The fuzzer proves itself on the suite's own drivers: run with a fixed
 * budget against every faulty driver, it must find each one whose broken
 * rule a workload can reach and name that rule (the diagnosis's verdict on
 * the counterexample, not merely some failure), and the reference drivers
 * (and the example driver of docs/example-driver.ts) must survive the same
 * budget. This module proves one driver; scripts/fuzz-proof.cjs runs it for
 * all of them in parallel child processes and prints the verdict.
 *
 * A failure is not shrunk here (finding it is what counts, and the first
 * failing run is what "runs to the first failure" measures); its replay
 * command reproduces it, and `npm run fuzz` shrinks it.
 */
import type { DriverModule } from '../personalities/wdm/contract';
import { loadDriverModule } from '../personalities/driver-loader';
import { cSourcesOfSuiteDriver, isCDriverFile } from '../conformance/driver-finder';
import { runCampaign } from './campaign';
import type { FailureKind } from './rule-violation';
import { ClassNotFuzzable, fuzzableClassOf, workloadFuzzTarget } from './workload/workload-fuzzer';
import type { RuleRef, VerifierEntryId } from '../rules/rule-ref';

export interface ProofBudget {
  readonly runs: number;
  readonly operations: number;
  readonly seed: number;
}

/** The budget `npm test` proves the fuzzer with. */
export const PROOF_BUDGET: ProofBudget = { runs: 60, operations: 25, seed: 20_260_523 };

export interface DriverProof {
  readonly modulePath: string;
  readonly driver: string;
  readonly kind: 'reference' | 'faulty';
  readonly breaksRule: RuleRef | null;
  readonly conformanceClass: string | null;
  /**
   * found: a counterexample whose failure is a finding; crashed: one where the
   * driver crashed (no rule named); broken: one where the run broke (a
   * program error of the suite or the simulator, no verdict on the driver);
   * survived: none in the budget; unreachable: the fuzzer cannot drive the
   * driver at all.
   */
  readonly outcome: 'found' | 'crashed' | 'broken' | 'survived' | 'unreachable';
  readonly runs: number;
  readonly runsToFailure: number | null;
  /** The rule the counterexample names. */
  readonly rule: RuleRef | null;
  /** The verifier catalog entries behind its findings. */
  readonly entries: readonly VerifierEntryId[];
  /** A faulty driver's counterexample names the rule the driver breaks; null when nothing was found or the driver is a reference. */
  readonly namedBrokenRule: boolean | null;
  readonly finding: string | null;
  readonly why: string | null;
  readonly replayCommand: string | null;
  readonly budget: ProofBudget;
  readonly milliseconds: number;
}

const OUTCOME_OF_FAILURE: Readonly<Record<FailureKind, DriverProof['outcome']>> = { finding: 'found', crash: 'crashed', broken: 'broken' };

export function proveDriver(modulePath: string, budget: ProofBudget = PROOF_BUDGET, clock: () => number = () => 0): DriverProof {
  const started = clock();
  // A faulty C driver of a class folder is a variant: it runs (and replays) linked with its class's reference.c.
  const sources = isCDriverFile(modulePath) ? cSourcesOfSuiteDriver(modulePath).join(',') : modulePath;
  const driver: DriverModule = loadDriverModule(sources);
  const base = {
    modulePath,
    driver: driver.name,
    kind: driver.breaksRule === undefined ? ('reference' as const) : ('faulty' as const),
    breaksRule: driver.breaksRule ?? null,
    budget,
  };
  let conformanceClass: string;
  try {
    conformanceClass = fuzzableClassOf(driver).conformanceClass;
  } catch (e) {
    if (!(e instanceof ClassNotFuzzable)) throw e;
    return { ...base, conformanceClass: driver.conformanceClasses.join(', '), outcome: 'unreachable', runs: 0, runsToFailure: null, rule: null, entries: [], namedBrokenRule: null, finding: null, why: e.message, replayCommand: null, milliseconds: clock() - started };
  }
  const target = workloadFuzzTarget({ driver, modulePath: sources, operations: budget.operations });
  const result = runCampaign(target, { seed: budget.seed, runs: budget.runs, shrink: false });
  const c = result.counterexample;
  return {
    ...base,
    conformanceClass,
    outcome: !c ? 'survived' : OUTCOME_OF_FAILURE[c.failure],
    runs: result.runs,
    runsToFailure: c?.runsToFailure ?? null,
    rule: c?.rule ?? null,
    entries: c?.entries ?? [],
    namedBrokenRule: c && base.breaksRule !== null ? c.failure === 'finding' && namesRule(c.rule, c.entries, base.breaksRule) : null,
    finding: c?.finding ?? null,
    why: null,
    replayCommand: c?.replayCommand ?? null,
    milliseconds: clock() - started,
  };
}

/**
 * A counterexample names the rule a driver breaks when its rule is that
 * rule; for a driver that breaks a verifier catalog entry, also when a
 * finding behind it is of that entry (the entry and the rule it guards are
 * both data of the finding).
 */
export function namesRule(rule: RuleRef | null, entries: readonly VerifierEntryId[], breaksRule: RuleRef): boolean {
  if (rule === breaksRule) return true;
  return (entries as readonly RuleRef[]).includes(breaksRule);
}
