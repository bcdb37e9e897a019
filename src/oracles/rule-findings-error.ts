/**
 * The error a failed check throws: an assertion (the scenario failed, it is
 * not broken) that carries its findings as data, each with its rule, oracle,
 * verifier catalog entry and stop code where there is one. The report's hook
 * (steps/support/hooks.ts) attaches them as JSON and labels the result with
 * their rule, and the mutation check reads that attachment: nobody reads the
 * rule back out of the message.
 *
 * The message still lists the findings for a person, under a first line
 * written from the same data ("broken rule SG-3 (verifier VER-SG-DOUBLE-PUT)"),
 * which the report's categories (src/report/report-categories.ts) match.
 */
import { AssertionError } from 'chai';
import type { RuleRef } from '../rules/rule-ref';
import { OracleFinding, describeFindings } from './oracle-finding';

/** How the first line of a findings error starts; the report's categories match what follows it. */
export const FINDINGS_HEADLINE = 'broken rule ';

/**
 * "broken rule SG-3 (verifier VER-SG-DOUBLE-PUT)", "broken rule PAGE-5 (bug
 * check 0xCB)", "broken rule DEV-2": the first finding's rule and what
 * stands behind it, followed by ": " in the message.
 */
export function findingsHeadline(findings: readonly OracleFinding[]): string {
  const first = findings[0];
  if (!first) return 'no finding';
  const source = first.entry !== undefined ? ` (verifier ${first.entry})` : first.bugCheck !== undefined ? ` (bug check 0x${first.bugCheck.toString(16).toUpperCase()})` : '';
  return `${FINDINGS_HEADLINE}${first.rule}${source}`;
}

export class RuleFindingsError extends AssertionError<Record<string, unknown>> {
  readonly findings: readonly OracleFinding[];

  /** `expected` says what the check expected ("expected every byte to match its stream"). */
  constructor(expected: string, findings: readonly OracleFinding[]) {
    if (findings.length === 0) throw new RangeError('a rule findings error needs at least one finding');
    super(`${findingsHeadline(findings)}: ${expected}, but:\n${describeFindings(findings)}`);
    this.findings = findings;
  }

  /** The rule of the first finding: the diagnosis's verdict. */
  get rule(): RuleRef {
    return this.findings[0]!.rule;
  }
}

/** Fail with the findings, or do nothing when there are none. */
export function failOnFindings(expected: string, findings: readonly OracleFinding[]): void {
  if (findings.length > 0) throw new RuleFindingsError(expected, findings);
}

/** The findings an error carries, or null when it carries none (any other error). */
export function findingsOf(error: unknown): readonly OracleFinding[] | null {
  return error instanceof RuleFindingsError ? error.findings : null;
}
