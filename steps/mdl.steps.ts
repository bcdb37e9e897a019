/**
 * Steps about memory descriptor lists: a driver (or the I/O manager) builds,
 * locks, maps, chains, unlocks and frees them; a device reads and writes the
 * frames they describe. Action steps in the present tense ("the driver frees
 * MDL "M"") record their outcome for the Then steps; steps in the present
 * perfect ("the driver has locked ...") set the scene and must succeed.
 */
import { Given, Then, When } from '@cucumber/cucumber';
import { expect } from 'chai';
import { LOCK_OPERATION, MDL, MmGetMdlVirtualAddress } from '../src/kernel/mm/mdl';
import { APC_LEVEL, DEVICE_LEVEL, DISPATCH_LEVEL, Irql, PASSIVE_LEVEL } from '../src/machine/irql';
import { Machine } from '../src/machine/machine';
import { RaisedStatus } from '../src/machine/ntstatus';
import { ADDRESS_AND_SIZE_TO_SPAN_PAGES, PAGE_SIZE, formatAddress, formatBytes, pageOf } from '../src/contracts/units';
import { ReturnedNull, attempt, runningMachine } from './support/outcome';
import { ScenarioBuffer, ScenarioMdl, ScenarioObjects, framesNow, inContextOf, objects, patternBytes, patternMismatch, rememberFrames } from './support/scenario-objects';
import { ConformanceWorld } from './support/world';

const ACCESS: Record<string, LOCK_OPERATION> = { read: 'IoReadAccess', write: 'IoWriteAccess', modify: 'IoModifyAccess' };
const IRQLS: Record<string, Irql> = { PASSIVE_LEVEL, APC_LEVEL, DISPATCH_LEVEL };
/** A direct I/O read fills the application's buffer, so its pages are locked for write; a write only reads them. */
const DIRECT_IO_ACCESS: Record<string, LOCK_OPERATION> = { read: 'IoWriteAccess', write: 'IoReadAccess' };
/** Who locks a buffer for a direct I/O request when no driver is involved yet. */
const IO_MANAGER: string | null = null;

function lockOperation(access: string): LOCK_OPERATION {
  const operation = ACCESS[access];
  if (!operation) throw new Error(`unknown access "${access}": say ${Object.keys(ACCESS).map((a) => `"for ${a} access"`).join(', ')}`);
  return operation;
}

function irqlNamed(name: string): Irql {
  const irql = IRQLS[name];
  if (irql === undefined) throw new Error(`unknown IRQL "${name}": say ${Object.keys(IRQLS).join(', ')}`);
  return irql;
}

function requireNewMdlName(registry: ScenarioObjects, name: string): void {
  if (registry.mdls.has(name)) throw new Error(`this scenario already has an MDL named "${name}": name the new one with "through MDL ..."`);
}

/** The offset of an MDL's first byte inside the buffer it describes. */
function offsetInBuffer(m: ScenarioMdl): number {
  return MmGetMdlVirtualAddress(m.mdl) - m.buffer.va;
}

/** IoAllocateMdl for [va, va+length) of the buffer; a NULL return ends the action. */
function allocateMdl(machine: Machine, registry: ScenarioObjects, name: string, buffer: ScenarioBuffer, driver: string | null, va: number, length: number, request: { MdlAddress: MDL | null } | null = null, secondary = false): ScenarioMdl {
  requireNewMdlName(registry, name);
  const mdl = inContextOf(machine, buffer, driver, () => machine.kernel.mdl.IoAllocateMdl(va, length, secondary, false, request));
  if (!mdl) throw new ReturnedNull('IoAllocateMdl', `IoAllocateMdl returned NULL for MDL "${name}" (${formatBytes(length)} at ${formatAddress(va)})`);
  return registry.mdls.add(name, { name, mdl, buffer, driver });
}

/** MmProbeAndLockPages on a named MDL, in user mode when the buffer came from a process. */
function probeAndLock(machine: Machine, m: ScenarioMdl, driver: string | null, operation: LOCK_OPERATION): void {
  inContextOf(machine, m.buffer, driver, () => machine.kernel.mdl.MmProbeAndLockPages(m.mdl, m.buffer.requestor ? 'UserMode' : 'KernelMode', operation));
  rememberFrames(machine, m.buffer);
}

