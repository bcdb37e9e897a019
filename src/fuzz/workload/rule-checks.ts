/**
 * The oracles, run by the workload fuzzer after every operation and at the
 * end of every workload. During the workload only what is already decided
 * is judged: no stop, no verifier finding, data checked so far, no DMA
 * outside what the applications own, and the outcome of every request that
 * has finished. At the end, every oracle, leftovers included. Each finding
 * names the rule the diagnosis (src/diagnosis) decides.
 */
import { completionFindings } from '../../oracles/completion-oracle';
import { checkWorkload } from '../../oracles/conformance-oracles';
import { OracleFinding, describeFindings } from '../../oracles/oracle-finding';
import type { Workload } from '../../workload/workload';
import { RuleViolation } from '../rule-violation';

export function findingsDuringWorkload(workload: Workload): OracleFinding[] {
  return [...checkWorkload(workload, ['stop', 'verifier', 'data', 'ownership']), ...completionFindings(workload, true)];
}

export function findingsAtEnd(workload: Workload): OracleFinding[] {
  return checkWorkload(workload);
}

/** Throw the findings as a rule violation (the first finding's rule, the findings as data), or do nothing when there are none. */
export function requireNoFindings(findings: readonly OracleFinding[], when: string): void {
  if (findings.length === 0) return;
  throw new RuleViolation(findings[0]!.rule, `${when}:\n${describeFindings(findings)}`, findings);
}
