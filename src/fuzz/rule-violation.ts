/**
 * What a fuzz command reports when the machine does not behave as the rules
 * say: the rule broken (an ID of docs/RULES.md or of the verifier catalog) and what was seen. A counterexample
 * names both, so a reader knows which documented rule the shrunk sequence
 * breaks without reading a stack trace.
 */
import { BugCheck, hex } from '../machine/bug-check';
import { DriverCrashed } from '../oracles/driver-crashed';
import { OracleFinding, entriesOf } from '../oracles/oracle-finding';
import type { RuleRef, VerifierEntryId } from '../rules/rule-ref';

export class RuleViolation extends Error {
  /** The oracles' findings behind it, when they decided it (rule-checks.ts): the verifier entries are read from these. */
  readonly findings: readonly OracleFinding[];

  constructor(readonly rule: RuleRef, readonly finding: string, findings: readonly OracleFinding[] = []) {
    super(`${rule} broken: ${finding}`);
    this.name = 'RuleViolation';
    this.findings = findings;
  }
}

/** Fail with `rule` when `condition` does not hold. */
export function requireRule(rule: RuleRef, condition: boolean, finding: () => string): asserts condition {
  if (!condition) throw new RuleViolation(rule, finding());
}

/** Fail with `rule` when the machine's value differs from the model's. */
export function requireEqual<T>(rule: RuleRef, actual: T, expected: T, what: string): void {
  if (!Object.is(actual, expected)) throw new RuleViolation(rule, `${what}: the machine has ${String(actual)}, the model expects ${String(expected)}`);
}

/**
 * Run `fn`, which must stop the machine with bug check `code` and parameter 1
 * `p1`, recorded by the kernel as its stop. Fails with `rule` otherwise.
 */
export function requireStop(rule: RuleRef, kernel: { readonly stopped: BugCheck | null }, code: number, p1: number, fn: () => void): BugCheck {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  if (!(caught instanceof BugCheck)) throw new RuleViolation(rule, `expected bug check ${hex(code)}/${hex(p1)}, got ${caught === undefined ? 'no stop' : String(caught)}`);
  requireEqual(rule, hex(caught.code), hex(code), `stop code (${caught.message})`);
  requireEqual(rule, hex(caught.parameters[0]), hex(p1), `parameter 1 (${caught.message})`);
  requireRule(rule, kernel.stopped === caught, () => 'the kernel did not record the bug check it stopped with');
  return caught;
}

/**
 * What kind of failure a run ended in: a finding of a rule (a verdict on the
 * driver or the machine, with its rule as data), the driver's crash (a
 * verdict on the driver that names no rule), or a broken run (a program
 * error of the suite or the simulator, a stop that escaped the oracles),
 * which says nothing about the driver.
 */
export type FailureKind = 'finding' | 'crash' | 'broken';

export interface FailureDescription {
  readonly kind: FailureKind;
  readonly rule: RuleRef | null;
  readonly finding: string;
  /** The verifier catalog entries behind the failure's findings. */
  readonly entries?: readonly VerifierEntryId[];
}

/** The kind, the rule and the finding of whatever a run failed with, for the counterexample. */
export function describeFailure(error: unknown): FailureDescription {
  if (error instanceof RuleViolation) {
    const entries = entriesOf(error.findings);
    return { kind: 'finding', rule: error.rule, finding: error.finding, ...(entries.length > 0 ? { entries } : {}) };
  }
  if (error instanceof DriverCrashed) return { kind: 'crash', rule: null, finding: error.message };
  if (error instanceof BugCheck) return { kind: 'broken', rule: null, finding: `unexpected bug check ${hex(error.code)} ${error.stopName} (${error.parameters.map(hex).join(', ')}): ${error.reason}` };
  if (error instanceof Error) return { kind: 'broken', rule: null, finding: `${error.name}: ${error.message}` };
  return { kind: 'broken', rule: null, finding: String(error) };
}