/**
 * The usual pattern: IoAllocateMdl, then MmProbeAndLockPages inside __try;
 * when the probe raises, the __except block frees the MDL and the exception
 * becomes the request's status.
 */
function lockBuffer(machine: Machine, registry: ScenarioObjects, driver: string | null, buffer: ScenarioBuffer, operation: LOCK_OPERATION, mdlName: string): ScenarioMdl {
  const m = allocateMdl(machine, registry, mdlName, buffer, driver, buffer.va, buffer.length);
  try {
    probeAndLock(machine, m, driver, operation);
  } catch (e) {
    if (e instanceof RaisedStatus) inContextOf(machine, buffer, driver, () => machine.kernel.mdl.IoFreeMdl(m.mdl));
    throw e;
  }
  return m;
}

function lockStep(world: ConformanceWorld, driver: string | null, bufferName: string, operation: LOCK_OPERATION, mdlName: string) {
  const registry = objects(world);
  const buffer = registry.buffers.get(bufferName);
  return (machine: Machine) => lockBuffer(machine, registry, driver, buffer, operation, mdlName);
}

// --- machine --------------------------------------------------------------------

Given('a machine whose system PTEs are limited to {count}', function (this: ConformanceWorld, count: number) {
  this.bootOptions.systemPtes = count;
});

// --- probe and lock ------------------------------------------------------------

When('the driver {string} locks buffer/view {string} for {word} access', async function (this: ConformanceWorld, driver: string, bufferName: string, access: string) {
  await attempt(this, lockStep(this, driver, bufferName, lockOperation(access), bufferName));
});

When('the driver {string} locks buffer/view {string} for {word} access through MDL {string}', async function (this: ConformanceWorld, driver: string, bufferName: string, access: string, mdlName: string) {
  await attempt(this, lockStep(this, driver, bufferName, lockOperation(access), mdlName));
});

Given('the driver {string} has locked buffer/view {string} for {word} access', function (this: ConformanceWorld, driver: string, bufferName: string, access: string) {
  lockStep(this, driver, bufferName, lockOperation(access), bufferName)(runningMachine(this));
});

Given('the driver {string} has locked buffer/view {string} for {word} access through MDL {string}', function (this: ConformanceWorld, driver: string, bufferName: string, access: string, mdlName: string) {
  lockStep(this, driver, bufferName, lockOperation(access), mdlName)(runningMachine(this));
});

When('the driver {string} allocates MDL {string} for buffer {string}', async function (this: ConformanceWorld, driver: string, mdlName: string, bufferName: string) {
  const registry = objects(this);
  const buffer = registry.buffers.get(bufferName);
  await attempt(this, (machine) => allocateMdl(machine, registry, mdlName, buffer, driver, buffer.va, buffer.length));
});

Given('the driver {string} has allocated MDL {string} for buffer {string}', function (this: ConformanceWorld, driver: string, mdlName: string, bufferName: string) {
  const registry = objects(this);
  const buffer = registry.buffers.get(bufferName);
  allocateMdl(runningMachine(this), registry, mdlName, buffer, driver, buffer.va, buffer.length);
});

When('the driver {string} allocates MDL {string} for {size} of buffer {string}', async function (this: ConformanceWorld, driver: string, mdlName: string, length: number, bufferName: string) {
  const registry = objects(this);
  const buffer = registry.buffers.get(bufferName);
  if (length > buffer.length) throw new RangeError(`${formatBytes(length)} does not fit in buffer "${bufferName}" of ${formatBytes(buffer.length)}`);
  await attempt(this, (machine) => allocateMdl(machine, registry, mdlName, buffer, driver, buffer.va, length));
});

When('the driver {string} allocates MDL {string} for {size} starting {size} into buffer {string}', async function (this: ConformanceWorld, driver: string, mdlName: string, length: number, offset: number, bufferName: string) {
  const registry = objects(this);
  const buffer = registry.buffers.get(bufferName);
  if (offset + length > buffer.length) throw new RangeError(`${formatBytes(length)} starting ${formatBytes(offset)} into buffer "${bufferName}" runs past its end (${formatBytes(buffer.length)})`);
  await attempt(this, (machine) => allocateMdl(machine, registry, mdlName, buffer, driver, buffer.va + offset, length));
});

