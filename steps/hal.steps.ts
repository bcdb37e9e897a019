/**
 * Steps about the HAL's DMA layer: the machine's DMA options, DMA adapters
 * and their map registers, the adapter channel and MapTransfer, scatter/gather
 * lists (get, build, calculate, put), common buffers, contiguous memory and
 * pool, mappings into processes, and the user DMA library. Action steps in the
 * present tense record their outcome for the Then steps (support/outcome.ts);
 * steps in the present perfect set the scene and must succeed.
 */
import { Given, Then, When } from '@cucumber/cucumber';
import { expect } from 'chai';
import { PreallocationConfigError } from '../src/kernel/hal/boot-preallocation';
import { Process } from '../src/kernel/io/process';
import type { DmaAdapter } from '../src/kernel/hal/dma-adapter';
import type { SCATTER_GATHER_LIST } from '../src/kernel/hal/scatter-gather-list';
import { MDL } from '../src/kernel/mm/mdl';
import { FrameFlag } from '../src/kernel/mm/physical-memory';
import { BootConfig, FOUR_GIB, defaultBootConfig } from '../src/machine/boot-config';
import { APC_LEVEL, DISPATCH_LEVEL, Irql, PASSIVE_LEVEL, irqlName } from '../src/machine/irql';
import { Machine } from '../src/machine/machine';
import { STATUS, statusName } from '../src/machine/ntstatus';
import { parseSize } from '../src/machine/size-expression';
import { PAGE_SIZE, formatBytes } from '../src/contracts/units';
import { ALLOCATION_ACTIONS, freeAdapterChannel, freeMapRegisters, requestAdapterChannel } from '../src/scenarios/adapter-channel-requests';
import { reserveAllAddressSpace } from '../src/scenarios/address-space-exhaustion';
import { cpuReadNs } from '../src/scenarios/cpu-access-time';
import { DEFAULT_MAXIMUM_LENGTH, getAdapterForTestDevice } from '../src/scenarios/dma-adapter-request';
import { NamedAdapter, NamedCommonBuffer, dmaObjects } from '../src/scenarios/dma-scenario-objects';
import { flushMapping, mapWithMapTransfer } from '../src/scenarios/map-transfer-mapping';
import { contiguityBreak, freeRamBytes, takePoolPageByPage } from '../src/scenarios/physical-contiguity';
import { ListCallResult, ListRequest, buildScatterGatherList, calculateScatterGatherList, getScatterGatherList, putScatterGatherList, wholeChain } from '../src/scenarios/scatter-gather-calls';
import { coverageMismatch, elementAbove4GiB, physicalRuns, transferPieces, unmergedNeighbours } from '../src/scenarios/scatter-gather-list-shape';
import { LockCall, lockContiguous, lockForScatterGather, openTestDevice, parseDmaOptions, unlockDmaBuffer, userDmaStatusName, userDmaStatusNamed } from '../src/scenarios/user-dma-application';
import { mapIntoProcess } from '../src/scenarios/user-mapping';
import { attachScatterGatherPicture } from './support/attach';
import { ReturnedNull, attempt, runningMachine } from './support/outcome';
import { ScenarioBuffer, objects, patternBytes, patternMismatch } from './support/scenario-objects';
import { ConformanceWorld } from './support/world';

type World = ConformanceWorld;

const IRQLS: Record<string, Irql> = { PASSIVE_LEVEL, APC_LEVEL, DISPATCH_LEVEL };
const DIRECTIONS = ['to-device', 'from-device'] as const;
const TEST_DEVICE = 'dma0';

function irqlNamed(name: string): Irql {
  const irql = IRQLS[name];
  if (irql === undefined) throw new Error(`unknown IRQL "${name}": say ${Object.keys(IRQLS).join(', ')}`);
  return irql;
}

function directionNamed(word: string): (typeof DIRECTIONS)[number] {
  const d = DIRECTIONS.find((x) => x === word);
  if (!d) throw new Error(`unknown direction "${word}": say ${DIRECTIONS.join(' or ')}`);
  return d;
}

/** "to" (the device reads memory) or "from" (the device writes memory), as a step says it. */
function writesToDevice(toOrFrom: string): boolean {
  if (toOrFrom !== 'to' && toOrFrom !== 'from') throw new Error(`say "to the device" or "from the device", not "${toOrFrom} the device"`);
  return toOrFrom === 'to';
}

function adapterNamed(world: World, name: string): NamedAdapter {
  return dmaObjects(world).adapters.get(name);
}

function processNamed(world: World, machine: Machine, name: string): Process {
  const registry = objects(world);
  return registry.processes.has(name) ? registry.processes.get(name) : registry.processes.add(name, machine.kernel.createProcess(name));
}

function systemBuffer(world: World, name: string): ScenarioBuffer {
  const buffer = objects(world).buffers.get(name);
  if (buffer.process) throw new Error(`buffer "${name}" is in the address space of "${buffer.process.name}"; this step needs a buffer in system space, such as non-paged pool`);
  return buffer;
}

/** The current boot option, or the default a machine would boot with. */
function bootOption<K extends keyof BootConfig>(world: World, key: K): BootConfig[K] {
  return (world.bootOptions[key] ?? defaultBootConfig(world.bootConfigOverrides())[key]) as BootConfig[K];
}

// --- machine ----------------------------------------------------------------------------

Given('a machine whose DMA test device has {count}-bit addressing', function (this: World, bits: number) {
  if (bits !== 32 && bits !== 64) throw new RangeError(`the DMA test device addresses 32 or 64 bits, not ${bits}`);
  this.bootOptions.dmaDevice = { ...bootOption(this, 'dmaDevice'), addressBits: bits };
});

Given('a machine whose DMA test device moves at most {size} per transfer', function (this: World, bytes: number) {
  this.bootOptions.dmaDevice = { ...bootOption(this, 'dmaDevice'), maxTransferLength: bytes };
});

