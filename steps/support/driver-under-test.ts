/**
 * Which driver a conformance scenario runs against, and the scenario's
 * workload on it.
 *
 * A scenario tagged `@class:<conformance class>` is a driver conformance
 * scenario. It runs against the driver named by the world parameter
 * `driver` (`--world-parameters '{"driver":"./my-driver.ts"}'`, or
 * `npm run conformance -- --driver ./my-driver.ts`); without one, against
 * the reference driver of the class (src/conformance/<class>/reference.ts,
 * found by src/conformance/driver-finder.ts). A scenario for a class the driver does not
 * claim is skipped, and the report says why.
 *
 * A driver that cannot be loaded (no module at the path, a module that does
 * not compile or does not implement the contract) stops the run before any
 * scenario, with the loader's message.
 *
 * The world parameter `driverTimeBudget` (seconds) sets the wall-clock
 * watchdog's budget for one call into driver code (src/kernel/io/wall-clock-watchdog.ts).
 */
import { Before, BeforeAll, ITestCaseHookParameter } from '@cucumber/cucumber';
import type { ConformanceClass, DriverModule } from '../../src/personalities/wdm/contract';
import { isConformanceClass } from '../../src/conformance/classes';
import { loadDriverModule } from '../../src/personalities/driver-loader';
import { setDriverTimeBudget } from '../../src/kernel/io/wall-clock-watchdog';
import { referenceDriverOf } from '../../src/conformance/driver-finder';
import { RuleFindingsError } from '../../src/oracles/rule-findings-error';
import { stopOracle } from '../../src/oracles/stop-oracle';
import type { Workload } from '../../src/workload/workload';
import { readWorldParameters } from './world-parameters';
import type { ConformanceWorld } from './world';

const CLASS_TAG = /^@class:(.+)$/;

/** The driver named by the world parameters, loaded once per run; undefined until BeforeAll ran, null when none was named. */
let namedDriver: DriverModule | null | undefined;
const selected = new WeakMap<object, DriverModule>();
/** The class a scenario judges the driver as: the first of its @class tags the driver claims. */
const judgedAs = new WeakMap<object, ConformanceClass>();
const workloads = new WeakMap<object, Workload>();

/** The conformance classes a scenario's tags name, in tag order. */
export function classesOfTags(tags: readonly { readonly name: string }[]): string[] {
  return tags.map((t) => CLASS_TAG.exec(t.name)?.[1]).filter((c): c is string => c !== undefined);
}

function driverNamedByParameters(raw: unknown): DriverModule | null {
  const parameters = readWorldParameters(raw);
  if (parameters.driverTimeBudget !== undefined) setDriverTimeBudget(parameters.driverTimeBudget);
  return parameters.driver ? loadDriverModule(parameters.driver) : null;
}

BeforeAll({ name: 'load the driver under test' }, function (this: { parameters?: unknown }) {
  // A DriverLoadError here stops the run before any scenario, with the loader's list of problems.
  namedDriver = driverNamedByParameters(this.parameters);
});

Before({ name: 'select the driver under test' }, function (this: ConformanceWorld, scenario: ITestCaseHookParameter) {
  const classes = classesOfTags(scenario.pickle.tags);
  if (classes.length === 0) return undefined; // a kernel-rule scenario: no driver under test
  const unknown = classes.filter((c) => !isConformanceClass(c));
  if (unknown.length > 0) throw new Error(`scenario "${scenario.pickle.name}" is tagged with unknown conformance class(es) ${unknown.join(', ')}`);
  if (namedDriver === undefined) namedDriver = driverNamedByParameters(this.parameters);
  let driver = namedDriver;
  if (!driver) {
    const known = classes.filter(isConformanceClass);
    driver = known.map((c) => referenceDriverOf(c)?.driver).find((d) => d !== undefined) ?? null;
    if (!driver) throw new Error(`no reference driver in src/conformance/${classes.join(' or ')}/reference.ts; name a driver with --world-parameters '{"driver":"<path>"}'`);
  }
  if (!driver.conformanceClasses.some((c) => classes.includes(c))) {
    const why = `skipped: driver ${driver.name} does not claim ${classes.join(' or ')} (it claims ${driver.conformanceClasses.join(', ')})`;
    this.attach(why, 'text/plain');
    this.log(why);
    return 'skipped';
  }
  selected.set(this, driver);
  judgedAs.set(this, classes.filter(isConformanceClass).find((c) => driver!.conformanceClasses.includes(c))!);
  return undefined;
});

/** The conformance class a scenario judges its driver as (the first of the scenario's @class tags the driver claims). */
export function judgedClass(world: object): ConformanceClass {
  const conformanceClass = judgedAs.get(world);
  if (!conformanceClass) throw new Error('this step needs a driver under test: tag the scenario with the conformance class it checks (@class:<class>)');
  return conformanceClass;
}

/** The driver a conformance scenario runs against; fails for a scenario without a @class tag. */
export function selectedDriver(world: object): DriverModule {
  const driver = selected.get(world);
  if (!driver) throw new Error('this step needs a driver under test: tag the scenario with the conformance class it checks (@class:<class>)');
  return driver;
}

/** The scenario's workload, once the driver under test has been started. */
export function workloadOf(world: object): Workload {
  const w = workloads.get(world);
  if (!w) throw new Error('no driver under test has been started in this scenario: begin with "Given the driver under test is started on the DMA test device"');
  return w;
}

export function setWorkload(world: object, workload: Workload): void {
  if (workloads.has(world)) throw new Error('the driver under test has already been started in this scenario');
  workloads.set(world, workload);
}

export function hasWorkload(world: object): boolean {
  return workloads.has(world);
}

/** Fail the step when the workload has stopped: the stop is a conformance failure of its own, named by its rule. */
export function failIfStopped(workload: Workload): void {
  if (workload.stop) throw new RuleFindingsError('expected the machine to keep running', stopOracle(workload));
}