When('the driver {string} locks MDL {string} for {word} access', async function (this: ConformanceWorld, driver: string, mdlName: string, access: string) {
  const m = objects(this).mdls.get(mdlName);
  const operation = lockOperation(access);
  await attempt(this, (machine) => probeAndLock(machine, m, driver, operation));
});

// --- unlock and free -------------------------------------------------------------

function unlock(machine: Machine, m: ScenarioMdl, driver: string | null): void {
  inContextOf(machine, m.buffer, driver, () => machine.kernel.mdl.MmUnlockPages(m.mdl));
}

function free(machine: Machine, m: ScenarioMdl, driver: string | null): void {
  inContextOf(machine, m.buffer, driver, () => machine.kernel.mdl.IoFreeMdl(m.mdl));
}

When('the driver {string} unlocks MDL {string}', async function (this: ConformanceWorld, driver: string, mdlName: string) {
  const m = objects(this).mdls.get(mdlName);
  await attempt(this, (machine) => unlock(machine, m, driver));
});

When('the driver {string} frees MDL {string}', async function (this: ConformanceWorld, driver: string, mdlName: string) {
  const m = objects(this).mdls.get(mdlName);
  await attempt(this, (machine) => free(machine, m, driver));
});

When('the driver {string} unlocks and frees MDL {string}', async function (this: ConformanceWorld, driver: string, mdlName: string) {
  const m = objects(this).mdls.get(mdlName);
  await attempt(this, (machine) => {
    unlock(machine, m, driver);
    free(machine, m, driver);
  });
});

Then('the driver {string} holds no MDL', function (this: ConformanceWorld, driver: string) {
  const registry = objects(this);
  const live = runningMachine(this).kernel.mdl.liveMdls(driver);
  expect(live.map((mdl) => registry.nameOf(mdl) ?? `#${mdl.id}`), `MDLs allocated by "${driver}" and not freed`).to.be.empty;
});

// --- partial MDLs and MDLs for non-paged memory ---------------------------------------

function buildPartial(world: ConformanceWorld, driver: string, partialName: string, length: number, offset: number, parentName: string): (machine: Machine) => void {
  const registry = objects(world);
  const parent = registry.mdls.get(parentName);
  return (machine) => {
    const va = MmGetMdlVirtualAddress(parent.mdl) + offset;
    // The partial MDL is named before it is built, so a stop while building it can be read in its terms.
    const partial = allocateMdl(machine, registry, partialName, parent.buffer, driver, va, length);
    inContextOf(machine, parent.buffer, driver, () => machine.kernel.mdl.IoBuildPartialMdl(parent.mdl, partial.mdl, va, length));
  };
}

When('the driver {string} builds partial MDL {string} over {size} starting {size} into MDL {string}', async function (this: ConformanceWorld, driver: string, partialName: string, length: number, offset: number, parentName: string) {
  await attempt(this, buildPartial(this, driver, partialName, length, offset, parentName));
});

Given('the driver {string} has built partial MDL {string} over {size} starting {size} into MDL {string}', function (this: ConformanceWorld, driver: string, partialName: string, length: number, offset: number, parentName: string) {
  buildPartial(this, driver, partialName, length, offset, parentName)(runningMachine(this));
});

function buildForNonPagedPool(world: ConformanceWorld, driver: string, mdlName: string, bufferName: string): (machine: Machine) => void {
  const registry = objects(world);
  const buffer = registry.buffers.get(bufferName);
  return (machine) => {
    const m = allocateMdl(machine, registry, mdlName, buffer, driver, buffer.va, buffer.length);
    inContextOf(machine, buffer, driver, () => machine.kernel.mdl.MmBuildMdlForNonPagedPool(m.mdl));
  };
}

