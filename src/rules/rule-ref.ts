/**
 * What a finding, a diagnosis, a tag or a faulty driver may name: a rule of
 * the catalog (src/rules/rule-catalog.ts) or an entry of the DMA verifier's
 * catalog (VER-..., src/kernel/verifier/violation-catalog.ts), which belongs
 * to a rule of the catalog.
 */
import { VIOLATION_CATALOG, ViolationId, isViolationId, violationEntry } from '../kernel/verifier/violation-catalog';
import { RULE_IDS, RuleId, isRuleId } from './rule-catalog';

/** An entry of the verifier catalog, e.g. 'VER-SG-DOUBLE-PUT'. */
export type VerifierEntryId = ViolationId;

/** A rule of the catalog or a verifier catalog entry. */
export type RuleRef = RuleId | VerifierEntryId;

export function isRuleRef(value: unknown): value is RuleRef {
  return isRuleId(value) || (typeof value === 'string' && isViolationId(value));
}

/** The rule of the catalog a reference belongs to: itself for a rule, the entry's rule for a verifier entry. */
export function ruleOfRef(ref: RuleRef): RuleId {
  return isRuleId(ref) ? ref : violationEntry(ref).rule;
}

/** The verifier entries that belong to a rule, in verifier catalog order. */
export function verifierEntriesOf(rule: RuleId): VerifierEntryId[] {
  return VIOLATION_CATALOG.filter((e) => e.rule === rule).map((e) => e.id as VerifierEntryId);
}

/** Every ID a `@rule:` tag, a finding or `breaksRule` may name, for messages that list them. */
export function allRuleRefs(): RuleRef[] {
  return [...RULE_IDS, ...VIOLATION_CATALOG.map((e) => e.id as VerifierEntryId)];
}

/** Why a value is no rule reference, listing the valid ones; null when it is one. */
export function ruleRefProblem(value: unknown): string | null {
  if (isRuleRef(value)) return null;
  return `${typeof value === 'string' ? `"${value}"` : String(value)} is no rule of the catalog (docs/RULES.md) nor a verifier catalog entry (docs/verifier-catalog.md); the rules are ${RULE_IDS.join(', ')}; the verifier entries are ${VIOLATION_CATALOG.map((e) => e.id).join(', ')}`;
}
