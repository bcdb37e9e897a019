/**
 * Steps about the handle life cycle Windows has: a handle duplicated into
 * another process (cleanup then comes when the last handle closes, in that
 * process), IRP_MJ_CLOSE when the last reference to the open goes, and a
 * request cancelled at a chosen moment of its life. Each step is one call
 * into src/workload.
 */
import { Then, When } from '@cucumber/cucumber';
import { requireMachine } from '../src/diagnosis/machine-precondition';
import { statusName } from '../src/machine/ntstatus';
import { formatBytes } from '../src/contracts/units';
import { workloadOf } from './support/driver-under-test';
import { ConformanceWorld } from './support/world';
import { perform } from './support/application-steps';
import { HANDLE_RULE, requireOfDriver } from '../src/oracles/rule-check';
import { STATUS } from '../src/machine/ntstatus';

When('{string} duplicates its handle into {string}', function (this: ConformanceWorld, owner: string, holder: string) {
  const workload = workloadOf(this);
  const from = workload.application(owner);
  const to = workload.application(holder);
  const copy = perform(this, `${owner} duplicates its handle into ${holder}`, () => from.duplicateInto(to));
  // The I/O manager duplicates the handle, not the driver: no copy is a broken run, never a verdict.
  requireMachine(copy !== null, () => `${owner} could not duplicate its handle into ${holder}`);
});

When('{string} closes its duplicate of {string}\'s handle', function (this: ConformanceWorld, holder: string, owner: string) {
  const workload = workloadOf(this);
  const by = workload.application(holder);
  const of = workload.application(owner);
  const status = perform(this, `${holder} closes its duplicate of ${owner}'s handle`, () => by.closeDuplicateOf(of));
  if (status !== undefined) requireOfDriver(status === STATUS.SUCCESS, HANDLE_RULE, 'completion', `expected ${holder}'s duplicate of ${owner}'s handle to close`, () => `closing it (the driver's IRP_MJ_CLEANUP) ended with ${statusName(status)}`);
});

When('{string} starts a read of {size} and cancels it after {count} ns', function (this: ConformanceWorld, name: string, size: number, delayNs: number) {
  const a = workloadOf(this).application(name);
  perform(this, `${name} starts a read of ${formatBytes(size)} and cancels it after ${delayNs} ns`, () => {
    const tracked = a.read(a.allocate(size), { overlapped: true });
    a.cancelAfter(tracked, delayNs);
  });
});

Then('the driver got IRP_MJ_CLOSE for {string}\'s handle only after the handle\'s last request finished', function (this: ConformanceWorld, name: string) {
  const workload = workloadOf(this);
  const a = workload.application(name);
  const open = a.lastClosedOpen;
  if (!open) throw new Error(`${name} has not closed a handle of its own yet`);
  const requests = workload.ledger.requests.filter((t) => t.request.irp?.fileObject === open);
  if (requests.length === 0) throw new Error(`${name} issued no request through the handle it closed: the check says nothing`);
  const expected = `expected IRP_MJ_CLOSE for ${name}'s handle once its last request had finished`;
  // The I/O manager sends IRP_MJ_CLOSE when the last reference goes: a request the driver never finishes keeps it back.
  requireOfDriver(open.closeSentAtNs !== null, HANDLE_RULE, 'completion', expected, () => `no IRP_MJ_CLOSE came: ${requests.filter((t) => !t.request.done).length} request(s) of the handle never finished`);
  const lastFinished = Math.max(...requests.map((t) => t.request.completedAtNs ?? Infinity));
  requireOfDriver(open.closeSentAtNs! >= lastFinished, HANDLE_RULE, 'completion', expected, () => `IRP_MJ_CLOSE came at ${open.closeSentAtNs} ns, before the handle's last request finished (at ${lastFinished} ns)`);
});