When('the driver {string} builds MDL {string} for buffer {string} with MmBuildMdlForNonPagedPool', async function (this: ConformanceWorld, driver: string, mdlName: string, bufferName: string) {
  await attempt(this, buildForNonPagedPool(this, driver, mdlName, bufferName));
});

Given('the driver {string} has built MDL {string} for buffer {string} with MmBuildMdlForNonPagedPool', function (this: ConformanceWorld, driver: string, mdlName: string, bufferName: string) {
  buildForNonPagedPool(this, driver, mdlName, bufferName)(runningMachine(this));
});

// --- mapping into system space --------------------------------------------------------

function mapToSystem(world: ConformanceWorld, driver: string, mdlName: string, irql: Irql) {
  const m = objects(world).mdls.get(mdlName);
  return (machine: Machine) => {
    const va = inContextOf(machine, m.buffer, driver, () => machine.cpu.atIrql(irql, () => machine.kernel.mdl.MmGetSystemAddressForMdlSafe(m.mdl, 'NormalPagePriority')));
    if (va === null) throw new ReturnedNull('MmGetSystemAddressForMdlSafe', `MmGetSystemAddressForMdlSafe returned NULL for MDL "${mdlName}" (${m.mdl.pageCount} page(s); ${machine.mm.systemPtes.free} system PTE(s) free)`);
  };
}

When('the driver {string} maps MDL {string} into system space', async function (this: ConformanceWorld, driver: string, mdlName: string) {
  await attempt(this, mapToSystem(this, driver, mdlName, PASSIVE_LEVEL));
});

When('the driver {string} maps MDL {string} into system space at {word}', async function (this: ConformanceWorld, driver: string, mdlName: string, irqlName: string) {
  await attempt(this, mapToSystem(this, driver, mdlName, irqlNamed(irqlName)));
});

Then('an interrupt service routine reading the system mapping of MDL {string} sees the pattern {string}', function (this: ConformanceWorld, mdlName: string, pattern: string) {
  const machine = runningMachine(this);
  const m = objects(this).mdls.get(mdlName);
  const va = m.mdl.MappedSystemVa;
  if (va === 0) throw new Error(`MDL "${mdlName}" is not mapped into system space`);
  // At device IRQL in no particular process: only resident, system-mapped memory may be touched.
  const bytes = machine.cpu.inProcess(null, () => machine.cpu.atIrql(DEVICE_LEVEL, () => machine.mm.readVirtual(va, m.mdl.ByteCount)));
  const mismatch = patternMismatch(bytes, pattern, offsetInBuffer(m));
  expect(mismatch, `the system mapping of MDL "${mdlName}" at ${formatAddress(va)}: ${mismatch}`).to.equal(null);
});

// --- what an MDL describes -------------------------------------------------------------

Then('MDL {string} has {count} page entries', function (this: ConformanceWorld, mdlName: string, count: number) {
  expect(objects(this).mdls.get(mdlName).mdl.PfnArray, `page entries of MDL "${mdlName}"`).to.have.lengthOf(count);
});

Then('the page entries of MDL {string} are not physically contiguous', function (this: ConformanceWorld, mdlName: string) {
  const frames = objects(this).mdls.get(mdlName).mdl.PfnArray;
  expect(frames.length, `MDL "${mdlName}" needs two page entries or more to say this`).to.be.at.least(2);
  const consecutive = frames.slice(1).filter((pfn, i) => pfn === frames[i]! + 1).length;
  expect(consecutive, `every page entry of MDL "${mdlName}" follows the one before it: frames ${frames[0]} to ${frames[frames.length - 1]}`).to.be.below(frames.length - 1);
});

Then('the page entries of MDL {string} are the frames of buffer {string} in order', function (this: ConformanceWorld, mdlName: string, bufferName: string) {
  const machine = runningMachine(this);
  const registry = objects(this);
  const m = registry.mdls.get(mdlName);
  const buffer = registry.buffers.get(bufferName);
  if (m.buffer !== buffer) throw new Error(`MDL "${mdlName}" describes buffer "${m.buffer.name}", not buffer "${bufferName}"`);
  const first = pageOf(MmGetMdlVirtualAddress(m.mdl)) - pageOf(buffer.va);
  const expected = framesNow(machine, buffer).slice(first, first + m.mdl.pageCount);
  expect(m.mdl.PfnArray, `page entries of MDL "${mdlName}" against the frames of pages ${first} to ${first + m.mdl.pageCount - 1} of buffer "${bufferName}"`).to.deep.equal(expected);
});

