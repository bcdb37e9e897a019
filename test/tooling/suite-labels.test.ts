import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { generateMessages } from '@cucumber/gherkin';
import { suiteLabels } from '../../steps/support/suite-labels';

/** The labels of the one scenario of a feature read from `uri` (relative to the folder cucumber runs in). */
function labelsAt(uri: string) {
  const envelopes = generateMessages('Feature: sectors\n  Scenario: one\n    Given a step\n', uri, 'text/x.cucumber.gherkin+plain' as Parameters<typeof generateMessages>[2], {
    includeGherkinDocument: true,
    includePickles: true,
    includeSource: false,
    newId: (() => { let id = 0; return () => String(id++); })(),
  });
  return suiteLabels(envelopes.find((e) => e.pickle)!.pickle!, envelopes.find((e) => e.gherkinDocument)!.gherkinDocument!);
}

describe('the Allure suite of a scenario', () => {
  it('is its folder under features/ and its feature', () => {
    assert.deepEqual(labelsAt('features/paging/pinned.feature'), [{ name: 'parentSuite', value: 'paging' }, { name: 'suite', value: 'sectors' }]);
    assert.deepEqual(labelsAt('features/pinned.feature'), [{ name: 'suite', value: 'sectors' }]);
  });

  it("names a team's feature outside the suite's folder by its own folders, without the steps up", () => {
    assert.deepEqual(labelsAt('../../features/team.feature'), [{ name: 'suite', value: 'sectors' }]);
    assert.deepEqual(labelsAt('../../conformance/dma/team.feature'), [{ name: 'parentSuite', value: 'conformance/dma' }, { name: 'suite', value: 'sectors' }]);
  });
});
