/**
 * One run of the sweep: a fresh machine (restored from the snapshot of the
 * first one booted, src/machine/machine-snapshot.ts), the driver started on
 * it, the class's standard workload, the workload's end, and every oracle's
 * verdict, with the plan's failures injected into the driver's calls on the way.
 *
 * An injected failure is a condition of the operation it happens in: the
 * requests outstanding then, and the one being issued, may end in
 * STATUS_INSUFFICIENT_RESOURCES; later requests must succeed again. A start
 * the failure made the driver refuse (a failure status from DriverEntry,
 * AddDevice or StartDevice) is a correct answer, not a finding; what the
 * driver leaves behind after it is (refused-start.ts).
 */
import type { DriverModule } from '../personalities/wdm/contract';
import type { ClassProtocol } from '../conformance/class-protocol';
import { BootVariant, bootConfigFor } from '../workload/boot-variants';
import { machines } from '../machine/machine-snapshot';
import { NT_SUCCESS } from '../machine/ntstatus';
import { MiB, KiB } from '../contracts/units';
import { checkWorkload } from '../oracles/conformance-oracles';
import { crashOf } from '../oracles/driver-crashed';
import type { DriverCrash } from '../diagnosis/driver-crash';
import type { OracleFinding } from '../oracles/oracle-finding';
import { Workload } from '../workload/workload';
import { fragmentPhysicalMemory } from '../workload/memory-fragmentation';
import { DriverCallCounter, InjectedFailure } from './call-counter';
import { failablePointsOf } from './class-failure-points';
import { finishRefusedStart, leftAfterRefusedStart } from './refused-start';
import type { FailurePlan } from './failure-plan';
import { runStandardWorkload } from './standard-workload';

/**
 * The machine every sweep run boots: small (fast), a 64-bit device, frames handed out scattered, and
 * a HAL that grants an adapter at most 16 map registers (64 KiB), so the standard workload's longest
 * request (72 KiB) moves in several pieces and the sweep fails the calls of a second and a last piece too.
 */
export const SWEEP_MACHINE: BootVariant = { ramBytes: 256 * MiB, addressBits: 64, iommu: false, maxTransferLength: 64 * KiB, scatterFrames: true, fragmented: false, deferDmaCallbacks: false, mapRegisterLimit: 16, seed: 1 };

export interface SweepRun {
  readonly plan: FailurePlan;
  /** The driver's fallible calls in the run. */
  readonly calls: number;
  /** Calls per call site, in the order the sites were first reached. */
  readonly callsAt: ReadonlyMap<string, number>;
  readonly injected: readonly InjectedFailure[];
  /** Every oracle's findings, after what the injected failures excuse. */
  readonly findings: readonly OracleFinding[];
  /** The driver's crash, when it crashed (then no rule was judged and there are no findings). */
  readonly crash: DriverCrash | null;
}

export function runSweepPlan(driver: DriverModule, protocol: ClassProtocol, plan: FailurePlan, variant: BootVariant = SWEEP_MACHINE): SweepRun {
  const machine = machines.boot(bootConfigFor(variant, protocol.bootOptions));
  let workload: Workload | null = null;
  const counter = DriverCallCounter.install(machine, driver.name, plan, failablePointsOf(protocol), () => {
    if (!workload) return;
    workload.conditions.add('resources-failing');
    workload.disturb('resources-failing');
  });
  workload = Workload.start(machine, driver);
  // As in the fuzzer: drivers start at boot, then the machine runs a while before the first application comes.
  if (variant.fragmented && !workload.stop) fragmentPhysicalMemory(machine, 0.5);
  counter.started = true;
  const w: Workload = workload;
  finishRefusedStart(w);
  runStandardWorkload(w, protocol, (what, operation) => {
    w.perform(what, operation);
    // The failure was one call: what the application does next must succeed again.
    w.conditions.delete('resources-failing');
  });
  w.finish();
  const base = { plan, calls: counter.calls, callsAt: counter.callsAt, injected: counter.injected };
  let findings: OracleFinding[];
  try {
    findings = [...checkWorkload(w), ...leftAfterRefusedStart(w), ...protocol.endOracles.flatMap((oracle) => oracle(w))];
  } catch (e) {
    const crash = crashOf(e);
    if (!crash) throw e;
    machines.release(machine);
    return { ...base, findings: [], crash };
  }
  const run = { ...base, findings: findings.filter((f) => !excusedBy(w, counter.injected, f)), crash: null };
  // The run is judged: what it found is data, and the machine's memory backs the next run's.
  machines.release(machine);
  return run;
}

/** A start refused with a failure status after a failure injected while starting: the driver answered as it must. */
function excusedBy(workload: Workload, injected: readonly InjectedFailure[], finding: OracleFinding): boolean {
  const stop = workload.stop;
  if (finding.oracle !== 'stop' || stop?.kind !== 'start failed') return false;
  const status = stop.failure.status;
  return injected.some((i) => i.duringStart) && status !== null && !NT_SUCCESS(status);
}
