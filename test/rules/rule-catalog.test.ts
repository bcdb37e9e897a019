/**
 * The rule catalog against what uses it: the classes it says check a rule
 * are the classes whose scenarios are tagged with it, every tag of the
 * features names a rule or a verifier entry, every verifier entry belongs to
 * a rule, the sources are seeds the rule's family comes from, and
 * docs/RULES.md is what the catalog writes.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { CONFORMANCE_CLASS_NAMES } from '../../src/conformance/classes';
import { VIOLATION_CATALOG } from '../../src/kernel/verifier/violation-catalog';
import { taggedScenarios } from '../../src/rules/feature-rule-tags';
import { classesChecking } from '../../src/rules/feature-rule-tags';
import { RULE_CATALOG, RULE_FAMILIES, RULE_IDS, familyOfId, isRuleId } from '../../src/rules/rule-catalog';
import { isRuleRef, ruleOfRef, ruleRefProblem, verifierEntriesOf } from '../../src/rules/rule-ref';
import { RULES_DOCUMENT_PATH, renderRulesDocument } from '../../src/rules/rules-document';

const scenarios = taggedScenarios();

/** The rule a tag counts for: a verifier entry's tag counts for the entry's rule. */
function ruleOfTag(id: string) {
  return isRuleRef(id) ? ruleOfRef(id) : null;
}

describe('the rule catalog', () => {
  it('has the rules of every family, numbered from 1 without gaps', () => {
    for (const family of Object.keys(RULE_FAMILIES)) {
      const numbers = RULE_IDS.filter((id) => RULE_CATALOG[id].family === family && id !== 'VER-*').map((id) => Number(id.slice(family.length + 1)));
      assert.deepEqual(numbers, numbers.map((_, i) => i + 1), family);
      for (const id of RULE_IDS.filter((r) => RULE_CATALOG[r].family === family)) assert.equal(familyOfId(id), family, `${id} is filed under its own family`);
    }
    assert.deepEqual(RULE_IDS.filter((id) => RULE_CATALOG[id].family === 'PAGE').length, 7);
    assert.ok(isRuleId('DEV-8') && !isRuleId('DEV-9') && !isRuleId('VER-SG-DOUBLE-PUT'));
  });

  it('the features tag exactly the conformance classes of the class table', () => {
    assert.deepEqual([...CONFORMANCE_CLASS_NAMES].sort(), [...new Set(scenarios.flatMap((s) => s.classes))].sort());
  });

  it('every @rule tag of the features names a rule of the catalog or a verifier catalog entry', () => {
    const unknown = scenarios.flatMap((s) => s.rules.filter((r) => !isRuleRef(r)).map((r) => `${s.uri} "${s.name}": ${r}`));
    assert.deepEqual(unknown, []);
    assert.match(ruleRefProblem('PAGE-9')!, /"PAGE-9" is no rule of the catalog .*the rules are PAGE-1, .*VER-\*; the verifier entries are VER-UNLOCKED-DMA/);
  });

  it('says which classes check each rule: those with a scenario tagged with it or with one of its verifier entries', () => {
    assert.ok(classesChecking('SG-3', scenarios, (tag) => ruleOfTag(tag)).includes('read-write-direct'));
    assert.deepEqual(classesChecking('DEV-6', scenarios, (tag) => ruleOfTag(tag)), ['peer-to-peer-dma']);
    assert.deepEqual(classesChecking('PAGE-2', scenarios, () => null), [], 'no tag maps to the rule: no class');
  });

  it('cites as sources only seeds of the rule\'s family that a scenario of the rule cites too', () => {
    for (const id of RULE_IDS) {
      const rule = RULE_CATALOG[id];
      const cited = new Set(scenarios.filter((s) => s.rules.some((r) => ruleOfTag(r) === id)).flatMap((s) => s.seeds));
      for (const seed of rule.sources) {
        assert.ok((RULE_FAMILIES[rule.family].sources as readonly string[]).includes(seed), `${id}: seed ${seed} is not a source of ${rule.family}`);
        assert.ok(cited.has(seed), `${id}: no scenario of the rule cites seed ${seed}`);
      }
      assert.ok(rule.statement.length > 40 && rule.title.length > 3, id);
    }
  });

  it('files every verifier catalog entry under a rule, and the verifier\'s own checks under VER-*', () => {
    assert.deepEqual(RULE_IDS.flatMap((id) => verifierEntriesOf(id)).sort(), VIOLATION_CATALOG.map((e) => e.id).sort());
    assert.equal(ruleOfRef('VER-SG-DOUBLE-PUT'), 'SG-3');
    assert.equal(ruleOfRef('VER-IOMMU-FAULT'), 'VER-*');
    assert.equal(ruleOfRef('PAGE-1'), 'PAGE-1');
  });
});

describe('docs/RULES.md', () => {
  it('is what `npm run rules` writes from the catalog and the features as they are now', () => {
    assert.equal(readFileSync(RULES_DOCUMENT_PATH, 'utf8'), renderRulesDocument(scenarios), 'docs/RULES.md is stale: run `npm run rules` and commit docs/RULES.md');
  });

  it('counts a rule\'s scenarios from the tags, and changes when a tag does', () => {
    const one = [{ uri: 'features/x.feature', name: 's', rules: ['SG-3'], classes: [], seeds: [] }];
    assert.match(renderRulesDocument(one), /Scenarios tagged `@rule:SG-3`: 1 scenario: `features\/x\.feature` \(1\)/);
    assert.match(renderRulesDocument(one), /Scenarios tagged `@rule:SG-4`: no scenario is tagged with it/);
    assert.notEqual(renderRulesDocument(one), renderRulesDocument(scenarios));
  });
});