Then('MDL {string} has a byte offset of {count}', function (this: ConformanceWorld, mdlName: string, offset: number) {
  expect(objects(this).mdls.get(mdlName).mdl.ByteOffset, `byte offset of MDL "${mdlName}"`).to.equal(offset);
});

Then('MDL {string} has a byte count of {size}', function (this: ConformanceWorld, mdlName: string, bytes: number) {
  expect(objects(this).mdls.get(mdlName).mdl.ByteCount, `byte count of MDL "${mdlName}"`).to.equal(bytes);
});

Then('MDL {string} spans {count} page(s)', function (this: ConformanceWorld, mdlName: string, pages: number) {
  const mdl = objects(this).mdls.get(mdlName).mdl;
  expect(ADDRESS_AND_SIZE_TO_SPAN_PAGES(MmGetMdlVirtualAddress(mdl), mdl.ByteCount), `pages spanned by MDL "${mdlName}"`).to.equal(pages);
});

Then('the page entries of MDL {string} are entries {count} to {count} of MDL {string}', function (this: ConformanceWorld, partialName: string, first: number, last: number, parentName: string) {
  const registry = objects(this);
  const partial = registry.mdls.get(partialName).mdl;
  const parent = registry.mdls.get(parentName).mdl;
  if (last >= parent.PfnArray.length) throw new RangeError(`MDL "${parentName}" has entries 0 to ${parent.PfnArray.length - 1}; there is no entry ${last}`);
  expect(partial.PfnArray, `page entries of MDL "${partialName}"`).to.deep.equal(parent.PfnArray.slice(first, last + 1));
});

// --- chained MDLs ---------------------------------------------------------------------

function chainOf(request: { MdlAddress: MDL | null }): MDL[] {
  const chain: MDL[] = [];
  for (let mdl = request.MdlAddress; mdl; mdl = mdl.Next) chain.push(mdl);
  return chain;
}

function allocateInChain(world: ConformanceWorld, driver: string, mdlName: string, bufferName: string, requestName: string, secondary: boolean): (machine: Machine) => void {
  const registry = objects(world);
  const buffer = registry.buffers.get(bufferName);
  // The primary buffer starts the request; a secondary one joins a request that has it.
  const request = secondary || registry.requests.has(requestName) ? registry.requests.get(requestName) : registry.requests.add(requestName, { name: requestName, MdlAddress: null });
  return (machine) => {
    allocateMdl(machine, registry, mdlName, buffer, driver, buffer.va, buffer.length, request, secondary);
  };
}

When('the driver {string} allocates MDL {string} for buffer {string} as the primary buffer of request {string}', async function (this: ConformanceWorld, driver: string, mdlName: string, bufferName: string, requestName: string) {
  await attempt(this, allocateInChain(this, driver, mdlName, bufferName, requestName, false));
});

When('the driver {string} allocates MDL {string} for buffer {string} as a secondary buffer of request {string}', async function (this: ConformanceWorld, driver: string, mdlName: string, bufferName: string, requestName: string) {
  await attempt(this, allocateInChain(this, driver, mdlName, bufferName, requestName, true));
});

Given('the driver {string} has allocated MDL {string} for buffer {string} as the primary buffer of request {string}', function (this: ConformanceWorld, driver: string, mdlName: string, bufferName: string, requestName: string) {
  allocateInChain(this, driver, mdlName, bufferName, requestName, false)(runningMachine(this));
});

Given('the driver {string} has allocated MDL {string} for buffer {string} as a secondary buffer of request {string}', function (this: ConformanceWorld, driver: string, mdlName: string, bufferName: string, requestName: string) {
  allocateInChain(this, driver, mdlName, bufferName, requestName, true)(runningMachine(this));
});