Given('a machine with an IOMMU', function (this: World) {
  this.bootOptions.iommu = true;
});

Given('a machine whose frames are handed out in physical order', function (this: World) {
  this.bootOptions.scatterFrames = false;
});

Given('a machine whose paged pool is {size}', function (this: World, bytes: number) {
  this.bootOptions.pagedPoolBytes = bytes;
});

Given('the DMA test device\'s install configuration preallocates {count} {word} buffer(s) of {size} with options {string}', function (this: World, count: number, directionWord: string, bytes: number, options: string) {
  const direction = directionNamed(directionWord);
  const flags = parseDmaOptions(options);
  const all = { ...bootOption(this, 'dmaPreallocation') };
  const mine = { ...(all[TEST_DEVICE] ?? {}) };
  if (direction === 'to-device') Object.assign(mine, { DmaToDeviceCount: count, DmaToDeviceBytes: bytes, DmaToDeviceOptions: flags });
  else Object.assign(mine, { DmaFromDeviceCount: count, DmaFromDeviceBytes: bytes, DmaFromDeviceOptions: flags });
  this.bootOptions.dmaPreallocation = { ...all, [TEST_DEVICE]: mine };
});

Then('the install configuration is refused because {string}', function (this: World, reason: string) {
  let refusal: unknown = null;
  try {
    void this.machine;
  } catch (e) {
    refusal = e;
  }
  expect(refusal, 'booting with the install configuration should fail').to.be.instanceOf(PreallocationConfigError);
  expect((refusal as Error).message).to.include(reason);
});

Then('{count} {word} buffer(s) were preallocated at boot', function (this: World, count: number, directionWord: string) {
  const direction = directionNamed(directionWord);
  const p = runningMachine(this).hal.preallocationFor(TEST_DEVICE);
  expect(p, 'the DMA test device has no boot-time preallocation').to.not.equal(null);
  expect(p!.failures, 'buffers the boot could not preallocate').to.be.empty;
  expect(p!.buffers.filter((b) => b.direction === direction).length, `${direction} buffers preallocated at boot`).to.equal(count);
});

Then('{count} {word} buffer(s) preallocated at boot is/are still free', function (this: World, count: number, directionWord: string) {
  const p = runningMachine(this).hal.preallocationFor(TEST_DEVICE);
  expect(p, 'the DMA test device has no boot-time preallocation').to.not.equal(null);
  expect(p!.available(directionNamed(directionWord)), `${directionWord} buffers preallocated at boot and not in use`).to.equal(count);
});

// --- adapters -------------------------------------------------------------------------

Given('the driver {string} has DMA adapter {string} for the DMA test device', function (this: World, driver: string, name: string) {
  const machine = runningMachine(this);
  const got = getAdapterForTestDevice(machine, driver, { addressBits: machine.dmaDevice.addressBits, maximumLength: DEFAULT_MAXIMUM_LENGTH });
  if (!got.adapter) throw new Error(`IoGetDmaAdapter returned NULL for the DMA test device: ${got.failure}`);
  dmaObjects(this).adapters.add(name, { name, adapter: got.adapter, driver });
});

When('the driver {string} gets DMA adapter {string} for a {count}-bit scatter\\/gather device with transfers of up to {size}', async function (this: World, driver: string, name: string, bits: number, maximumLength: number) {
  if (bits !== 32 && bits !== 64) throw new RangeError(`a device addresses 32 or 64 bits, not ${bits}`);
  await attempt(this, (machine) => {
    const got = getAdapterForTestDevice(machine, driver, { addressBits: bits, maximumLength });
    if (!got.adapter) throw new ReturnedNull('IoGetDmaAdapter', `IoGetDmaAdapter returned NULL for adapter "${name}": ${got.failure}`);
    dmaObjects(this).adapters.add(name, { name, adapter: got.adapter, driver });
  });
});

Then('adapter {string} has {count} map registers', function (this: World, name: string, count: number) {
  expect(adapterNamed(this, name).adapter.numberOfMapRegisters, `map registers granted to adapter "${name}"`).to.equal(count);
});

Then('adapter {string} bounces pages above 4 GiB through map registers', function (this: World, name: string) {
  expect(adapterNamed(this, name).adapter.mapRegisters.bouncing, `adapter "${name}" has bounce pages`).to.equal(true);
});

Then('adapter {string} needs no bounce buffers', function (this: World, name: string) {
  expect(adapterNamed(this, name).adapter.mapRegisters.bouncing, `adapter "${name}" has bounce pages`).to.equal(false);
});

async function releaseAdapter(world: World, driver: string, name: string, irql: Irql): Promise<void> {
  const { adapter } = adapterNamed(world, name);
  await attempt(world, (machine) => machine.cpu.inDriver(driver, () => machine.cpu.atIrql(irql, () => adapter.DmaOperations.PutDmaAdapter(adapter))));
}

When('the driver {string} releases adapter {string}', async function (this: World, driver: string, name: string) {
  await releaseAdapter(this, driver, name, PASSIVE_LEVEL);
});

When('the driver {string} releases adapter {string} at {word}', async function (this: World, driver: string, name: string, irql: string) {
  await releaseAdapter(this, driver, name, irqlNamed(irql));
});

// --- the adapter channel and MapTransfer ------------------------------------------------------

When('the driver {string} requests the channel of adapter {string} for device {string} with {count} map register(s), returning {word}', async function (this: World, driver: string, adapterName: string, device: string, registers: number, action: string) {
  const chosen = ALLOCATION_ACTIONS.find((a) => a === action);
  if (!chosen) throw new Error(`an execution routine returns ${ALLOCATION_ACTIONS.join(', ')}; not "${action}"`);
  const dma = dmaObjects(this);
  const { adapter } = adapterNamed(this, adapterName);
  await attempt(this, (machine) => {
    const before = machine.mm.nonPagedPool.usedPages;
    const request = requestAdapterChannel(machine, driver, adapter, dma.deviceObject(device), registers, chosen);
    dma.channelRequests.put(device, request);
    dma.lastCall = { routine: 'AllocateAdapterChannel', status: request.status, poolPagesBefore: before, poolPagesAfter: machine.mm.nonPagedPool.usedPages };
  });
});

