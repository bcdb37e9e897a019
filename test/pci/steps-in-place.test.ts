/**
 * The device's follow-up steps run in place of their clock events only when
 * the clock would run those events next anyway: a transfer gives the same
 * device accesses at the same simulated times as one run event by event
 * (Clock.step, where nothing runs in place), with far fewer queued events;
 * an `advance` stops the device where its horizon is, a `runUntil` where its
 * condition first holds, and an event of someone else's that falls between
 * two steps still runs between them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PAGE_SIZE } from '../../src/contracts/units';
import { DescriptorFlag } from '../../src/contracts/dma-test-device-registers';
import type { DeviceRamAccess } from '../../src/pci/dma-observer';
import { Pci, bootPci, setBusMaster, startRing, writeDescriptors } from './pci-fixture';

const PAGES = 40;

/** A ring of one-page descriptors into scattered frames, started; returns the machine and a count of queued events. */
function startTransfer(): { pci: Pci; queued: () => number } {
  const pci = bootPci({ seed: 9 });
  setBusMaster(pci, true);
  const ring = pci.frame();
  const frames = Array.from({ length: PAGES }, () => pci.frame());
  writeDescriptors(pci, ring, frames.map((address, i) => ({ address, length: PAGE_SIZE, flags: i === PAGES - 1 ? DescriptorFlag.Last : 0 })));
  let queued = 0;
  const schedule = pci.clock.scheduleReserved.bind(pci.clock);
  pci.clock.scheduleReserved = (reserved, label, run) => {
    queued++;
    return schedule(reserved, label, run);
  };
  startRing(pci, ring, PAGES, 0);
  return { pci, queued: () => queued };
}

const trace = (accesses: readonly DeviceRamAccess[]) => accesses.map((a) => `${a.atNs} ${a.write ? 'W' : 'R'} ${a.physicalAddress} ${a.length}`);

/** The same transfer run one event at a time: nothing can run in place. */
function eventByEvent(): { accesses: string[]; endNs: number; queued: number; afterEachEvent: { accesses: number; now: number }[] } {
  const { pci, queued } = startTransfer();
  const afterEachEvent: { accesses: number; now: number }[] = [];
  while (pci.dma.status === 'busy' && pci.clock.step()) afterEachEvent.push({ accesses: pci.observer.ramAccesses.length, now: pci.clock.now });
  return { accesses: trace(pci.observer.ramAccesses), endNs: pci.clock.now, queued: queued(), afterEachEvent };
}

test('a transfer run in place gives the same accesses at the same times as event by event, from a few queued events', () => {
  const reference = eventByEvent();
  const { pci, queued } = startTransfer();
  pci.clock.runUntil(() => pci.dma.status !== 'busy', 'the transfer');
  assert.equal(pci.dma.status, 'done');
  assert.deepEqual(trace(pci.observer.ramAccesses), reference.accesses);
  assert.equal(pci.clock.now, reference.endNs);
  assert.ok(reference.queued >= 2 * PAGES, `event by event queues a fetch and a burst per page (${reference.queued})`);
  assert.ok(queued() <= 2, `in place, the transfer queued ${queued()} event(s)`);
});

test('advance stops the device at its horizon, as event by event would', () => {
  const reference = eventByEvent();
  for (const fraction of [0.1, 0.5, 0.9]) {
    const { pci } = startTransfer();
    const start = pci.clock.now;
    const horizon = Math.floor((reference.endNs - start) * fraction);
    pci.clock.advance(horizon);
    const expected = reference.accesses.filter((line) => Number(line.split(' ')[0]) <= start + horizon);
    assert.deepEqual(trace(pci.observer.ramAccesses), expected, `advance over ${fraction * 100} % of the transfer`);
    assert.equal(pci.clock.now, start + horizon);
  }
});

test('runUntil stops the device right after the event where its condition first holds, as event by event would', () => {
  const reference = eventByEvent();
  for (const wanted of [1, 5, 37]) {
    const { pci } = startTransfer();
    pci.clock.runUntil(() => pci.observer.ramAccesses.length >= wanted, `${wanted} accesses`);
    const stop = reference.afterEachEvent.find((e) => e.accesses >= wanted)!;
    assert.equal(pci.observer.ramAccesses.length, stop.accesses, `stopped after ${wanted} accesses`);
    assert.equal(pci.clock.now, stop.now);
  }
});

test('another event due between two steps runs between them', () => {
  const reference = eventByEvent();
  const { pci, queued } = startTransfer();
  const middle = Number(reference.accesses[Math.floor(reference.accesses.length / 2)]!.split(' ')[0]) - 1;
  let seenAt = -1;
  pci.clock.schedule(middle - pci.clock.now, 'someone else', () => {
    seenAt = pci.observer.ramAccesses.length;
  });
  pci.clock.runUntil(() => pci.dma.status !== 'busy', 'the transfer');
  assert.deepEqual(trace(pci.observer.ramAccesses), reference.accesses);
  assert.equal(seenAt, reference.accesses.filter((line) => Number(line.split(' ')[0]) <= middle).length, 'it saw exactly the accesses before its time');
  assert.ok(queued() >= 2, 'the device queued an event to make way for it');
});
