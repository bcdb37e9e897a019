/**
 * What the steps of applications share: running one operation of the
 * workload (the step fails when the machine stopped during it), naming an
 * application, and the request each "its latest request" step means.
 */
import { failIfStopped, workloadOf } from './driver-under-test';
import type { ConformanceWorld } from './world';
import type { TrackedRequest } from '../../src/workload/request-ledger';
import type { Workload } from '../../src/workload/workload';
import type { WorkloadApplication } from '../../src/workload/workload-application';

/** Run one operation of an application, failing the step if the machine stopped during it. */
export function perform<T>(world: ConformanceWorld, what: string, operation: (workload: Workload) => T): T | undefined {
  const workload = workloadOf(world);
  const value = workload.perform(what, () => operation(workload));
  failIfStopped(workload);
  return value;
}

export function app(world: ConformanceWorld, name: string): WorkloadApplication {
  return workloadOf(world).application(name);
}

/** The request of the application each "its latest request" step means. */
const latestRequests = new WeakMap<WorkloadApplication, TrackedRequest>();

export function remember(application: WorkloadApplication, tracked: TrackedRequest | undefined): void {
  if (tracked) latestRequests.set(application, tracked);
}

/** The latest request a step remembered for the application (its own buffer's, say), whatever the ledger holds since. */
export function rememberedRequestOf(application: WorkloadApplication): TrackedRequest | undefined {
  return latestRequests.get(application);
}

/**
 * The application's latest request: the one a step remembered,
 * or a later one the ledger holds for its process (steps of other files,
 * such as the mapped-file class's, issue requests too).
 */
export function latestRequestOf(world: ConformanceWorld, a: WorkloadApplication): TrackedRequest | undefined {
  const ledger = workloadOf(world).ledger.requests;
  const remembered = latestRequests.get(a);
  const last = ledger.filter((t) => t.request.process === a.process).pop();
  if (!remembered || !last) return remembered ?? last;
  return ledger.indexOf(last) > ledger.indexOf(remembered) ? last : remembered;
}