Then('the execution routine for device {string} has run at {word}', function (this: World, device: string, irql: string) {
  const request = dmaObjects(this).channelRequests.get(device);
  expect(request.ran, `the execution routine for device "${device}" has run`).to.equal(true);
  expect(irqlName(request.irql), `the IRQL the execution routine for device "${device}" ran at`).to.equal(irqlName(irqlNamed(irql)));
});

Then('the execution routine for device {string} has not run', function (this: World, device: string) {
  expect(dmaObjects(this).channelRequests.get(device).ran, `the execution routine for device "${device}" has run`).to.equal(false);
});

Then('{count} request(s) wait(s) for the channel of adapter {string}', function (this: World, count: number, name: string) {
  expect(adapterNamed(this, name).adapter.channel.queuedRequests, `requests waiting for the channel of adapter "${name}"`).to.equal(count);
});

When('the driver {string} frees the channel of adapter {string}', async function (this: World, driver: string, name: string) {
  const { adapter } = adapterNamed(this, name);
  await attempt(this, (machine) => freeAdapterChannel(machine, driver, adapter));
});

When('the driver {string} frees the map registers kept for device {string}', async function (this: World, driver: string, device: string) {
  const request = dmaObjects(this).channelRequests.get(device);
  await attempt(this, (machine) => freeMapRegisters(machine, driver, request));
});

When('the machine runs until nothing is left to do', async function (this: World) {
  await attempt(this, (machine) => machine.clock.runUntilIdle());
});

When(/^the driver "([^"]*)" maps MDL "([^"]*)" with MapTransfer on adapter "([^"]*)" (to|from) the device$/, async function (this: World, driver: string, mdlName: string, adapterName: string, toOrFrom: string) {
  const mdl = objects(this).mdls.get(mdlName).mdl;
  const { adapter } = adapterNamed(this, adapterName);
  const writeToDevice = writesToDevice(toOrFrom);
  await attempt(this, (machine) => {
    dmaObjects(this).mapTransfers.put(mdlName, mapWithMapTransfer(machine, driver, adapter, mdl, writeToDevice));
  });
});

Then('each MapTransfer call for MDL {string} mapped one physically contiguous run, in transfer order', function (this: World, mdlName: string) {
  const mapping = dmaObjects(this).mapTransfers.get(mdlName);
  const mdl = mapping.mdl;
  const runs = physicalRuns(transferPieces(mdl, mdl.StartVa + mdl.ByteOffset, mdl.ByteCount)).map((r) => ({ address: r.physicalAddress, length: r.length }));
  expect(runs.length, `MDL "${mdlName}" should have several physical runs for this to say anything`).to.be.above(1);
  expect(mapping.elements, `the elements MapTransfer returned, one per call, against the physical runs of MDL "${mdlName}"`).to.deep.equal(runs);
});

When('the driver {string} flushes the adapter buffers of MDL {string}', async function (this: World, driver: string, mdlName: string) {
  const mapping = dmaObjects(this).mapTransfers.get(mdlName);
  await attempt(this, (machine) => flushMapping(machine, driver, mapping));
});

When('the driver {string} flushes the I\\/O buffers of MDL {string}', async function (this: World, driver: string, mdlName: string) {
  const mdl = objects(this).mdls.get(mdlName).mdl;
  await attempt(this, (machine) => machine.cpu.inDriver(driver, () => machine.hal.KeFlushIoBuffers(mdl, true, true)));
});

// --- scatter/gather lists ---------------------------------------------------------------------

async function getList(world: World, driver: string, listName: string, adapterName: string, request: ListRequest, mdl: MDL): Promise<void> {
  const dma = dmaObjects(world);
  const { adapter } = adapterNamed(world, adapterName);
  let received: SCATTER_GATHER_LIST | null = null;
  await attempt(world, (machine) => {
    received = keepList(dma, listName, adapter, getScatterGatherList(machine, driver, adapter, request), request);
  });
  await showList(world, received, mdl);
}

/** The list a call handed out, kept under its name (null: none), and the call as the last one made. */
function keepList(dma: ReturnType<typeof dmaObjects>, listName: string, adapter: DmaAdapter, r: ListCallResult, request: ListRequest): SCATTER_GATHER_LIST | null {
  dma.lastCall = r;
  dma.lastListReceived = r.list !== null;
  if (r.list) dma.lists.add(listName, { name: listName, adapter, list: r.list, mdl: request.mdl, va: request.va, length: request.length, writeToDevice: request.writeToDevice });
  return r.list;
}

/** The report shows every list a step built, drawn over the scenario buffer its MDL describes. */
async function showList(world: World, list: SCATTER_GATHER_LIST | null, mdl: MDL): Promise<void> {
  const named = list ? objects(world).mdls.values().find((m) => m.mdl === mdl) : undefined;
  if (list && named) await attachScatterGatherPicture(world, list, named.buffer);
}

