/**
 * A diagnosis: the rule of the catalog (docs/RULES.md) an observation shows broken,
 * decided from the evidence a reviewer would use. When the evidence leaves
 * more than one rule, the diagnosis says so and lists them, most likely first;
 * `rule` is then the most likely one, which is what findings are filed under.
 */
import type { RuleRef } from '../rules/rule-ref';

export interface Diagnosis {
  readonly rule: RuleRef;
  /** Every rule the evidence allows, most likely first; just `rule` when the evidence is conclusive. */
  readonly candidates: readonly RuleRef[];
  /** What decided it, in a reviewer's words; empty when the observation speaks for itself. */
  readonly because: string;
}

export function certain(rule: RuleRef, because = ''): Diagnosis {
  return { rule, candidates: [rule], because };
}

/** Several rules fit the evidence; the first is the most likely. */
export function ambiguous(candidates: readonly RuleRef[], because: string): Diagnosis {
  const unique = [...new Set(candidates)];
  if (unique.length === 0) throw new RangeError('an ambiguous diagnosis needs at least one candidate rule');
  return { rule: unique[0]!, candidates: unique, because };
}

export function isAmbiguous(d: Diagnosis): boolean {
  return d.candidates.length > 1;
}

/** The diagnosis as a suffix of a finding's message: why this rule, and which others fit. */
export function describeDiagnosis(d: Diagnosis): string {
  if (isAmbiguous(d)) return ` [ambiguous: ${d.candidates.join(', then ')}, most likely first; ${d.because}]`;
  return d.because ? ` [diagnosis ${d.rule}: ${d.because}]` : '';
}
