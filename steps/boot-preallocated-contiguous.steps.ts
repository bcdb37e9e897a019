/**
 * Steps of the boot-preallocated-contiguous class (seed 002): an
 * application sets up a ring of contiguous DMA buffers with the driver under
 * test, the machine runs long enough for physical memory to fragment, and
 * the checks on which buffers the driver took (CONT-3), that run-time
 * allocation has become impossible (CONT-2), that the buffers are
 * contiguous for the CPU and the device (CONT-1), and what copying through
 * them costs the CPU (CONT-7). The install configuration is the HAL steps'
 * "the DMA test device's install configuration preallocates ...".
 */
import { Then, When } from '@cucumber/cucumber';
import { requireMachine } from '../src/diagnosis/machine-precondition';
import { COST } from '../src/machine/cost-model';
import { completionFinding, lazyEvidence } from '../src/oracles/completion-oracle';
import { RuleFindingsError } from '../src/oracles/rule-findings-error';
import { formatBytes } from '../src/contracts/units';
import { fragmentPhysicalMemory } from '../src/workload/memory-fragmentation';
import { parseRingOptions, preallocatedBuffersInUse, preallocatedBuffersNotContiguous, runTimeContiguousAvailable, setUpRing } from '../src/conformance/boot-preallocated-contiguous/application';
import { workloadOf } from './support/driver-under-test';
import { ConformanceWorld } from './support/world';
import { perform } from './support/application-steps';
import { requireOfDriver } from '../src/oracles/rule-check';

/** The CPU time of the latest read through a ring, split by the memory it touched. */
const latestRingRead = new WeakMap<object, { bytes: number; uncachedNs: number }>();

When('{string} sets up a ring of {count} buffer(s) of {size} with options {string}', function (this: ConformanceWorld, name: string, count: number, bytes: number, options: string) {
  const flags = parseRingOptions(options);
  perform(this, `${name} sets up a ring of ${count} buffer(s) of ${formatBytes(bytes)}`, (w) => setUpRing(w.application(name), count, bytes, flags));
});

When('{string} asks for a ring of {count} buffer(s) of {size} with options {string}, which the class refuses', function (this: ConformanceWorld, name: string, count: number, bytes: number, options: string) {
  const flags = parseRingOptions(options);
  perform(this, `${name} asks for a ring of ${count} buffer(s) of ${formatBytes(bytes)}, which the class refuses`,
    (w) => setUpRing(w.application(name), count, bytes, flags, { kind: 'error', why: `a ring of ${count} buffer(s) of ${formatBytes(bytes)}, outside what the class allows` }));
});

Then('{string}\'s ring was set up', function (this: ConformanceWorld, name: string) {
  const workload = workloadOf(this);
  const setUp = workload.ledger.requests.filter((t) => t.request.process === workload.application(name).process && t.rule === 'CONT-3');
  if (setUp.length === 0) throw new Error(`${name} has not set up a ring: say '"${name}" sets up a ring of ...' first`);
  const last = setUp[setUp.length - 1]!;
  // A failed set-up names the rule the diagnosis finds (the call that failed), not only its status.
  const finding = last.request.succeeded ? null : completionFinding(last, lazyEvidence(workload), workload.session?.trace.deviceLog ?? null);
  if (finding) throw new RuleFindingsError(`expected ${name}'s ring to be set up`, [finding]);
  requireOfDriver(last.request.succeeded, last.rule, 'completion', `expected ${name}'s ring to be set up`, () => last.request.describe());
});

Then('{count} of the buffers preallocated at boot are in use', function (this: ConformanceWorld, count: number) {
  const inUse = preallocatedBuffersInUse(workloadOf(this).machine);
  requireOfDriver(inUse === count, 'CONT-3', 'leftovers', `expected the driver to take ${count} of the buffers preallocated at boot`, () => `the driver holds ${inUse} buffer(s) preallocated at boot, not ${count}: a ring whose size and flags match the preallocation gets those buffers, and a buffer given back is no longer in use`);
});

Then('no buffer preallocated at boot is in use', function (this: ConformanceWorld) {
  const inUse = preallocatedBuffersInUse(workloadOf(this).machine);
  requireOfDriver(inUse === 0, 'CONT-3', 'leftovers', 'expected every buffer preallocated at boot to be given back', () => `the driver still holds ${inUse} buffer(s) preallocated at boot`);
});

When('the machine has run long enough to fragment physical memory', function (this: ConformanceWorld) {
  perform(this, 'a long-running process scatters its pages over physical memory', (w) => fragmentPhysicalMemory(w.machine));
});

Then('a contiguous buffer of {size} can no longer be allocated at run time', function (this: ConformanceWorld, bytes: number) {
  const { machine } = workloadOf(this);
  // A check of the machine, not of the driver: it failing makes the scenario broken, never a verdict.
  requireMachine(!runTimeContiguousAvailable(machine, bytes), () => `a run-time contiguous allocation of ${formatBytes(bytes)} still succeeds: memory has not fragmented`);
});

Then('every buffer preallocated at boot in use is contiguous for the CPU and for the device', function (this: ConformanceWorld) {
  const why = preallocatedBuffersNotContiguous(workloadOf(this).machine);
  requireOfDriver(why === null, 'CONT-1', 'data', 'expected every buffer preallocated at boot in use to be contiguous for the CPU and the device', () => why!);
});

When('{string} reads {size} through its ring', function (this: ConformanceWorld, name: string, bytes: number) {
  const workload = workloadOf(this);
  const before = workload.machine.clock.cpuTime('cpu:uncached');
  perform(this, `${name} reads ${formatBytes(bytes)} through its ring`, (w) => {
    const a = w.application(name);
    a.read(a.allocate(bytes));
  });
  latestRingRead.set(this, { bytes, uncachedNs: workload.machine.clock.cpuTime('cpu:uncached') - before });
});

function latestRead(world: object): { bytes: number; uncachedNs: number } {
  const read = latestRingRead.get(world);
  if (!read) throw new Error('no application has read through its ring yet: say \'"app.exe" reads 1 MiB through its ring\' first');
  return read;
}

Then('the CPU copied that read out of non-cached memory', function (this: ConformanceWorld) {
  const { bytes, uncachedNs } = latestRead(this);
  const least = bytes * COST.uncachedCpuAccessPerByte.ns;
  requireOfDriver(uncachedNs >= least, 'CONT-7', 'data', `expected the CPU to copy the read of ${formatBytes(bytes)} out of non-cached memory`,
    () => `the CPU spent ${uncachedNs} ns on non-cached memory while ${formatBytes(bytes)} were read, less than the ${least} ns copying them out of non-cached buffers costs (${COST.uncachedCpuAccessPerByte.ns} ns per byte): the buffers the options asked to be non-cached were cached`);
});

Then('the CPU copied that read out of cached memory', function (this: ConformanceWorld) {
  const { bytes, uncachedNs } = latestRead(this);
  // Writing the device's descriptors into its non-cached ring is all the uncached work left.
  const most = (bytes * COST.uncachedCpuAccessPerByte.ns) / 100;
  requireOfDriver(uncachedNs < most, 'CONT-7', 'data', `expected the CPU to copy the read of ${formatBytes(bytes)} out of cached memory`,
    () => `the CPU spent ${uncachedNs} ns on non-cached memory while ${formatBytes(bytes)} were read (cached buffers cost less than ${most} ns): the buffers the options asked to be cached were not`);
});
