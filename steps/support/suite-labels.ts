/**
 * The Allure suite of a scenario: its feature folder (paging, mdl, ...) as
 * the parent suite and its feature as the suite, so the report's Suites tab
 * follows the layout of features/ instead of listing every scenario flat.
 *
 * A team's own feature, run through the installed package, lies outside the
 * suite's folder, where cucumber runs: its uri starts with "../" steps, which
 * name no folder of the team's, so they are dropped.
 */
import * as path from 'node:path';
import type { ITestCaseHookParameter } from '@cucumber/cucumber';

export interface SuiteLabel {
  readonly name: 'parentSuite' | 'suite';
  readonly value: string;
}

export function suiteLabels(pickle: ITestCaseHookParameter['pickle'], document: ITestCaseHookParameter['gherkinDocument']): SuiteLabel[] {
  const folder = path.posix.dirname(pickle.uri.split(path.sep).join('/')).replace(/^(?:\.\.\/)+/, '').replace(/^features(?:\/|$)/, '');
  const labels: SuiteLabel[] = [];
  if (folder !== '' && folder !== '.') labels.push({ name: 'parentSuite', value: folder });
  const feature = document.feature?.name.trim();
  labels.push({ name: 'suite', value: feature || path.posix.basename(pickle.uri) });
  return labels;
}