When(/^the driver "([^"]*)" gets scatter\/gather list "([^"]*)" on adapter "([^"]*)" for MDL "([^"]*)" (to|from) the device$/, async function (this: World, driver: string, listName: string, adapterName: string, mdlName: string, toOrFrom: string) {
  const mdl = objects(this).mdls.get(mdlName).mdl;
  await getList(this, driver, listName, adapterName, { mdl, va: mdl.StartVa + mdl.ByteOffset, length: mdl.ByteCount, writeToDevice: writesToDevice(toOrFrom) }, mdl);
});

When(/^the driver "([^"]*)" gets scatter\/gather list "([^"]*)" on adapter "([^"]*)" for (.+) of MDL "([^"]*)" (to|from) the device$/, async function (this: World, driver: string, listName: string, adapterName: string, sizeText: string, mdlName: string, toOrFrom: string) {
  const mdl = objects(this).mdls.get(mdlName).mdl;
  await getList(this, driver, listName, adapterName, { mdl, va: mdl.StartVa + mdl.ByteOffset, length: parseSize(sizeText), writeToDevice: writesToDevice(toOrFrom) }, mdl);
});

When(/^the driver "([^"]*)" gets scatter\/gather list "([^"]*)" on adapter "([^"]*)" for the MDL chain of request "([^"]*)" (to|from) the device$/, async function (this: World, driver: string, listName: string, adapterName: string, requestName: string, toOrFrom: string) {
  const first = chainHead(this, requestName);
  await getList(this, driver, listName, adapterName, wholeChain(first, writesToDevice(toOrFrom)), first);
});

function chainHead(world: World, requestName: string): MDL {
  const first = objects(world).requests.get(requestName).MdlAddress;
  if (!first) throw new Error(`request "${requestName}" has no MDL chain`);
  return first;
}

Then('the status returned is {word}', function (this: World, name: string) {
  const known = Object.keys(STATUS).map((k) => `STATUS_${k}`);
  if (!known.includes(name)) throw new Error(`unknown status "${name}": the simulated kernel knows ${known.join(', ')}`);
  const call = dmaObjects(this).latestCall();
  expect(statusName(call.status), `the status ${call.routine} returned`).to.equal(name);
});

Then('the call took {count} page(s) of non-paged pool', function (this: World, pages: number) {
  const call = dmaObjects(this).latestCall();
  expect(call.poolPagesAfter - call.poolPagesBefore, `non-paged pool pages ${call.routine} took`).to.equal(pages);
});

Then('the call gave back {count} page(s) of non-paged pool', function (this: World, pages: number) {
  const call = dmaObjects(this).latestCall();
  expect(call.poolPagesBefore - call.poolPagesAfter, `non-paged pool pages ${call.routine} gave back`).to.equal(pages);
});

Then('the call allocated no non-paged pool', function (this: World) {
  const call = dmaObjects(this).latestCall();
  expect(call.poolPagesAfter, `non-paged pool pages in use after ${call.routine} (before: ${call.poolPagesBefore})`).to.equal(call.poolPagesBefore);
});

Then('no execution routine received a scatter\\/gather list', function (this: World) {
  const received = dmaObjects(this).lastListReceived;
  if (received === null) throw new Error('no scatter/gather routine has been called yet in this scenario');
  expect(received, 'an execution routine received a scatter/gather list').to.equal(false);
});

Then('adapter {string} has {count} scatter\\/gather list(s) outstanding', function (this: World, name: string, count: number) {
  expect(adapterNamed(this, name).adapter.lists.outstandingCount, `scatter/gather lists of adapter "${name}" not put back`).to.equal(count);
});

/** Device address to physical address: the IOMMU's mapping when the machine has one. */
function translator(machine: Machine, requesterId: number | null): (address: number) => number {
  const iommu = machine.iommu;
  if (!iommu || requesterId === null) return (a) => a;
  return (a) => iommu.lookup(requesterId, a)?.physicalAddress ?? Number.NaN;
}

function coverage(world: World, listName: string, first: MDL): string | null {
  const named = dmaObjects(world).lists.get(listName);
  if (named.mdl !== first) throw new Error(`scatter/gather list "${listName}" was built for MDL #${named.mdl.id}, not for MDL #${first.id}`);
  return coverageMismatch(named.list.Elements, transferPieces(first, named.va, named.length), translator(runningMachine(world), named.adapter.requesterId));
}

Then('scatter\\/gather list {string} covers MDL {string} in transfer order', function (this: World, listName: string, mdlName: string) {
  const mismatch = coverage(this, listName, objects(this).mdls.get(mdlName).mdl);
  expect(mismatch, `scatter/gather list "${listName}" against MDL "${mdlName}": ${mismatch}`).to.equal(null);
});

Then('scatter\\/gather list {string} covers the MDL chain of request {string} in transfer order', function (this: World, listName: string, requestName: string) {
  const mismatch = coverage(this, listName, chainHead(this, requestName));
  expect(mismatch, `scatter/gather list "${listName}" against the MDL chain of request "${requestName}": ${mismatch}`).to.equal(null);
});

Then('scatter\\/gather list {string} has one element per physically contiguous run of MDL {string}', function (this: World, listName: string, mdlName: string) {
  const named = dmaObjects(this).lists.get(listName);
  const runs = physicalRuns(transferPieces(objects(this).mdls.get(mdlName).mdl, named.va, named.length));
  expect(named.list.NumberOfElements, `elements of scatter/gather list "${listName}" against the ${runs.length} physical run(s) of MDL "${mdlName}"`).to.equal(runs.length);
  expect(named.list.Elements.length, 'NumberOfElements against the elements the list holds').to.equal(named.list.NumberOfElements);
});

Then('no two neighbouring elements of scatter\\/gather list {string} could be merged', function (this: World, listName: string) {
  const unmerged = unmergedNeighbours(dmaObjects(this).lists.get(listName).list.Elements);
  expect(unmerged, `scatter/gather list "${listName}": ${unmerged}`).to.equal(null);
});

Then('scatter\\/gather list {string} has {count} element(s)', function (this: World, listName: string, count: number) {
  expect(dmaObjects(this).lists.get(listName).list.NumberOfElements, `elements of scatter/gather list "${listName}"`).to.equal(count);
});

Then('scatter\\/gather list {string} has fewer elements than MDL {string} has pages', function (this: World, listName: string, mdlName: string) {
  const pages = objects(this).mdls.get(mdlName).mdl.pageCount;
  expect(dmaObjects(this).lists.get(listName).list.NumberOfElements, `elements of scatter/gather list "${listName}" against the ${pages} pages of MDL "${mdlName}"`).to.be.below(pages);
});

Then('every element of scatter\\/gather list {string} lies below 4 GiB', function (this: World, listName: string) {
  const above = elementAbove4GiB(dmaObjects(this).lists.get(listName).list.Elements);
  expect(above, `scatter/gather list "${listName}": ${above}`).to.equal(null);
});

async function putList(world: World, driver: string, listName: string, writeToDevice: boolean | null): Promise<void> {
  const dma = dmaObjects(world);
  const named = dma.lists.get(listName);
  await attempt(world, (machine) => {
    dma.lastCall = putScatterGatherList(machine, driver, named.adapter, named.list, writeToDevice ?? named.writeToDevice);
  });
}

When('the driver {string} puts scatter\\/gather list {string} back', async function (this: World, driver: string, listName: string) {
  await putList(this, driver, listName, null);
});

When(/^the driver "([^"]*)" puts scatter\/gather list "([^"]*)" back as a transfer (to|from) the device$/, async function (this: World, driver: string, listName: string, toOrFrom: string) {
  await putList(this, driver, listName, writesToDevice(toOrFrom));
});

// --- calculate and build ----------------------------------------------------------------------

async function calculate(world: World, driver: string, key: string, adapterName: string, mdl: MDL | null, va: number, length: number): Promise<void> {
  const dma = dmaObjects(world);
  const { adapter } = adapterNamed(world, adapterName);
  await attempt(world, (machine) => {
    const before = machine.mm.nonPagedPool.usedPages;
    const r = calculateScatterGatherList(machine, driver, adapter, mdl, va, length);
    dma.calculations.put(key, r);
    dma.lastCall = { routine: 'CalculateScatterGatherList', status: r.status, poolPagesBefore: before, poolPagesAfter: machine.mm.nonPagedPool.usedPages };
  });
}

When('the driver {string} calculates the scatter\\/gather list size for MDL {string} on adapter {string}', async function (this: World, driver: string, mdlName: string, adapterName: string) {
  const mdl = objects(this).mdls.get(mdlName).mdl;
  await calculate(this, driver, mdlName, adapterName, mdl, mdl.StartVa + mdl.ByteOffset, mdl.ByteCount);
});

When('the driver {string} calculates the scatter\\/gather list size for the start address and length of MDL {string} on adapter {string}', async function (this: World, driver: string, mdlName: string, adapterName: string) {
  const mdl = objects(this).mdls.get(mdlName).mdl;
  await calculate(this, driver, `the start address and length of MDL "${mdlName}"`, adapterName, null, mdl.StartVa + mdl.ByteOffset, mdl.ByteCount);
});

When('the driver {string} calculates the scatter\\/gather list size for the MDL chain of request {string} on adapter {string}', async function (this: World, driver: string, requestName: string, adapterName: string) {
  const chain = wholeChain(chainHead(this, requestName), true);
  await calculate(this, driver, `the MDL chain of request "${requestName}"`, adapterName, chain.mdl, chain.va, chain.length);
});

Then('the calculation for MDL {string} counts {count} map register(s)', function (this: World, mdlName: string, registers: number) {
  const r = dmaObjects(this).calculations.get(mdlName);
  expect(statusName(r.status), `status of the calculation for MDL "${mdlName}"`).to.equal('STATUS_SUCCESS');
  expect(r.numberOfMapRegisters, `map registers the calculation for MDL "${mdlName}" counts`).to.equal(registers);
});

Then('the calculation for the MDL chain of request {string} counts {count} map register(s)', function (this: World, requestName: string, registers: number) {
  const r = dmaObjects(this).calculations.get(`the MDL chain of request "${requestName}"`);
  expect(statusName(r.status), `status of the calculation for the MDL chain of request "${requestName}"`).to.equal('STATUS_SUCCESS');
  expect(r.numberOfMapRegisters, `map registers the calculation for the chain of request "${requestName}" counts`).to.equal(registers);
});

Then('the scatter\\/gather list of MDL {string} needs more room than that of MDL {string}', function (this: World, larger: string, smaller: string) {
  const calculations = dmaObjects(this).calculations;
  expect(calculations.get(larger).scatterGatherListSize, `bytes the list of MDL "${larger}" needs, against MDL "${smaller}"`).to.be.above(calculations.get(smaller).scatterGatherListSize);
});

Then('calculating from the start address and length of MDL {string} gives the same size as from the MDL', function (this: World, mdlName: string) {
  const calculations = dmaObjects(this).calculations;
  const fromMdl = calculations.get(mdlName);
  const fromAddress = calculations.get(`the start address and length of MDL "${mdlName}"`);
  expect(fromMdl.status, 'status of the calculation from the MDL').to.equal(STATUS.SUCCESS);
  expect(fromAddress, `the calculation from the start address and length of MDL "${mdlName}"`).to.deep.equal(fromMdl);
});

async function buildList(world: World, driver: string, listName: string, adapterName: string, mdlName: string, toOrFrom: string, bufferName: string, shortBy: number): Promise<void> {
  const dma = dmaObjects(world);
  const { adapter } = adapterNamed(world, adapterName);
  const mdl = objects(world).mdls.get(mdlName).mdl;
  const needed = dma.calculations.get(mdlName).scatterGatherListSize;
  const buffer = systemBuffer(world, bufferName);
  const length = needed - shortBy;
  if (length > buffer.length) throw new Error(`buffer "${bufferName}" holds ${formatBytes(buffer.length)}, less than the ${length} bytes the step says it holds`);
  const request: ListRequest = { mdl, va: mdl.StartVa + mdl.ByteOffset, length: mdl.ByteCount, writeToDevice: writesToDevice(toOrFrom) };
  let received: SCATTER_GATHER_LIST | null = null;
  await attempt(world, (machine) => {
    received = keepList(dma, listName, adapter, buildScatterGatherList(machine, driver, adapter, request, buffer.va, length), request);
  });
  await showList(world, received, mdl);
}

When(/^the driver "([^"]*)" builds scatter\/gather list "([^"]*)" on adapter "([^"]*)" for MDL "([^"]*)" (to|from) the device into buffer "([^"]*)" of the calculated size$/, async function (this: World, driver: string, listName: string, adapterName: string, mdlName: string, toOrFrom: string, bufferName: string) {
  await buildList(this, driver, listName, adapterName, mdlName, toOrFrom, bufferName, 0);
});