Then('the MDL chain of request {string} is {string}', function (this: ConformanceWorld, requestName: string, names: string) {
  const registry = objects(this);
  const chain = chainOf(registry.requests.get(requestName)).map((mdl) => registry.nameOf(mdl) ?? `#${mdl.id}`);
  expect(chain.join(', '), `the MDLs chained from request "${requestName}", in order`).to.equal(names.split(',').map((n) => n.trim()).join(', '));
});

Then('the MDL chain of request {string} describes {size} in total', function (this: ConformanceWorld, requestName: string, bytes: number) {
  const chain = chainOf(objects(this).requests.get(requestName));
  expect(chain.reduce((sum, mdl) => sum + mdl.ByteCount, 0), `byte counts of the ${chain.length} MDL(s) chained from request "${requestName}", added up`).to.equal(bytes);
});

// --- the I/O manager's direct I/O -------------------------------------------------------

function directIoAccess(kind: string): LOCK_OPERATION {
  const operation = DIRECT_IO_ACCESS[kind];
  if (!operation) throw new Error(`unknown request "${kind}": say "a direct I/O read request" or "a direct I/O write request"`);
  return operation;
}

When('the I\\/O manager locks buffer {string} for a direct I\\/O {word} request', async function (this: ConformanceWorld, bufferName: string, kind: string) {
  await attempt(this, lockStep(this, IO_MANAGER, bufferName, directIoAccess(kind), bufferName));
});

Given('the I\\/O manager has locked buffer {string} for a direct I\\/O {word} request', function (this: ConformanceWorld, bufferName: string, kind: string) {
  lockStep(this, IO_MANAGER, bufferName, directIoAccess(kind), bufferName)(runningMachine(this));
});

When('the I\\/O manager completes the request on buffer {string}', async function (this: ConformanceWorld, bufferName: string) {
  const m = objects(this).mdls.get(bufferName);
  await attempt(this, (machine) => {
    unlock(machine, m, IO_MANAGER);
    free(machine, m, IO_MANAGER);
  });
});

// --- a device's view: the frames an MDL describes --------------------------------------

/** Each (physical address, length, offset in the MDL) piece of the MDL's bytes, page by page. */
function physicalPieces(mdl: MDL): { pa: number; length: number; at: number }[] {
  const pieces: { pa: number; length: number; at: number }[] = [];
  for (let at = 0; at < mdl.ByteCount; ) {
    const inMdl = mdl.ByteOffset + at;
    const pfn = mdl.PfnArray[Math.floor(inMdl / PAGE_SIZE)];
    if (pfn === undefined) throw new Error(`MDL #${mdl.id} has no page entry for byte ${at}: it is not locked or built`);
    const length = Math.min(PAGE_SIZE - (inMdl % PAGE_SIZE), mdl.ByteCount - at);
    pieces.push({ pa: pfn * PAGE_SIZE + (inMdl % PAGE_SIZE), length, at });
    at += length;
  }
  return pieces;
}

When('a device writes the pattern {string} through MDL {string}', function (this: ConformanceWorld, pattern: string, mdlName: string) {
  const machine = runningMachine(this);
  const m = objects(this).mdls.get(mdlName);
  const data = patternBytes(pattern, offsetInBuffer(m), m.mdl.ByteCount);
  // Bus-master DMA: physical addresses only, no page faults, no CPU context.
  for (const piece of physicalPieces(m.mdl)) machine.physical.write(piece.pa, data, piece.at, piece.length, 'device');
  if (offsetInBuffer(m) === 0 && m.mdl.ByteCount === m.buffer.length) m.buffer.pattern = pattern;
});

Then('the frames of MDL {string} hold the pattern {string}', function (this: ConformanceWorld, mdlName: string, pattern: string) {
  const machine = runningMachine(this);
  const m = objects(this).mdls.get(mdlName);
  const bytes = new Uint8Array(m.mdl.ByteCount);
  for (const piece of physicalPieces(m.mdl)) machine.physical.read(piece.pa, piece.length, bytes, piece.at);
  const mismatch = patternMismatch(bytes, pattern, offsetInBuffer(m));
  expect(mismatch, `the frames of MDL "${mdlName}" read as a device would: ${mismatch}`).to.equal(null);
});
