/**
 * The systematic sweep from Gherkin: a step sweeps the driver under test as
 * the scenario's @class (src/sweep/systematic-sweep.ts), and "the sweep finds
 * no failure" fails with every failing run, its finding and the command that
 * replays it. The sweep's summary is attached to the report.
 */
import { Given, Then, When } from '@cucumber/cucumber';
import { RuleFindingsError } from '../src/oracles/rule-findings-error';
import { SWEEP_MACHINE } from '../src/sweep/sweep-run';
import type { BootVariant } from '../src/workload/boot-variants';
import { expect } from 'chai';
import { protocolFor } from '../src/conformance/classes';
import { suiteModuleOf } from '../src/conformance/driver-finder';
import { driverPathForReplay } from '../src/personalities/driver-path-for-replay';
import { formatSweep } from '../src/sweep/sweep-report';
import { ClassSweep, sweepClass } from '../src/sweep/systematic-sweep';
import { attachText } from './support/attach';
import { judgedClass, selectedDriver } from './support/driver-under-test';
import { ConformanceWorld } from './support/world';

const sweeps = new WeakMap<ConformanceWorld, { sweep: ClassSweep; report: string }>();
/** A scenario's own sweep machine, when it names one. */
const sweepMachines = new WeakMap<ConformanceWorld, BootVariant>();

Given('the sweep\'s HAL grants every DMA adapter the map registers its driver asks for', function (this: ConformanceWorld) {
  const { mapRegisterLimit: _limit, ...asked } = SWEEP_MACHINE;
  sweepMachines.set(this, asked);
});

When('the sweep fails each fallible call of the driver under test in turn', async function (this: ConformanceWorld) {
  const driver = selectedDriver(this);
  const protocol = protocolFor(judgedClass(this));
  const machine = sweepMachines.get(this);
  const sweep = sweepClass(driver, protocol, machine ? { machine } : {});
  // The replay command names the module: the one the run named, or the suite's own driver of that name.
  const report = formatSweep(sweep, driverPathForReplay(this.parameters.driver ?? suiteModuleOf(driver) ?? driver.name));
  sweeps.set(this, { sweep, report });
  await attachText(`sweep of ${driver.name} (${protocol.conformanceClass})`, report);
});

Then('the sweep also failed the first call at each call site only an error path reaches', function (this: ConformanceWorld) {
  const done = sweeps.get(this);
  if (!done) throw new Error('no sweep has run in this scenario: "When the sweep fails each fallible call of the driver under test in turn" must come first');
  // The sites are found again from the runs themselves: a site some k-th run reached and the clean run did not.
  const counted = done.sweep.runs.filter((r) => r.plan.site === null);
  const clean = counted.find((r) => r.injected.length === 0);
  expect(clean, 'the sweep ends with a run that fails nothing').to.not.equal(undefined);
  const reachedOnlyAfterAFailure = [...new Set(counted.flatMap((r) => [...r.callsAt.keys()]))].filter((site) => !clean!.callsAt.has(site));
  const ranBySite = new Set(done.sweep.runs.map((r) => r.plan.site).filter((site) => site !== null));
  expect(reachedOnlyAfterAFailure.filter((site) => !ranBySite.has(site)), 'call sites only an error path reaches that got no run of their own').to.deep.equal([]);
});

Then('the sweep finds no failure', function (this: ConformanceWorld) {
  const done = sweeps.get(this);
  if (!done) throw new Error('no sweep has run in this scenario: "When the sweep fails each fallible call of the driver under test in turn" must come first');
  const failed = done.sweep.failures;
  // The findings go as data (the verdict reads their rules); the report, attached above, has each run's call, site and replay.
  const withFindings = failed.find((r) => r.findings.length > 0);
  if (withFindings) throw new RuleFindingsError(`expected the sweep to find no failure, but ${failed.length} run(s) failed:\n${done.report}\nand the first failing run's findings are`, withFindings.findings);
  if (failed.length > 0) expect.fail(done.report); // the driver crashed: no rule to name
});
