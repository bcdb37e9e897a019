/**
 * What a fuzz command reports when the machine does not behave as the rules
 * say: the rule broken (a RULES.md ID) and what was seen. A counterexample
 * names both, so a reader knows which documented rule the shrunk sequence
 * breaks without reading a stack trace.
 */
import { BugCheck, hex } from '../machine/bug-check';

export class RuleViolation extends Error {
  constructor(readonly rule: string, readonly finding: string) {
    super(`${rule} broken: ${finding}`);
    this.name = 'RuleViolation';
  }
}

/** Fail with `rule` when `condition` does not hold. */
export function requireRule(rule: string, condition: boolean, finding: () => string): asserts condition {
  if (!condition) throw new RuleViolation(rule, finding());
}

/** Fail with `rule` when the machine's value differs from the model's. */
export function requireEqual<T>(rule: string, actual: T, expected: T, what: string): void {
  if (!Object.is(actual, expected)) throw new RuleViolation(rule, `${what}: the machine has ${String(actual)}, the model expects ${String(expected)}`);
}

/** The rule and the finding of whatever a run failed with, for the counterexample. */
export function describeFailure(error: unknown): { rule: string | null; finding: string } {
  if (error instanceof RuleViolation) return { rule: error.rule, finding: error.finding };
  if (error instanceof BugCheck) return { rule: null, finding: `unexpected bug check ${hex(error.code)} ${error.stopName} (${error.parameters.map(hex).join(', ')}): ${error.reason}` };
  if (error instanceof Error) return { rule: null, finding: `${error.name}: ${error.message}` };
  return { rule: null, finding: String(error) };
}
