/**
 * The systematic sweep from Gherkin: a step sweeps the driver under test as
 * the scenario's @class (src/sweep/systematic-sweep.ts), and "the sweep finds
 * no failure" fails with every failing run, its finding and the command that
 * replays it. The sweep's summary is attached to the report.
 */
import { Before, ITestCaseHookParameter, Then, When } from '@cucumber/cucumber';
import { expect } from 'chai';
import { ConformanceClass } from '../src/personalities/wdm/contract';
import { isConformanceClass } from '../src/conformance/classes';
import { protocolFor } from '../src/conformance/classes';
import { suiteModuleOf } from '../src/conformance/driver-finder';
import { replayModulePath } from '../src/sweep/sweep-command';
import { formatSweep } from '../src/sweep/sweep-report';
import { ClassSweep, sweepClass } from '../src/sweep/systematic-sweep';
import { attachText } from './support/attach';
import { classesOfTags, selectedDriver } from './support/driver-under-test';
import { ConformanceWorld } from './support/world';

const sweeps = new WeakMap<ConformanceWorld, { sweep: ClassSweep; report: string }>();
const scenarioClasses = new WeakMap<ConformanceWorld, ConformanceClass[]>();

Before({ name: 'remember the scenario\'s conformance classes for the sweep' }, function (this: ConformanceWorld, scenario: ITestCaseHookParameter) {
  scenarioClasses.set(this, classesOfTags(scenario.pickle.tags).filter(isConformanceClass));
});

When('the sweep fails each fallible call of the driver under test in turn', async function (this: ConformanceWorld) {
  const driver = selectedDriver(this);
  const conformanceClass = (scenarioClasses.get(this) ?? []).find((c) => driver.conformanceClasses.includes(c));
  const protocol = conformanceClass ? protocolFor(conformanceClass) : null;
  if (!protocol) throw new Error(`the sweep has no standard workload for the scenario's class (${(scenarioClasses.get(this) ?? []).join(', ') || 'no @class tag'})`);
  const sweep = sweepClass(driver, protocol);
  // The replay command names the module: the one the run named, or the suite's own driver of that name.
  const report = formatSweep(sweep, replayModulePath(this.parameters.driver ?? suiteModuleOf(driver) ?? driver.name));
  sweeps.set(this, { sweep, report });
  await attachText(`sweep of ${driver.name} (${protocol.conformanceClass})`, report);
});

Then('the sweep also failed the first call at each call site only an error path reaches', function (this: ConformanceWorld) {
  const done = sweeps.get(this);
  if (!done) throw new Error('no sweep has run in this scenario: "When the sweep fails each fallible call of the driver under test in turn" must come first');
  const { errorPathSites, runs } = done.sweep;
  expect(errorPathSites.length, 'call sites the workload reaches only after a failure').to.be.above(0);
  expect(runs.length, 'runs: one per fallible call of the clean run, the clean run, one per error-path site').to.equal(done.sweep.cleanCalls + 1 + errorPathSites.length);
});

Then('the sweep finds no failure', function (this: ConformanceWorld) {
  const done = sweeps.get(this);
  if (!done) throw new Error('no sweep has run in this scenario: "When the sweep fails each fallible call of the driver under test in turn" must come first');
  if (done.sweep.failures.length > 0) expect.fail(done.report);
});