When(/^the driver "([^"]*)" builds scatter\/gather list "([^"]*)" on adapter "([^"]*)" for MDL "([^"]*)" (to|from) the device into buffer "([^"]*)" of (\d+) bytes? less than the calculated size$/, async function (this: World, driver: string, listName: string, adapterName: string, mdlName: string, toOrFrom: string, bufferName: string, shortBy: string) {
  await buildList(this, driver, listName, adapterName, mdlName, toOrFrom, bufferName, Number(shortBy));
});

// --- common buffers ---------------------------------------------------------------------------

function allocateCommonBuffer(world: World, machine: Machine, driver: string, name: string, bytes: number, adapterName: string, cacheEnabled: boolean): NamedCommonBuffer {
  const { adapter } = adapterNamed(world, adapterName);
  const logical = { QuadPart: 0 };
  const va = machine.cpu.inDriver(driver, () => adapter.DmaOperations.AllocateCommonBuffer(adapter, bytes, logical, cacheEnabled));
  if (va === null) throw new ReturnedNull('AllocateCommonBuffer', `AllocateCommonBuffer returned NULL for common buffer "${name}" (${formatBytes(bytes)})`);
  return dmaObjects(world).commonBuffers.add(name, { name, adapter, va, length: bytes, logicalAddress: logical.QuadPart, cacheEnabled });
}

