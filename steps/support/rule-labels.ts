/**
 * Allure labels derived from a scenario's tags at run time.
 *
 * The Allure formatter (configured in cucumber.cjs) copies tags written on the
 * Feature and Scenario lines: `@rule:PAGE-1` becomes the story, `@severity:x`
 * the severity, `@seed:003` a link. It cannot take part of a tag, so the
 * epic (the rule family: PAGE in PAGE-1, titled from the rule catalog) is derived here; and it does not see
 * tags written on a `Rule:` block or on `Examples:`, so their story, severity
 * and seed links come from here too.
 */
import type { ITestCaseHookParameter } from '@cucumber/cucumber';
import { RULE_FAMILY_NAMES, RuleFamily, familyOfId, familyTitle } from '../../src/rules/rule-catalog';
import { RuleRef, isRuleRef } from '../../src/rules/rule-ref';

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

export function ruleLabels(pickle: Pickle, document: GherkinDocument): TagLabel[] {
  const labels: TagLabel[] = [];
  const seen = new Set<string>();
  const add = (label: TagLabel) => {
    const key = `${label.name}=${label.value}`;
    if (!seen.has(key)) {
      seen.add(key);
      labels.push(label);
    }
  };
  const formatterIds = tagIdsSeenByFormatter(pickle, document);
  for (const tag of pickle.tags) {
    const copiedByFormatter = formatterIds.has(tag.astNodeId);
    if (RULE_TAG.test(tag.name)) {
      add({ name: 'epic', value: epicTitle(ruleFamily(tag.name)) });
      if (!copiedByFormatter) add({ name: 'story', value: tag.name.replace(RULE_TAG, '$1') });
    } else if (tag.name.startsWith('@severity:') && !copiedByFormatter) {
      add({ name: 'severity', value: tag.name.slice('@severity:'.length) });
    }
  }
  return labels;
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
