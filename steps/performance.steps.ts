/**
 * Steps about the performance rules, measured in simulated time as the cost
 * table charges it: the four ways of moving data from a device (DEV-3),
 * programmed I/O through memory-mapped registers and I/O ports (DEV-4), and
 * the CPU time of locking per request against a long-lived locked buffer
 * (PAGE-6). Measurements are compared with each other, never with fixed
 * figures.
 */
import { DataTable, Then, When } from '@cucumber/cucumber';
import { expect } from 'chai';
import { Process } from '../src/kernel/io/process';
import { Machine } from '../src/machine/machine';
import { dmaObjects } from '../src/scenarios/dma-scenario-objects';
import { LockingStrategy, prepareRequests } from '../src/scenarios/lock-per-request-cost';
import { blockWriteIntoMemoryWindow, fifoReadMethodNamed, measureFifoRead } from '../src/scenarios/register-access-measurement';
import { TRANSFER_TYPES, measureEveryTransferType, measureTransferType, slowestToFastest, transferTypeNamed } from '../src/scenarios/transfer-type-ranking';
import { attempt, runningMachine } from './support/outcome';
import { objects } from './support/scenario-objects';
import { ConformanceWorld } from './support/world';

type World = ConformanceWorld;

function processNamed(world: World, machine: Machine, name: string): Process {
  const registry = objects(world);
  return registry.processes.has(name) ? registry.processes.get(name) : registry.processes.add(name, machine.kernel.createProcess(name));
}

function measured(world: World, name: string): number {
  const ns = dmaObjects(world).measurements.get(name);
  if (ns === undefined) throw new Error(`nothing called "${name}" has been measured in this scenario; measured: ${[...dmaObjects(world).measurements.keys()].map((k) => `"${k}"`).join(', ') || 'nothing'}`);
  return ns;
}

Then('{string} took less simulated time than {string}', function (this: World, faster: string, slower: string) {
  const a = measured(this, faster);
  const b = measured(this, slower);
  expect(a, `simulated ns of "${faster}" (${a}) against "${slower}" (${b})`).to.be.below(b);
});

// --- DEV-3: transfer types ------------------------------------------------------------------------

When('{string} moves {size} from the DMA test device into its memory by each transfer type', async function (this: World, processName: string, bytes: number) {
  await attempt(this, (machine) => {
    const results = measureEveryTransferType(machine, processNamed(this, machine, processName), bytes);
    const dma = dmaObjects(this);
    for (const r of results) {
      dma.transferTypeMeasurements.push(r);
      dma.measurements.set(r.type, r.elapsedNs);
    }
  });
});

When('{string} moves {size} from the DMA test device into its memory by {string}', async function (this: World, processName: string, bytes: number, typeName: string) {
  const type = transferTypeNamed(typeName);
  await attempt(this, (machine) => {
    const r = measureTransferType(machine, processNamed(this, machine, processName), type, bytes);
    expect(r.dataIntact, `"${type}" delivered the device's data intact`).to.equal(true);
    dmaObjects(this).transferTypeMeasurements.push(r);
    dmaObjects(this).measurements.set(r.type, r.elapsedNs);
  });
});

Then('every transfer type delivered the device\'s data intact', function (this: World) {
  const all = dmaObjects(this).transferTypeMeasurements;
  expect(all.map((m) => m.type), 'transfer types measured').to.have.members([...TRANSFER_TYPES]);
  expect(all.filter((m) => !m.dataIntact).map((m) => m.type), 'transfer types whose data did not arrive intact').to.be.empty;
});

Then('the transfer types rank from slowest to fastest as:', function (this: World, table: DataTable) {
  const expected = table.hashes().map((row) => transferTypeNamed(row['transfer type'] ?? ''));
  const all = dmaObjects(this).transferTypeMeasurements;
  const times = all.map((m) => `${m.type}: ${m.elapsedNs} ns`).join('; ');
  expect(slowestToFastest(all), `the transfer types by simulated time, slowest first (${times})`).to.deep.equal(expected);
});

// --- DEV-4: register access ---------------------------------------------------------------------

When('the driver reads {size} from the DMA test device\'s FIFO by {string}', async function (this: World, bytes: number, methodName: string) {
  const method = fifoReadMethodNamed(methodName);
  await attempt(this, (machine) => {
    const r = measureFifoRead(machine, method, bytes);
    dmaObjects(this).fifoReads.push(r);
    dmaObjects(this).measurements.set(method, r.elapsedNs);
    dmaObjects(this).lastBusAccesses = r.busAccesses;
  });
});

Then('every FIFO read delivered the device\'s stream intact', function (this: World) {
  const reads = dmaObjects(this).fifoReads;
  expect(reads.length, 'FIFO reads measured').to.be.above(0);
  expect(reads.filter((r) => !r.dataIntact).map((r) => r.method), 'FIFO reads whose bytes were not the device\'s stream').to.be.empty;
});

When('the driver writes {count} ULONGs into the DMA test device\'s memory window at offset {hex} in one block transfer', async function (this: World, count: number, offset: number) {
  await attempt(this, (machine) => {
    const r = blockWriteIntoMemoryWindow(machine, offset, count);
    dmaObjects(this).lastBlockWrite = r;
    dmaObjects(this).lastBusAccesses = r.busAccesses;
  });
});

Then('the bytes landed in place in the memory window', function (this: World) {
  const w = dmaObjects(this).lastBlockWrite;
  if (!w) throw new Error('no block write into the memory window has run yet in this scenario');
  expect(w.landedInPlace, 'the memory window holds the bytes written, where they were written').to.equal(true);
});

// --- PAGE-6: locking per request against a long-lived buffer ----------------------------------------

