/**
 * Scenario hooks. Cucumber gives every scenario a fresh ConformanceWorld (and
 * so a fresh machine); these hooks add what the report needs around it.
 */
import { After, Before, ITestCaseHookParameter, Status } from '@cucumber/cucumber';
import { labels } from 'allure-js-commons';
import { isBugCheck } from '../../src/machine/bug-check';
import { attachBugCheckScreen } from './attach';
import { ruleLabels } from './rule-labels';
import { ConformanceWorld } from './world';

Before({ name: 'rule labels' }, async function (this: ConformanceWorld, scenario: ITestCaseHookParameter) {
  const derived = ruleLabels(scenario.pickle, scenario.gherkinDocument);
  if (derived.length > 0) await labels(...derived);
});

After({ name: 'bug check screen' }, async function (this: ConformanceWorld, scenario: ITestCaseHookParameter) {
  if (scenario.result?.status === Status.FAILED && isBugCheck(scenario.error)) {
    await attachBugCheckScreen(scenario.error);
  }
});
