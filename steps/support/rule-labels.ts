/**
 * Allure labels derived from a scenario's tags and, once it has failed, from
 * the findings of its failure.
 *
 * The Behaviors tab groups results by epic (the rule family, titled from the
 * rule catalog, src/rules/rule-catalog.ts) and story (the rule). A passing
 * scenario is filed under the rules of its tags; a failed one under the rule
 * its diagnosis named (a double put in a PAGE scenario shows under SG-3),
 * which is only known at its end, so both are given by the report's After
 * hook (`behaviorLabels`), not copied from the tags by the formatter.
 *
 * The Allure formatter (configured in cucumber.cjs) copies `@severity:x` and
 * `@seed:003` written on the Feature and Scenario lines; it does not see
 * tags written on a `Rule:` block or on `Examples:`, so their severity and
 * seed links come from here (`ruleLabels`, which also refuses a rule tag the
 * catalog does not have).
 */
import type { ITestCaseHookParameter } from '@cucumber/cucumber';
import { RULE_FAMILY_NAMES, RuleFamily, familyOfId, familyTitle } from '../../src/rules/rule-catalog';
import { RuleRef, isRuleRef } from '../../src/rules/rule-ref';
import type { OracleFinding } from '../../src/oracles/oracle-finding';

type Pickle = ITestCaseHookParameter['pickle'];
type GherkinDocument = ITestCaseHookParameter['gherkinDocument'];


export interface TagLabel {
  readonly name: 'epic' | 'story' | 'severity';
  readonly value: string;
}

export class MalformedRuleTag extends Error {
  constructor(tag: string, why: string) {
    super(`malformed rule tag "${tag}": ${why}. Write rule tags like @rule:PAGE-1 or @rule:VER-SG-DOUBLE-PUT, with an ID of docs/RULES.md or docs/verifier-catalog.md (families: ${RULE_FAMILY_NAMES.join(', ')})`);
    this.name = 'MalformedRuleTag';
  }
}

const RULE_TAG = /^@rule:(.*)$/;
const RULE_ID = /^([A-Z]+)-[A-Za-z0-9-]+$/;

/** The rule (or verifier catalog entry) a tag such as @rule:PAGE-1 names; refuses an ID the catalogs do not have. */
export function ruleOfTag(tag: string): RuleRef {
  const id = RULE_TAG.exec(tag)?.[1] ?? '';
  const m = RULE_ID.exec(id);
  if (!m) throw new MalformedRuleTag(tag, 'the rule ID is not FAMILY-name');
  if (familyOfId(id) === null) throw new MalformedRuleTag(tag, `unknown rule family "${m[1]}"`);
  if (!isRuleRef(id)) throw new MalformedRuleTag(tag, `${id} is no rule of the catalog nor a verifier catalog entry`);
  return id;
}

/** The family of a tag's rule: PAGE for @rule:PAGE-1, VER for a verifier catalog entry. */
export function ruleFamily(tag: string): RuleFamily {
  return familyOfId(ruleOfTag(tag))!;
}

/** The epic of a family, with its title from the catalog (src/rules/rule-catalog.ts). */
export function epicTitle(family: RuleFamily): string {
  return familyTitle(family);
}

/** Ids of the tags written on the Feature line and on the scenario's own line. */
function tagIdsSeenByFormatter(pickle: Pickle, document: GherkinDocument): Set<string> {
  const ids = new Set<string>();
  const feature = document.feature;
  if (!feature) return ids;
  for (const t of feature.tags) ids.add(t.id);
  const scenarioId = pickle.astNodeIds[0];
  const visit = (children: readonly { scenario?: { id: string; tags: readonly { id: string }[] } }[]) => {
    for (const child of children) {
      if (child.scenario?.id === scenarioId) for (const t of child.scenario.tags) ids.add(t.id);
    }
  };
  visit(feature.children);
  for (const child of feature.children) if (child.rule) visit(child.rule.children);
  return ids;
}

/** Labels without repeats, in order of first appearance. */
function distinct(labels: readonly TagLabel[]): TagLabel[] {
  const seen = new Set<string>();
  return labels.filter((l) => {
    const key = `${l.name}=${l.value}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** At the start of a scenario: every rule tag checked against the catalog, and the severity of tags the formatter does not see. */
export function ruleLabels(pickle: Pickle, document: GherkinDocument): TagLabel[] {
  const labels: TagLabel[] = [];
  const formatterIds = tagIdsSeenByFormatter(pickle, document);
  for (const tag of pickle.tags) {
    if (RULE_TAG.test(tag.name)) ruleOfTag(tag.name);
    else if (tag.name.startsWith('@severity:') && !formatterIds.has(tag.astNodeId)) labels.push({ name: 'severity', value: tag.name.slice('@severity:'.length) });
  }
  return distinct(labels);
}

function ruleBehavior(rule: RuleRef): TagLabel[] {
  return [
    { name: 'epic', value: epicTitle(familyOfId(rule)!) },
    { name: 'story', value: rule },
  ];
}

/**
 * At the end of a scenario: epic and story. A failure with findings is filed
 * under the rule of its first finding (the diagnosis's verdict); anything
 * else under the rules of its tags (a tag the catalog lacks is left out: the
 * scenario's Before hook failed on it already).
 */
export function behaviorLabels(pickle: Pickle, findings: readonly OracleFinding[] | null): TagLabel[] {
  const verdict = findings?.[0];
  if (verdict) return ruleBehavior(verdict.rule);
  const rules = pickle.tags.filter((t) => RULE_TAG.test(t.name)).flatMap((t) => {
    try {
      return [ruleOfTag(t.name)];
    } catch {
      return [];
    }
  });
  const epics = rules.map((r) => ruleBehavior(r)[0]!);
  const stories = rules.map((r) => ruleBehavior(r)[1]!);
  return distinct([...epics, ...stories]);
}

export interface TagLink {
  readonly url: string;
  readonly type: 'seed';
}

/** Seed links for `@seed:NNN` tags the formatter does not see (on `Rule:` blocks and `Examples:`). */
export function seedLinks(pickle: Pickle, document: GherkinDocument): TagLink[] {
  const formatterIds = tagIdsSeenByFormatter(pickle, document);
  const urls = pickle.tags
    .filter((t) => t.name.startsWith('@seed:') && !formatterIds.has(t.astNodeId))
    .map((t) => `seed:${t.name.slice('@seed:'.length)}`);
  return [...new Set(urls)].map((url) => ({ url, type: 'seed' as const }));
}
