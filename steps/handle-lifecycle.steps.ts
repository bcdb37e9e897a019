/**
 * Steps about the handle life cycle Windows has: a handle duplicated into
 * another process (cleanup then comes when the last handle closes, in that
 * process), IRP_MJ_CLOSE when the last reference to the open goes, and a
 * request cancelled at a chosen moment of its life. Each step is one call
 * into src/workload.
 */
import { Then, When } from '@cucumber/cucumber';
import { expect } from 'chai';
import { statusName } from '../src/machine/ntstatus';
import { formatBytes } from '../src/contracts/units';
import { workloadOf } from './support/driver-under-test';
import { ConformanceWorld } from './support/world';
import { perform } from './support/application-steps';

When('{string} duplicates its handle into {string}', function (this: ConformanceWorld, owner: string, holder: string) {
  const workload = workloadOf(this);
  const from = workload.application(owner);
  const to = workload.application(holder);
  const copy = perform(this, `${owner} duplicates its handle into ${holder}`, () => from.duplicateInto(to));
  expect(copy, `the handle ${owner} duplicated into ${holder}`).to.not.equal(null);
});

When('{string} closes its duplicate of {string}\'s handle', function (this: ConformanceWorld, holder: string, owner: string) {
  const workload = workloadOf(this);
  const by = workload.application(holder);
  const of = workload.application(owner);
  const status = perform(this, `${holder} closes its duplicate of ${owner}'s handle`, () => by.closeDuplicateOf(of));
  if (status !== undefined) expect(statusName(status), `${holder} closing the duplicate`).to.equal('STATUS_SUCCESS');
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
  expect(open.closeSentAtNs, `IRP_MJ_CLOSE for ${name}'s handle`).to.not.equal(null);
  const requests = workload.ledger.requests.filter((t) => t.request.irp?.fileObject === open);
  expect(requests.length, `requests ${name} issued through the handle`).to.be.greaterThan(0);
  const lastFinished = Math.max(...requests.map((t) => t.request.completedAtNs ?? Infinity));
  expect(open.closeSentAtNs!, `IRP_MJ_CLOSE (at ${open.closeSentAtNs} ns) after the handle's last request finished (at ${lastFinished} ns)`).to.be.at.least(lastFinished);
});