const STRATEGY_WORDS: Record<LockingStrategy, string> = {
  'lock per request': 'locking and unlocking it for each',
  'long-lived buffer': 'keeping it locked with its scatter/gather list built once',
};

function prepare(world: World, machine: Machine, driver: string, bufferName: string, adapterName: string, requests: number, strategy: LockingStrategy): void {
  const buffer = objects(world).buffers.get(bufferName);
  if (!buffer.process) throw new Error(`buffer "${bufferName}" is not an application's buffer`);
  const { adapter } = dmaObjects(world).adapters.get(adapterName);
  const cost = prepareRequests(machine, driver, adapter, { process: buffer.process, va: buffer.va, length: buffer.length }, requests, strategy);
  dmaObjects(world).lockingCosts.push({ ...cost, buffer: bufferName });
}

When('the driver {string} prepares {count} request(s) for DMA into buffer {string} on adapter {string}, locking and unlocking it for each', async function (this: World, driver: string, requests: number, bufferName: string, adapterName: string) {
  await attempt(this, (machine) => prepare(this, machine, driver, bufferName, adapterName, requests, 'lock per request'));
});

When('the driver {string} prepares {count} request(s) for DMA into buffer {string} on adapter {string}, keeping it locked with its scatter\\/gather list built once', async function (this: World, driver: string, requests: number, bufferName: string, adapterName: string) {
  await attempt(this, (machine) => prepare(this, machine, driver, bufferName, adapterName, requests, 'long-lived buffer'));
});

When('the driver {string} prepares requests for DMA into buffer {string} on adapter {string} both ways, for:', async function (this: World, driver: string, bufferName: string, adapterName: string, table: DataTable) {
  const counts = table.hashes().map((row) => {
    const n = Number(row.requests);
    if (!(Number.isSafeInteger(n) && n >= 1)) throw new Error(`"requests" must be whole numbers of at least 1, got "${row.requests}"`);
    return n;
  });
  if (counts.length < 2) throw new Error('give at least two numbers of requests to compare');
  await attempt(this, (machine) => {
    for (const n of counts) {
      prepare(this, machine, driver, bufferName, adapterName, n, 'lock per request');
      prepare(this, machine, driver, bufferName, adapterName, n, 'long-lived buffer');
    }
  });
});

function costsBy(world: World, strategy: LockingStrategy) {
  const costs = dmaObjects(world).lockingCosts.filter((c) => c.strategy === strategy).sort((a, b) => a.requests - b.requests);
  if (costs.length < 2) throw new Error(`measure "${STRATEGY_WORDS[strategy]}" for at least two numbers of requests first`);
  return costs;
}

Then('locking per request costs CPU time in proportion to the number of requests', function (this: World) {
  const costs = costsBy(this, 'lock per request');
  const perRequest = costs[0]!.cpuNs / costs[0]!.requests;
  for (const c of costs) {
    expect(c.cpuNs / c.requests, `CPU ns per request for ${c.requests} request(s), against ${perRequest} for ${costs[0]!.requests}`).to.be.closeTo(perRequest, perRequest * 0.01);
  }
});

Then('the long-lived buffer pays for locking once, whatever the number of requests', function (this: World) {
  const longLived = costsBy(this, 'long-lived buffer');
  const oneLock = costsBy(this, 'lock per request').find((c) => c.requests === 1) ?? null;
  for (const c of longLived) {
    expect(c.lockingNs, `CPU ns spent locking and unlocking for ${c.requests} request(s) on the long-lived buffer, against ${longLived[0]!.requests}`).to.equal(longLived[0]!.lockingNs);
    if (oneLock) expect(c.lockingNs, 'CPU ns spent locking and unlocking on the long-lived buffer, against one request locked per request').to.equal(oneLock.lockingNs);
  }
  expect(longLived[0]!.lockingNs, 'CPU ns spent locking and unlocking the long-lived buffer').to.be.above(0);
});

Then('the CPU time of locking per request over the long-lived buffer\'s grows with the number of requests', function (this: World) {
  const perRequest = costsBy(this, 'lock per request');
  const longLived = costsBy(this, 'long-lived buffer');
  const ratios = perRequest.map((c) => {
    const other = longLived.find((l) => l.requests === c.requests && l.buffer === c.buffer);
    if (!other) throw new Error(`no long-lived measurement for ${c.requests} request(s)`);
    return { requests: c.requests, ratio: c.cpuNs / other.cpuNs };
  });
  const shown = ratios.map((r) => `${r.requests}: ${r.ratio.toFixed(2)}`).join(', ');
  for (let i = 1; i < ratios.length; i++) expect(ratios[i]!.ratio, `ratio for ${ratios[i]!.requests} requests, against ${ratios[i - 1]!.requests} (${shown})`).to.be.above(ratios[i - 1]!.ratio);
  expect(ratios[ratios.length - 1]!.ratio, `the ratio for the most requests (${shown})`).to.be.above(1);
});

Then('the locking CPU time per request of buffer {string} over that of buffer {string} is the ratio of their page counts', function (this: World, larger: string, smaller: string) {
  const of = (name: string) => {
    const c = dmaObjects(this).lockingCosts.find((x) => x.buffer === name && x.strategy === 'lock per request');
    if (!c) throw new Error(`buffer "${name}" has not been measured locking per request`);
    return c;
  };
  const a = of(larger);
  const b = of(smaller);
  runningMachine(this);
  const ratio = (a.lockingNs / a.requests) / (b.lockingNs / b.requests);
  expect(ratio, `locking CPU time per request of buffer "${larger}" (${a.pages} pages) over buffer "${smaller}" (${b.pages} pages)`).to.be.closeTo(a.pages / b.pages, 1e-9);
  expect(a.pages, 'the buffers should differ in size for this to say anything').to.not.equal(b.pages);
});