When('the driver {string} allocates common buffer {string} of {size} on adapter {string}', async function (this: World, driver: string, name: string, bytes: number, adapterName: string) {
  await attempt(this, (machine) => allocateCommonBuffer(this, machine, driver, name, bytes, adapterName, false));
});

When('the driver {string} allocates cached common buffer {string} of {size} on adapter {string}', async function (this: World, driver: string, name: string, bytes: number, adapterName: string) {
  await attempt(this, (machine) => allocateCommonBuffer(this, machine, driver, name, bytes, adapterName, true));
});

Given('the driver {string} has allocated common buffer {string} of {size} on adapter {string}', function (this: World, driver: string, name: string, bytes: number, adapterName: string) {
  allocateCommonBuffer(this, runningMachine(this), driver, name, bytes, adapterName, false);
});

async function freeCommonBuffer(world: World, driver: string, name: string, length: number | null): Promise<void> {
  const c = dmaObjects(world).commonBuffers.get(name);
  await attempt(world, (machine) => machine.cpu.inDriver(driver, () => c.adapter.DmaOperations.FreeCommonBuffer(c.adapter, length ?? c.length, { QuadPart: c.logicalAddress }, c.va, c.cacheEnabled)));
}

When('the driver {string} frees common buffer {string}', async function (this: World, driver: string, name: string) {
  await freeCommonBuffer(this, driver, name, null);
});

When('the driver {string} frees common buffer {string} giving its length as {size}', async function (this: World, driver: string, name: string, length: number) {
  await freeCommonBuffer(this, driver, name, length);
});

Then('common buffer {string} is physically contiguous', function (this: World, name: string) {
  const c = dmaObjects(this).commonBuffers.get(name);
  const gap = contiguityBreak(runningMachine(this), c.va, c.length);
  expect(gap, `common buffer "${name}": ${gap}`).to.equal(null);
});

Then('the logical address of common buffer {string} is its physical address', function (this: World, name: string) {
  const c = dmaObjects(this).commonBuffers.get(name);
  expect(c.logicalAddress, `logical address of common buffer "${name}"`).to.equal(runningMachine(this).mm.physicalAddressOf(c.va));
});

Then('the logical address of common buffer {string} is not its physical address', function (this: World, name: string) {
  const c = dmaObjects(this).commonBuffers.get(name);
  expect(c.logicalAddress, `logical address of common buffer "${name}"`).to.not.equal(runningMachine(this).mm.physicalAddressOf(c.va));
});

Then('common buffer {string} lies below 4 GiB', function (this: World, name: string) {
  const c = dmaObjects(this).commonBuffers.get(name);
  const physical = runningMachine(this).mm.physicalAddressOf(c.va);
  expect(c.logicalAddress + c.length, `end of common buffer "${name}" as the device sees it`).to.be.at.most(FOUR_GIB);
  expect(physical + c.length, `end of common buffer "${name}" in physical memory`).to.be.at.most(FOUR_GIB);
});

function frameIsNonCached(machine: Machine, systemVa: number): boolean {
  return (machine.physical.flags[machine.mm.translate(systemVa)]! & FrameFlag.NonCached) !== 0;
}

Then('common buffer {string} is non-cached', function (this: World, name: string) {
  expect(frameIsNonCached(runningMachine(this), dmaObjects(this).commonBuffers.get(name).va), `common buffer "${name}" is non-cached`).to.equal(true);
});

Then('common buffer {string} is cached', function (this: World, name: string) {
  expect(frameIsNonCached(runningMachine(this), dmaObjects(this).commonBuffers.get(name).va), `common buffer "${name}" is non-cached`).to.equal(false);
});

Then('reading common buffer {string} costs the CPU more simulated time than reading common buffer {string}', function (this: World, slowName: string, fastName: string) {
  const machine = runningMachine(this);
  const slow = dmaObjects(this).commonBuffers.get(slowName);
  const fast = dmaObjects(this).commonBuffers.get(fastName);
  const length = Math.min(slow.length, fast.length);
  expect(cpuReadNs(machine, null, slow.va, length), `simulated ns to read ${length} bytes of common buffer "${slowName}", against "${fastName}"`).to.be.above(cpuReadNs(machine, null, fast.va, length));
});

