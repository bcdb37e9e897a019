import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { generateMessages } from '@cucumber/gherkin';
import { MalformedRuleTag, behaviorLabels, ruleFamily, ruleLabels, seedLinks } from '../../steps/support/rule-labels';

/** The document and the pickles (scenarios as run) of a Gherkin text. */
function compile(text: string) {
  let nextId = 0;
  const envelopes = generateMessages(text, 'labels.feature', 'text/x.cucumber.gherkin+plain' as Parameters<typeof generateMessages>[2], {
    includeGherkinDocument: true,
    includePickles: true,
    includeSource: false,
    newId: () => String(nextId++),
  });
  const document = envelopes.find((e) => e.gherkinDocument)!.gherkinDocument!;
  const pickles = new Map(envelopes.filter((e) => e.pickle).map((e) => [e.pickle!.name, e.pickle!]));
  return { document, pickle: (name: string) => pickles.get(name)! };
}

const FEATURE = `@rule:PAGE-1
Feature: labels

  @rule:MDL-2 @severity:critical
  Scenario: tagged on the scenario line
    Given a step

  Rule: a rule block
    @rule:VER-SG-DOUBLE-PUT
    Scenario: tagged inside a rule block
      Given a step

  @rule:SG-3 @severity:minor @seed:001
  Rule: a tagged rule block
    Scenario: no tags of its own
      Given a step
`;

describe('Allure labels from rule tags', () => {
  const { document, pickle } = compile(FEATURE);

  it('files a scenario that did not fail with findings under the families and rules of its tags, titled from the catalog', () => {
    assert.deepEqual(behaviorLabels(pickle('tagged on the scenario line'), null), [
      { name: 'epic', value: 'PAGE: Paging and locking' },
      { name: 'epic', value: 'MDL: MDLs' },
      { name: 'story', value: 'PAGE-1' },
      { name: 'story', value: 'MDL-2' },
    ]);
    assert.deepEqual(behaviorLabels(pickle('no tags of its own'), []), [
      { name: 'epic', value: 'PAGE: Paging and locking' },
      { name: 'epic', value: 'SG: Scatter/gather and adapters' },
      { name: 'story', value: 'PAGE-1' },
      { name: 'story', value: 'SG-3' },
    ]);
  });

  it('files a failure with findings under the rule the diagnosis named, not under the tags', () => {
    const doublePut = { oracle: 'stop' as const, rule: 'SG-3' as const, entry: 'VER-SG-DOUBLE-PUT' as const, message: 'a list put back twice' };
    assert.deepEqual(behaviorLabels(pickle('tagged on the scenario line'), [doublePut, { oracle: 'data', rule: 'PAGE-1', message: 'm' }]), [
      { name: 'epic', value: 'SG: Scatter/gather and adapters' },
      { name: 'story', value: 'SG-3' },
    ]);
    assert.deepEqual(behaviorLabels(pickle('tagged on the scenario line'), [{ oracle: 'verifier', rule: 'VER-IOMMU-FAULT', message: 'm' }]), [
      { name: 'epic', value: 'VER: Verifier catalog' },
      { name: 'story', value: 'VER-IOMMU-FAULT' },
    ]);
  });

  it('adds the severity of tags the formatter does not see (Rule: blocks), and nothing for those it does', () => {
    assert.deepEqual(ruleLabels(pickle('no tags of its own'), document), [{ name: 'severity', value: 'minor' }]);
    assert.deepEqual(ruleLabels(pickle('tagged on the scenario line'), document), []);
  });

  it('treats a scenario inside a rule block like any other for its own tags', () => {
    assert.deepEqual(behaviorLabels(pickle('tagged inside a rule block'), null), [
      { name: 'epic', value: 'PAGE: Paging and locking' },
      { name: 'epic', value: 'VER: Verifier catalog' },
      { name: 'story', value: 'PAGE-1' },
      { name: 'story', value: 'VER-SG-DOUBLE-PUT' },
    ]);
  });

  it('links the seeds of tags the formatter does not see, and only those', () => {
    assert.deepEqual(seedLinks(pickle('no tags of its own'), document), [{ url: 'seed:001', type: 'seed' }]);
    const tagged = compile('@seed:000\nFeature: f\n  @seed:002\n  Scenario: s\n    Given a step\n');
    assert.deepEqual(seedLinks(tagged.pickle('s'), tagged.document), []);
  });

  it('rejects a rule tag with an unknown family or no rule ID, naming the tag', () => {
    assert.equal(ruleFamily('@rule:CONT-7'), 'CONT');
    assert.throws(() => ruleFamily('@rule:PGE-1'), (e: unknown) => e instanceof MalformedRuleTag && /"@rule:PGE-1": unknown rule family "PGE"/.test(e.message));
    assert.throws(() => ruleFamily('@rule:PAGE'), /"@rule:PAGE": the rule ID is not FAMILY-name/);
    assert.equal(ruleFamily('@rule:VER-SG-DOUBLE-PUT'), 'VER');
    assert.throws(() => ruleFamily('@rule:PAGE-9'), /"@rule:PAGE-9": PAGE-9 is no rule of the catalog nor a verifier catalog entry/);
    assert.throws(() => ruleFamily('@rule:VER-double-free'), /VER-double-free is no rule of the catalog/);
    const bad = compile('@rule:page-1\nFeature: f\n  Scenario: s\n    Given a step\n');
    assert.throws(() => ruleLabels(bad.pickle('s'), bad.document), MalformedRuleTag);
  });
});
