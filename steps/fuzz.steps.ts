/**
 * Fuzzing from Gherkin: a step runs a fuzz target (a kernel model, or the
 * workload fuzzer against the driver under test) with fast-check, and "no
 * rule is violated" fails with the shrunk counterexample, its seed, path and
 * replay path, and the command that replays it. The counterexample is also
 * printed and attached to the report.
 *
 * The seed and budget: the step's own budget and a fixed seed in the default
 * suite; the campaign's seed and run count under `npm run fuzz`
 * (src/fuzz/fuzz-settings.ts).
 */
import { Before, ITestCaseHookParameter, Then, When } from '@cucumber/cucumber';
import { RuleFindingsError } from '../src/oracles/rule-findings-error';
import { expect } from 'chai';
import { ConformanceClass } from '../src/personalities/wdm/contract';
import { isConformanceClass } from '../src/conformance/classes';
import { CampaignResult, FuzzTarget, formatCounterexample, runCampaign } from '../src/fuzz/campaign';
import { budgetFor, fuzzSettingsFrom } from '../src/fuzz/fuzz-settings';
import { kernelModelNamed } from '../src/fuzz/kernel-models/kernel-model-catalog';
import { kernelModelTarget } from '../src/fuzz/kernel-models/kernel-model';
import { suiteModuleOf } from '../src/conformance/driver-finder';
import { workloadFuzzTarget } from '../src/fuzz/workload/workload-fuzzer';
import { attachJson, attachText } from './support/attach';
import { classesOfTags, selectedDriver } from './support/driver-under-test';
import { ConformanceWorld } from './support/world';

const resultsOf = new WeakMap<ConformanceWorld, CampaignResult[]>();
/** The conformance classes the scenario's @class tags name: the fuzzer drives the driver as the first it claims. */
const scenarioClasses = new WeakMap<ConformanceWorld, ConformanceClass[]>();

Before({ name: 'remember the scenario\'s conformance classes' }, function (this: ConformanceWorld, scenario: ITestCaseHookParameter) {
  scenarioClasses.set(this, classesOfTags(scenario.pickle.tags).filter(isConformanceClass));
});

async function fuzz(world: ConformanceWorld, target: FuzzTarget, stepRuns: number): Promise<void> {
  const { seed, runs } = budgetFor(fuzzSettingsFrom(), stepRuns);
  const result = runCampaign(target, { seed, runs });
  resultsOf.set(world, [...(resultsOf.get(world) ?? []), result]);
  await attachText(`fuzz run of ${target.name}`, `seed ${seed}, ${result.runs} of ${runs} run(s)${result.counterexample ? ', failed' : ', no rule violated'}`);
  if (result.counterexample) {
    const text = formatCounterexample(result.counterexample);
    console.error(`\n${text}\n`);
    await attachText(`counterexample of ${target.name}`, text);
    await attachJson(`counterexample of ${target.name}`, result.counterexample);
  }
}

When('the {string} kernel model runs {count} random command sequences', async function (this: ConformanceWorld, name: string, runs: number) {
  await fuzz(this, kernelModelTarget(kernelModelNamed(name)), runs);
});

When('the workload fuzzer runs {count} random workloads of up to {count} operations against the driver under test', async function (this: ConformanceWorld, runs: number, operations: number) {
  const driver = selectedDriver(this);
  const conformanceClass = (scenarioClasses.get(this) ?? []).find((c) => driver.conformanceClasses.includes(c));
  // The replay command names the module: the one the run named, or the suite's own driver of that name.
  const modulePath = this.parameters.driver ?? suiteModuleOf(driver) ?? driver.name;
  await fuzz(this, workloadFuzzTarget({ driver, modulePath, operations, ...(conformanceClass ? { conformanceClass } : {}) }), runs);
});

Then('no rule is violated', function (this: ConformanceWorld) {
  const results = resultsOf.get(this);
  if (!results || results.length === 0) throw new Error('no fuzzer has run in this scenario: a "When the ... fuzzer runs ..." step must come first');
  const counterexamples = results.flatMap((r) => (r.counterexample ? [r.counterexample] : []));
  const text = counterexamples.map(formatCounterexample).join('\n\n');
  // A counterexample of the workload fuzzer carries the oracles' findings: they go as data, so the verdict reads the rule.
  const withFindings = counterexamples.find((c) => c.findings.length > 0);
  if (withFindings) throw new RuleFindingsError(`expected no rule to be violated, but the fuzzer found:\n${text}\nwith the findings`, withFindings.findings);
  if (counterexamples.length > 0) expect.fail(text);
});
