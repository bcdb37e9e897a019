/**
 * Steps of the storage-forward-progress class (seed 001): non-paged pool
 * running out under the driver under test, and the checks that it still
 * finished every request (SG-5) and put every scatter/gather list back
 * exactly once (SG-3). Allocation failures injected at the driver's own
 * call sites are the workload steps' "every call to ... by the driver under
 * test fails".
 */
import { Then, When } from '@cucumber/cucumber';
import { requireMachine } from '../src/diagnosis/machine-precondition';
import { failOnFindings } from '../src/oracles/rule-findings-error';
import { forwardProgressOracle } from '../src/oracles/forward-progress-oracle';
import { mappingAccounting } from '../src/oracles/scatter-gather-list-accounting';
import { formatBytes } from '../src/contracts/units';
import { exhaustNonPagedPool, releaseNonPagedPool } from '../src/workload/pool-exhaustion';
import { failIfStopped, workloadOf } from './support/driver-under-test';
import { ConformanceWorld } from './support/world';

When('non-paged pool runs out', function (this: ConformanceWorld) {
  const workload = workloadOf(this);
  const taken = workload.perform('other drivers take the rest of non-paged pool', () => exhaustNonPagedPool(workload));
  failIfStopped(workload);
  requireMachine(!workload.machine.mm.nonPagedPool.hasRoom(1), () => `non-paged pool still has room after ${formatBytes(taken ?? 0)} were taken`);
});

When('non-paged pool has room again', function (this: ConformanceWorld) {
  const workload = workloadOf(this);
  workload.perform('other drivers give non-paged pool back', () => releaseNonPagedPool(workload));
  failIfStopped(workload);
});

Then('no request failed for lack of resources', function (this: ConformanceWorld) {
  const findings = forwardProgressOracle(workloadOf(this));
  failOnFindings('expected every request to complete in full while allocations failed', findings);
});

Then('every scatter\\/gather list the driver under test got has been put back exactly once', function (this: ConformanceWorld) {
  const workload = workloadOf(this);
  failIfStopped(workload);
  // A driver that maps with the adapter channel gets no list: then its channels and map registers must be back.
  failOnFindings('expected every scatter/gather list to be put back exactly once', mappingAccounting(workload));
});