Given('the driver {string} writes the pattern {string} into common buffer {string}', function (this: World, driver: string, pattern: string, name: string) {
  const machine = runningMachine(this);
  const c = dmaObjects(this).commonBuffers.get(name);
  machine.cpu.inDriver(driver, () => machine.mm.writeVirtual(c.va, patternBytes(pattern, 0, c.length)));
});

When('the driver {string} maps common buffer {string} into {string}', async function (this: World, driver: string, name: string, processName: string) {
  const c = dmaObjects(this).commonBuffers.get(name);
  const process = objects(this).processes.get(processName);
  await attempt(this, (machine) => {
    dmaObjects(this).userMappings.put(`${name} in ${processName}`, mapIntoProcess(machine, driver, process, c.va, c.length));
  });
});

Then('{string} reads the pattern {string} through its mapping of common buffer {string}', function (this: World, processName: string, pattern: string, name: string) {
  const machine = runningMachine(this);
  const mapping = dmaObjects(this).userMappings.get(`${name} in ${processName}`);
  const c = dmaObjects(this).commonBuffers.get(name);
  const bytes = machine.cpu.inProcess(mapping.process, () => machine.mm.readVirtual(mapping.userAddress, c.length));
  const mismatch = patternMismatch(bytes, pattern);
  expect(mismatch, `"${processName}" reading its mapping of common buffer "${name}": ${mismatch}`).to.equal(null);
});

Given('{string} has used up its address space', function (this: World, processName: string) {
  reserveAllAddressSpace(runningMachine(this), objects(this).processes.get(processName));
});

// --- contiguous memory and pool ----------------------------------------------------------------

When('the driver {string} allocates {size} of contiguous memory as buffer {string}', async function (this: World, driver: string, bytes: number, name: string) {
  await attempt(this, (machine) => {
    const va = machine.cpu.inDriver(driver, () => machine.mm.MmAllocateContiguousMemorySpecifyCache(bytes, 0, machine.physical.highRamTop - 1, 0, 'MmNonCached', driver));
    if (va === null) throw new ReturnedNull('MmAllocateContiguousMemorySpecifyCache', `MmAllocateContiguousMemorySpecifyCache returned NULL for ${formatBytes(bytes)} (buffer "${name}")`);
    dmaObjects(this).contiguousBuffers.add(name, { va, length: bytes });
  });
});

When('the driver {string} frees contiguous buffer {string}', async function (this: World, driver: string, name: string) {
  const c = dmaObjects(this).contiguousBuffers.get(name);
  await attempt(this, (machine) => machine.cpu.inDriver(driver, () => machine.mm.MmFreeContiguousMemory(c.va)));
});

When('the driver {string} allocates {size} of non-paged pool as buffer {string}', async function (this: World, driver: string, bytes: number, name: string) {
  await attempt(this, (machine) => {
    const va = machine.cpu.inDriver(driver, () => machine.mm.ExAllocatePoolWithTag('NonPagedPool', bytes, 'Test', driver));
    if (va === null) throw new ReturnedNull('ExAllocatePoolWithTag', `ExAllocatePoolWithTag returned NULL for ${formatBytes(bytes)} of non-paged pool (buffer "${name}")`);
    objects(this).addBuffer({ name, kind: 'non-paged pool', va, length: bytes, process: null, requestor: null });
  });
});

When('the driver {string} frees pool buffer {string}', async function (this: World, driver: string, name: string) {
  const buffer = systemBuffer(this, name);
  await attempt(this, (machine) => machine.cpu.inDriver(driver, () => machine.mm.ExFreePoolWithTag(buffer.va)));
});

When('drivers take {size} of non-paged pool one page at a time', function (this: World, bytes: number) {
  takePoolPageByPage(runningMachine(this), 'busy drivers', bytes);
});

Then('at least {size} of RAM is free', function (this: World, bytes: number) {
  expect(freeRamBytes(runningMachine(this)), 'bytes of RAM free').to.be.at.least(bytes);
});

Then('fewer system PTEs are free than {size} needs', function (this: World, bytes: number) {
  expect(runningMachine(this).mm.systemPtes.free, `system PTEs free, against the ${Math.ceil(bytes / PAGE_SIZE)} that ${formatBytes(bytes)} needs`).to.be.below(Math.ceil(bytes / PAGE_SIZE));
});

// --- the user DMA library -----------------------------------------------------------------------

Given('{string} has opened the DMA test device with the user DMA library', function (this: World, processName: string) {
  const machine = runningMachine(this);
  processNamed(this, machine, processName);
  dmaObjects(this).libraryUsers.add(processName, openTestDevice(machine, processName));
});

function libraryUser(world: World, processName: string) {
  return { user: dmaObjects(world).libraryUsers.get(processName), process: objects(world).processes.get(processName) };
}

When('{string} locks a contiguous DMA buffer {string} of {size} with options {string}', async function (this: World, processName: string, name: string, bytes: number, options: string) {
  const { user, process } = libraryUser(this, processName);
  const flags = parseDmaOptions(options);
  await attempt(this, (machine) => {
    const r = lockContiguous(machine, process, user, bytes, flags);
    dmaObjects(this).lastLibraryStatus = r.status;
    if (r.buffer) dmaObjects(this).dmaBuffers.add(name, r.buffer);
  });
});

