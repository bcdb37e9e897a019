/**
 * docs/RULES.md, written from the rule catalog (rule-catalog.ts), the
 * verifier catalog and the features' tags, so the document cannot drift
 * from the code: `npm run rules` writes it, `npm run rules -- --check` (and
 * a unit test) fail when it is stale.
 */
import { join } from 'node:path';
import { VIOLATION_CATALOG } from '../kernel/verifier/violation-catalog';
import { RULE_FAMILIES, RULE_FAMILY_NAMES, RuleId, familyTitle, ruleEntry, rulesOfFamily } from './rule-catalog';
import type { TaggedScenario } from './feature-rule-tags';
import { PROJECT_ROOT, classesChecking } from './feature-rule-tags';
import { isRuleRef, ruleOfRef } from './rule-ref';

export const RULES_DOCUMENT_PATH = join(PROJECT_ROOT, 'docs', 'RULES.md');

function seeds(list: readonly string[]): string {
  return list.length === 0 ? 'public references only (no seed)' : `seed${list.length > 1 ? 's' : ''} ${list.join(', ')}`;
}

/** "12 scenarios: features/a.feature (10), features/b.feature (2)", or that none is tagged. */
function scenarioLine(id: string, scenarios: readonly TaggedScenario[]): string {
  const tagged = scenarios.filter((s) => s.rules.includes(id));
  if (tagged.length === 0) return 'no scenario is tagged with it';
  const perFile = new Map<string, number>();
  for (const s of tagged) perFile.set(s.uri, (perFile.get(s.uri) ?? 0) + 1);
  return `${tagged.length} scenario${tagged.length > 1 ? 's' : ''}: ${[...perFile].map(([uri, n]) => `\`${uri}\` (${n})`).join(', ')}`;
}

function ruleSection(id: RuleId, scenarios: readonly TaggedScenario[]): string[] {
  const rule = ruleEntry(id);
  const entries = VIOLATION_CATALOG.filter((e) => e.rule === id);
  const classes = classesChecking(id, scenarios, (tag) => (isRuleRef(tag) ? ruleOfRef(tag) : null));
  const lines = [
    `### ${id}: ${rule.title}`,
    '',
    rule.statement,
    '',
    `- Sources: ${seeds(rule.sources)}`,
    `- Conformance classes: ${classes.length === 0 ? 'none (kernel rule scenarios only)' : classes.join(', ')}`,
    `- Scenarios tagged \`@rule:${id}\`: ${scenarioLine(id, scenarios)}`,
  ];
  if (entries.length > 0) {
    lines.push('- Verifier catalog entries:');
    for (const e of entries) lines.push(`  - ${e.id}: ${e.title}; ${scenarioLine(e.id, scenarios)}`);
  }
  lines.push('');
  return lines;
}

export function renderRulesDocument(scenarios: readonly TaggedScenario[]): string {
  const lines = [
    '# The rule catalog',
    '',
    '<!-- Generated from src/rules/rule-catalog.ts, src/kernel/verifier/violation-catalog.ts and the tags of features/ by `npm run rules`; do not edit by hand. -->',
    '',
    'Every rule the suite checks, by family. A scenario is tagged with the rules it',
    'checks (`@rule:PAGE-1`), or with a verifier catalog entry (`@rule:VER-SG-DOUBLE-PUT`,',
    'docs/verifier-catalog.md) that belongs to one; every finding, diagnosis and faulty',
    'driver names one of these IDs, and the report groups results by them.',
    '',
    'Sources are the seed documents by number. A rule is *enforced* when the simulated',
    'machine detects its violation by itself (a bug check, an error status, a verifier',
    'finding), and *checked* when the suite detects it by observing the driver (corrupt',
    'data, a leak, a missing completion).',
    '',
    `${scenarios.length} scenarios in all.`,
    '',
  ];
  for (const family of RULE_FAMILY_NAMES) {
    lines.push(`## ${familyTitle(family)}`, '', `Sources: ${seeds(RULE_FAMILIES[family].sources)}.`, '');
    for (const id of rulesOfFamily(family)) lines.push(...ruleSection(id, scenarios));
  }
  return lines.join('\n');
}
