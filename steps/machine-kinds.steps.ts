/**
 * Every class on every kind of machine: the driver under test runs its
 * class's standard workload (the sweep's, with no call failed) on a machine
 * of a named kind (src/conformance/machine-kinds.ts), and every oracle judges
 * the run, the unload included.
 */
import { Then, When } from '@cucumber/cucumber';
import { protocolFor } from '../src/conformance/classes';
import { machineOfKind } from '../src/conformance/machine-kinds';
import { DriverCrashed } from '../src/oracles/driver-crashed';
import { RuleFindingsError } from '../src/oracles/rule-findings-error';
import { NO_FAILURE } from '../src/sweep/failure-plan';
import { SweepRun, runSweepPlan } from '../src/sweep/sweep-run';
import { describeBootVariant } from '../src/workload/boot-variants';
import { attachText } from './support/attach';
import { judgedClass, selectedDriver } from './support/driver-under-test';
import type { ConformanceWorld } from './support/world';

const runs = new WeakMap<ConformanceWorld, { run: SweepRun; kind: string }>();

When('the driver under test runs its class\'s standard workload on a machine with {string}', async function (this: ConformanceWorld, kind: string) {
  const variant = machineOfKind(kind);
  const driver = selectedDriver(this);
  const protocol = protocolFor(judgedClass(this));
  runs.set(this, { run: runSweepPlan(driver, protocol, NO_FAILURE, variant), kind });
  await attachText(`machine of the standard workload (${kind})`, describeBootVariant(variant));
});

Then('every oracle finds the standard workload clean', function (this: ConformanceWorld) {
  const done = runs.get(this);
  if (!done) throw new Error('no standard workload has run in this scenario: "When the driver under test runs its class\'s standard workload on a machine with ..." must come first');
  const { run, kind } = done;
  if (run.crash) throw new DriverCrashed(run.crash, `in the standard workload on a machine with ${kind}`);
  if (run.findings.length > 0) throw new RuleFindingsError(`expected the standard workload on a machine with ${kind} to break no rule`, run.findings);
});
