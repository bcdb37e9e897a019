/**
 * The workload fuzzer: random workloads of random applications and machine
 * events against the driver under test, on a machine drawn for each run,
 * judged by the oracles after every operation and at the end (when every
 * application has exited and the driver has been unloaded). A failure
 * shrinks to the fewest operations that still break a rule, and its replay
 * command reproduces exactly that workload.
 */
import fc from 'fast-check';
import type { ConformanceClass, DriverModule } from '../../personalities/wdm/contract';
import { MachineStore, machines } from '../../machine/machine-snapshot';
import { driverPathForReplay } from '../../personalities/driver-path-for-replay';
import { fragmentPhysicalMemory } from '../../workload/memory-fragmentation';
import { Workload } from '../../workload/workload';
import type { FuzzTarget } from '../campaign';
import { BootVariant, bootConfigFor, bootVariants, describeBootVariant } from '../../workload/boot-variants';
import { ClassProtocol } from '../../conformance/class-protocol';
import { protocolFor } from '../../conformance/classes';
import { findingsAtEnd, findingsDuringWorkload, requireNoFindings } from './rule-checks';
import { WorkloadModel, WorkloadReal, openApplication, workloadCommands } from './workload-commands';

export const DEFAULT_OPERATIONS = 40;

export interface WorkloadFuzzOptions {
  readonly driver: DriverModule;
  /** Where the driver's module is, for the replay command. */
  readonly modulePath: string;
  /** The class whose applications to run; the first the driver claims that the fuzzer can drive, when omitted. */
  readonly conformanceClass?: ConformanceClass;
  /** Operations per workload, at most. */
  readonly operations?: number;
  /** Where each run's machine comes from: the process's store (restored machines) when omitted. */
  readonly machines?: MachineStore;
}

export class ClassNotFuzzable extends Error {
  constructor(driver: DriverModule, conformanceClass: string | undefined) {
    super(conformanceClass !== undefined
      ? `the workload fuzzer cannot drive class ${conformanceClass}${driver.conformanceClasses.includes(conformanceClass as ConformanceClass) ? '' : ` (driver ${driver.name} does not claim it)`}`
      : `the workload fuzzer has no application for any class driver ${driver.name} claims (${driver.conformanceClasses.join(', ')})`);
    this.name = 'ClassNotFuzzable';
  }
}

/** The class the fuzzer drives the driver as, and its protocol; throws ClassNotFuzzable when there is none. */
export function fuzzableClassOf(driver: DriverModule, conformanceClass?: ConformanceClass): ClassProtocol {
  const candidates = conformanceClass !== undefined ? (driver.conformanceClasses.includes(conformanceClass) ? [conformanceClass] : []) : driver.conformanceClasses;
  for (const c of candidates) {
    const protocol = protocolFor(c);
    if (protocol) return protocol;
  }
  throw new ClassNotFuzzable(driver, conformanceClass);
}

/** A machine of the variant (restored from its layout's snapshot when one was taken) with the driver started on it (fragmented then, if the variant says so) and one application that has opened the device. */
export function startWorkload(driver: DriverModule, protocol: ClassProtocol, variant: BootVariant, store: MachineStore = machines): { model: WorkloadModel; real: WorkloadReal } {
  const machine = store.boot(bootConfigFor(variant, protocol.bootOptions));
  const workload = Workload.start(machine, driver);
  // Drivers start at boot; the machine then runs for a while before the first application comes.
  if (variant.fragmented && !workload.stop) fragmentPhysicalMemory(machine, 0.5);
  const model: WorkloadModel = { protocol, machine: variant, apps: [], failuresArmed: false, poolExhausted: false, fragmented: variant.fragmented, deviceFaulted: false };
  const real: WorkloadReal = { workload, protocol, apps: [] };
  requireNoFindings(findingsDuringWorkload(workload), `starting driver ${driver.name}`);
  openApplication(model, real);
  return { model, real };
}

/** The end of a workload: every application exits, the driver is unloaded, and every oracle judges what is left. */
export function finishWorkload(real: WorkloadReal): void {
  real.workload.finish();
  const findings = [...findingsAtEnd(real.workload), ...real.protocol.endOracles.flatMap((oracle) => oracle(real.workload))];
  requireNoFindings(findings, 'at the end of the workload (every application exited, the driver was unloaded)');
}

export function workloadFuzzTarget(options: WorkloadFuzzOptions): FuzzTarget {
  const { driver } = options;
  const store = options.machines ?? machines;
  const protocol = fuzzableClassOf(driver, options.conformanceClass);
  const operations = options.operations ?? DEFAULT_OPERATIONS;
  if (!(Number.isSafeInteger(operations) && operations >= 1)) throw new RangeError(`the workload fuzzer needs at least one operation per workload, got ${operations}`);
  const modulePath = driverPathForReplay(options.modulePath);
  return {
    name: `driver ${driver.name} (${protocol.conformanceClass})`,
    replayArguments: ['--driver', modulePath, '--class', protocol.conformanceClass, '--operations', String(operations)],
    property: (replayPath) =>
      fc.property(
        bootVariants.map((v): BootVariant => Object.assign({ [fc.toStringMethod]: () => describeBootVariant(v) }, v)),
        fc.commands([workloadCommands], { maxCommands: operations, size: 'max', ...(replayPath === undefined ? {} : { replayPath }) }),
        (variant, commands) => {
          let real: WorkloadReal | undefined;
          fc.modelRun(() => {
            const started = startWorkload(driver, protocol, variant, store);
            real = started.real;
            return started;
          }, commands);
          finishWorkload(real!);
          // Only a run that passed: a failing one's error is still being reported.
          store.release(real!.workload.machine);
        },
      ),
  };
}
