/**
 * `npm run sweep`: the systematic sweep of a driver, or the replay of one of
 * its runs.
 *
 *   npm run sweep -- --driver <module> [--class <class>] [--max-runs N]
 *       Sweeps every class the driver claims (or the one named) that has a
 *       standard workload, and prints a line per class and every failure
 *       with its replay command.
 *
 *   npm run sweep -- --driver <module> --class <class> --fail <k> [--site '<call site>']
 *       Runs exactly that run once and prints what it failed and found.
 *
 * Exit status: 0 when no run found anything, 1 when one did, 2 on a usage error.
 */
import { ConformanceClass, DriverModule } from '../personalities/wdm/contract';
import { isConformanceClass } from '../conformance/classes';
import { driverPathForReplay } from '../personalities/driver-path-for-replay';
import { loadDriverModule } from '../personalities/driver-loader';
import { ClassProtocol } from '../conformance/class-protocol';
import { protocolFor } from '../conformance/classes';
import type { FailurePlan } from './failure-plan';
import { describeRun, formatSweep } from './sweep-report';
import { runSweepPlan } from './sweep-run';
import { DEFAULT_MAX_RUNS, sweepClass } from './systematic-sweep';

export class SweepUsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SweepUsageError';
  }
}

export interface SweepCommand {
  readonly driver: string;
  readonly conformanceClass: string | null;
  /** A replay: the run to make, or null for a whole sweep. */
  readonly replay: FailurePlan | null;
  readonly maxRuns: number;
}

const USAGE = 'usage: npm run sweep -- --driver <module> [--class <class>] [--max-runs N] | --driver <module> --class <class> --fail <k> [--site <call site>]';

function wholeNumber(option: string, text: string): number {
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(Number(text)) || Number(text) < 1) throw new SweepUsageError(`${option} needs a whole number >= 1, got "${text}"`);
  return Number(text);
}

export function parseSweepArguments(argv: readonly string[]): SweepCommand {
  const values = new Map<string, string>();
  const known = ['--driver', '--class', '--fail', '--site', '--max-runs'];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const name = known.find((n) => a === n || a.startsWith(`${n}=`));
    if (!name) throw new SweepUsageError(`unknown argument "${a}"; ${USAGE}`);
    const value = a === name ? argv[++i] : a.slice(name.length + 1);
    if (value === undefined || value === '') throw new SweepUsageError(`${name} needs a value; ${USAGE}`);
    if (values.has(name)) throw new SweepUsageError(`${name} is given twice`);
    values.set(name, value);
  }
  const driver = values.get('--driver');
  if (driver === undefined) throw new SweepUsageError(`--driver is required; ${USAGE}`);
  const conformanceClass = values.get('--class') ?? null;
  const nth = values.has('--fail') ? wholeNumber('--fail', values.get('--fail')!) : null;
  const site = values.get('--site') ?? null;
  if (site !== null && nth === null) throw new SweepUsageError('--site replays a run that first fails call --fail <k>, which leads to that call site: give both, as the sweep printed them');
  if (nth !== null && conformanceClass === null) throw new SweepUsageError('a replay (--fail) needs the --class it was printed with');
  const maxRuns = values.has('--max-runs') ? wholeNumber('--max-runs', values.get('--max-runs')!) : DEFAULT_MAX_RUNS;
  return { driver, conformanceClass, replay: nth !== null ? { nth, site } : null, maxRuns };
}

/** The classes to sweep: the one named (which the driver must claim), else every claimed class with a standard workload. */
export function classesToSweep(driver: DriverModule, named: string | null): ClassProtocol[] {
  if (named !== null) {
    if (!isConformanceClass(named)) throw new SweepUsageError(`unknown conformance class "${named}"`);
    if (!driver.conformanceClasses.includes(named)) throw new SweepUsageError(`driver ${driver.name} does not claim ${named} (it claims ${driver.conformanceClasses.join(', ')})`);
    const protocol = protocolFor(named);
    if (!protocol) throw new SweepUsageError(`class ${named} has no standard workload to sweep`);
    return [protocol];
  }
  const protocols = driver.conformanceClasses.map((c: ConformanceClass) => protocolFor(c)).filter((p): p is ClassProtocol => p !== null);
  if (protocols.length === 0) throw new SweepUsageError(`no class driver ${driver.name} claims (${driver.conformanceClasses.join(', ')}) has a standard workload to sweep`);
  return protocols;
}

export function runSweepCommand(command: SweepCommand, print: (line: string) => void = console.log): number {
  const driver = loadDriverModule(command.driver);
  const modulePath = driverPathForReplay(command.driver);
  const protocols = classesToSweep(driver, command.conformanceClass);
  if (command.replay) {
    const run = runSweepPlan(driver, protocols[0]!, command.replay);
    print(`sweep replay: driver ${driver.name}, ${protocols[0]!.conformanceClass}`);
    print(describeRun(run, modulePath, protocols[0]!.conformanceClass));
    return run.findings.length > 0 || run.crash ? 1 : 0;
  }
  let failed = false;
  for (const protocol of protocols) {
    const sweep = sweepClass(driver, protocol, { maxRuns: command.maxRuns });
    print(formatSweep(sweep, modulePath));
    failed ||= sweep.failures.length > 0;
  }
  return failed ? 1 : 0;
}