When('{string} locks {size} of buffer {string} for scatter\\/gather DMA as DMA buffer {string} with the {word} call and options {string}', async function (this: World, processName: string, bytes: number, bufferName: string, name: string, call: string, options: string) {
  if (call !== 'low-level' && call !== 'high-level') throw new Error(`say "the low-level call" or "the high-level call", not "the ${call} call"`);
  const { user, process } = libraryUser(this, processName);
  const buffer = objects(this).buffers.get(bufferName);
  if (bytes > buffer.length) throw new RangeError(`${formatBytes(bytes)} does not fit in buffer "${bufferName}" of ${formatBytes(buffer.length)}`);
  const flags = parseDmaOptions(options);
  await attempt(this, (machine) => {
    const r = lockForScatterGather(machine, process, user, call as LockCall, buffer.va, bytes, flags);
    dmaObjects(this).lastLibraryStatus = r.status;
    if (r.buffer) dmaObjects(this).dmaBuffers.add(name, r.buffer);
  });
});

When('{string} locks GPU memory {string} for GPU-direct DMA as DMA buffer {string} with options {string}', async function (this: World, processName: string, gpuName: string, name: string, options: string) {
  const { user, process } = libraryUser(this, processName);
  const allocation = dmaObjects(this).gpuAllocations.get(gpuName);
  const flags = parseDmaOptions(options);
  await attempt(this, (machine) => {
    const r = lockForScatterGather(machine, process, user, 'high-level', allocation.busAddress, allocation.length, flags);
    dmaObjects(this).lastLibraryStatus = r.status;
    if (r.buffer) dmaObjects(this).dmaBuffers.add(name, r.buffer);
  });
});

When('{string} unlocks DMA buffer {string}', async function (this: World, processName: string, name: string) {
  const { user, process } = libraryUser(this, processName);
  const buffer = dmaObjects(this).dmaBuffers.get(name);
  await attempt(this, (machine) => {
    dmaObjects(this).lastLibraryStatus = unlockDmaBuffer(machine, process, user, buffer);
  });
});

Then('the library returns {word}', function (this: World, name: string) {
  const expected = userDmaStatusNamed(name);
  expect(userDmaStatusName(dmaObjects(this).latestLibraryStatus()), 'the status the user DMA library returned').to.equal(userDmaStatusName(expected));
});

Then('the library returns status {hex}', function (this: World, status: number) {
  const got = dmaObjects(this).latestLibraryStatus();
  expect(`0x${got.toString(16).toUpperCase()}`, `the status the user DMA library returned (${userDmaStatusName(got)})`).to.equal(`0x${status.toString(16).toUpperCase()}`);
});

Then('DMA buffer {string} is one of the buffers preallocated at boot', function (this: World, name: string) {
  const buffer = dmaObjects(this).dmaBuffers.get(name);
  const preallocated = runningMachine(this).hal.preallocationFor(TEST_DEVICE)?.buffers ?? [];
  expect(buffer.preallocated, `DMA buffer "${name}" says it is preallocated`).to.equal(true);
  expect(preallocated.map((b) => b.va), `system addresses of the buffers preallocated at boot, against DMA buffer "${name}"`).to.include(buffer.kernelAddress);
});

Then('DMA buffer {string} is not a buffer preallocated at boot', function (this: World, name: string) {
  const buffer = dmaObjects(this).dmaBuffers.get(name);
  const preallocated = runningMachine(this).hal.preallocationFor(TEST_DEVICE)?.buffers ?? [];
  expect(buffer.preallocated, `DMA buffer "${name}" says it is preallocated`).to.equal(false);
  expect(preallocated.map((b) => b.va), `system addresses of the buffers preallocated at boot, against DMA buffer "${name}"`).to.not.include(buffer.kernelAddress);
});

Then('DMA buffer {string} is the buffer DMA buffer {string} was', function (this: World, name: string, earlier: string) {
  const buffers = dmaObjects(this).dmaBuffers;
  expect(buffers.get(name).kernelAddress, `system address of DMA buffer "${name}", against "${earlier}"`).to.equal(buffers.get(earlier).kernelAddress);
});

Then('DMA buffer {string} is non-cached', function (this: World, name: string) {
  expect(frameIsNonCached(runningMachine(this), dmaObjects(this).dmaBuffers.get(name).kernelAddress), `DMA buffer "${name}" is non-cached`).to.equal(true);
});

Then('DMA buffer {string} is cached', function (this: World, name: string) {
  expect(frameIsNonCached(runningMachine(this), dmaObjects(this).dmaBuffers.get(name).kernelAddress), `DMA buffer "${name}" is non-cached`).to.equal(false);
});

Then('reading DMA buffer {string} costs the CPU more simulated time than reading DMA buffer {string}', function (this: World, slowName: string, fastName: string) {
  const machine = runningMachine(this);
  const slow = dmaObjects(this).dmaBuffers.get(slowName);
  const fast = dmaObjects(this).dmaBuffers.get(fastName);
  const process = objects(this).processes.get(dmaObjects(this).libraryUsers.values().find((u) => u.device === slow.device)!.process);
  const length = Math.min(slow.bytes, fast.bytes);
  expect(cpuReadNs(machine, process, slow.userAddress, length), `simulated ns for the application to read ${length} bytes of DMA buffer "${slowName}", against "${fastName}"`)
    .to.be.above(cpuReadNs(machine, process, fast.userAddress, length));
});

Then('DMA buffer {string} describes {size} in total', function (this: World, name: string, bytes: number) {
  const pages = dmaObjects(this).dmaBuffers.get(name).pages;
  expect(pages.reduce((n, p) => n + p.bytes, 0), `bytes the page list of DMA buffer "${name}" describes`).to.equal(bytes);
});

Then('DMA buffer {string} lies in the GPU\'s memory', function (this: World, name: string) {
  const gpu = runningMachine(this).gpu;
  if (!gpu) throw new Error('this machine has no GPU (gpuMemoryBytes is 0)');
  const base = gpu.memoryBarAddress;
  const outside = dmaObjects(this).dmaBuffers.get(name).pages.filter((p) => p.physicalAddress < base || p.physicalAddress + p.bytes > base + gpu.memoryBytes);
  expect(outside, `pages of DMA buffer "${name}" outside the GPU's memory BAR`).to.be.empty;
});
