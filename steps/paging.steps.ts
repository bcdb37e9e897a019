/**
 * Steps about paging: memory pressure and the trimmer, pool memory, low
 * resources, and what a buffer's pages look like afterwards (resident or not,
 * locked or not, in which frame, owned by whom, holding which data).
 */
import { Given, Then, When } from '@cucumber/cucumber';
import { expect } from 'chai';
import { requireMachine } from '../src/diagnosis/machine-precondition';
import { MemoryPressure } from '../src/kernel/mm/memory-manager';
import { PoolType } from '../src/kernel/mm/pool';
import { formatBytes, PAGE_SIZE } from '../src/contracts/units';
import { runningMachine } from './support/outcome';
import { ScenarioBuffer, framesNow, inContextOf, objects, pageCountOf, patternBytes, patternMismatch, rememberFrames, writePattern } from './support/scenario-objects';
import { ConformanceWorld } from './support/world';

const PRESSURE: Record<string, MemoryPressure> = { moderate: 'moderate', severe: 'severe' };
const POOLS: Record<string, PoolType> = { 'non-paged': 'NonPagedPool', paged: 'PagedPool' };

/**
 * Places in the kernel where a failure can be injected: the routines of the
 * documented low-resources simulation, the pools by type, and page-in.
 */
const FAULT_POINTS = [
  'IoAllocateMdl',
  'MmProbeAndLockPages',
  'MmGetSystemAddressForMdlSafe',
  'MmMapLockedPagesSpecifyCache',
  'MmAllocateContiguousMemorySpecifyCache',
  'MmMapIoSpace',
  'ExAllocatePoolWithTag:NonPagedPool',
  'ExAllocatePoolWithTag:PagedPool',
  'page-in',
] as const;

function pagesOf(world: ConformanceWorld, bufferName: string): { buffer: ScenarioBuffer; frames: number[] } {
  const buffer = objects(world).buffers.get(bufferName);
  return { buffer, frames: framesNow(runningMachine(world), buffer) };
}

function listPages(pages: readonly number[]): string {
  const shown = pages.slice(0, 8).join(', ');
  return pages.length > 8 ? `${shown} and ${pages.length - 8} more` : shown;
}

// --- machine and resources --------------------------------------------------------

Given('a machine whose non-paged pool is {size}', function (this: ConformanceWorld, bytes: number) {
  this.bootOptions.nonPagedPoolBytes = bytes;
});

Given('every call to {word} fails', function (this: ConformanceWorld, point: string) {
  if (!(FAULT_POINTS as readonly string[]).includes(point)) {
    throw new Error(`no failure can be injected into "${point}": the points are ${FAULT_POINTS.join(', ')}`);
  }
  runningMachine(this).kernel.faults.add({ point, mode: { kind: 'every' } });
});

Given('the driver {string} has exhausted non-paged pool', function (this: ConformanceWorld, driver: string) {
  const machine = runningMachine(this);
  machine.cpu.inDriver(driver, () => {
    // Large blocks first, then smaller ones, until not even one page is left.
    for (let size = machine.config.nonPagedPoolBytes; size >= PAGE_SIZE; size = Math.floor(size / 2 / PAGE_SIZE) * PAGE_SIZE) {
      while (machine.mm.ExAllocatePoolWithTag('NonPagedPool', size, 'Hog ') !== null);
    }
  });
  requireMachine(!machine.mm.nonPagedPool.hasRoom(1), () => 'non-paged pool still has room for a page after every allocation that fits was made');
});

When('memory pressure is {word}', function (this: ConformanceWorld, level: string) {
  const pressure = PRESSURE[level];
  if (!pressure) throw new Error(`unknown memory pressure "${level}": say ${Object.keys(PRESSURE).join(' or ')}`);
  runningMachine(this).mm.applyMemoryPressure(pressure);
});

// --- pool buffers -----------------------------------------------------------------

Given('the driver {string} has allocated {size} of {word} pool as buffer {string}', function (this: ConformanceWorld, driver: string, size: number, poolWord: string, bufferName: string) {
  const pool = POOLS[poolWord];
  if (!pool) throw new Error(`unknown pool "${poolWord}": say ${Object.keys(POOLS).map((p) => `"${p} pool"`).join(' or ')}`);
  const machine = runningMachine(this);
  const va = machine.cpu.inDriver(driver, () => machine.mm.ExAllocatePoolWithTag(pool, size, 'Test'));
  if (va === null) throw new Error(`${poolWord} pool has no room for ${formatBytes(size)}`);
  const buffer = objects(this).addBuffer({ name: bufferName, kind: pool === 'NonPagedPool' ? 'non-paged pool' : 'paged pool', va, length: size, process: null, requestor: null });
  rememberFrames(machine, buffer);
});

Given('the driver {string} writes the pattern {string} into buffer {string}', function (this: ConformanceWorld, driver: string, pattern: string, bufferName: string) {
  writePattern(runningMachine(this), objects(this).buffers.get(bufferName), driver, pattern);
});

// --- what the buffer holds ---------------------------------------------------------

Then('buffer/view {string} (still )holds the pattern {string}', function (this: ConformanceWorld, bufferName: string, pattern: string) {
  const machine = runningMachine(this);
  const buffer = objects(this).buffers.get(bufferName);
  // Read by the CPU in the buffer's own context: pages that were paged out come back in.
  const bytes = inContextOf(machine, buffer, null, () => machine.mm.readVirtual(buffer.va, buffer.length));
  const mismatch = patternMismatch(bytes, pattern);
  expect(mismatch, `buffer "${bufferName}" read by the CPU: ${mismatch}`).to.equal(null);
});

// --- residency ---------------------------------------------------------------------

Then('no page of buffer/view {string} is resident', function (this: ConformanceWorld, bufferName: string) {
  const { frames } = pagesOf(this, bufferName);
  const resident = frames.flatMap((pfn, page) => (pfn >= 0 ? [page] : []));
  expect(resident, `pages of buffer "${bufferName}" still resident: ${listPages(resident)}`).to.be.empty;
});

Then('{count} pages of buffer/view {string} are resident', function (this: ConformanceWorld, count: number, bufferName: string) {
  const { frames } = pagesOf(this, bufferName);
  expect(frames.filter((pfn) => pfn >= 0).length, `resident pages of buffer "${bufferName}" (of ${frames.length})`).to.equal(count);
});

Then('buffer/view {string} is still in the frames it had', function (this: ConformanceWorld, bufferName: string) {
  const { buffer, frames } = pagesOf(this, bufferName);
  const moved = frames.flatMap((pfn, page) => (pfn !== buffer.framesSeen[page] ? [page] : []));
  expect(moved, `pages of buffer "${bufferName}" no longer in the frame they were seen in (paged out or moved): ${listPages(moved)}`).to.be.empty;
});

// --- locking -----------------------------------------------------------------------

function unlockedPages(world: ConformanceWorld, bufferName: string): number[] {
  const machine = runningMachine(world);
  const { frames } = pagesOf(world, bufferName);
  return frames.flatMap((pfn, page) => (pfn < 0 || machine.physical.lockCount[pfn] === 0 ? [page] : []));
}

Then('every page of buffer/view {string} is locked', function (this: ConformanceWorld, bufferName: string) {
  const unlocked = unlockedPages(this, bufferName);
  expect(unlocked, `pages of buffer "${bufferName}" that are not locked in a resident frame: ${listPages(unlocked)}`).to.be.empty;
});

Then('every frame of buffer/view {string} is still locked', function (this: ConformanceWorld, bufferName: string) {
  const { buffer, frames } = pagesOf(this, bufferName);
  const moved = frames.flatMap((pfn, page) => (pfn !== buffer.framesSeen[page] ? [page] : []));
  expect(moved, `pages of buffer "${bufferName}" that left the frame they were locked in: ${listPages(moved)}`).to.be.empty;
  const unlocked = unlockedPages(this, bufferName);
  expect(unlocked, `pages of buffer "${bufferName}" whose frame is no longer locked: ${listPages(unlocked)}`).to.be.empty;
});

Then('no page of buffer/view {string} is locked', function (this: ConformanceWorld, bufferName: string) {
  const machine = runningMachine(this);
  const { frames } = pagesOf(this, bufferName);
  const locked = frames.flatMap((pfn, page) => (pfn >= 0 && machine.physical.lockCount[pfn]! > 0 ? [page] : []));
  expect(locked, `pages of buffer "${bufferName}" still locked: ${listPages(locked)}`).to.be.empty;
});

Then('{string} has no pages locked for I\\/O', function (this: ConformanceWorld, processName: string) {
  const process = objects(this).processes.get(processName);
  runningMachine(this);
  expect(process.addressSpace.lockedPages, `pages of "${processName}" locked for I/O`).to.equal(0);
});

// --- frames reused by another owner ------------------------------------------------

function frameThatHeld(world: ConformanceWorld, page: number, bufferName: string): number {
  const buffer = objects(world).buffers.get(bufferName);
  if (page >= pageCountOf(buffer)) throw new RangeError(`buffer "${bufferName}" has pages 0 to ${pageCountOf(buffer) - 1}; there is no page ${page}`);
  const pfn = buffer.framesSeen[page]!;
  if (pfn < 0) throw new Error(`page ${page} of buffer "${bufferName}" was never seen resident: write to it or lock it in an earlier step`);
  return pfn;
}

Then('the frame that held page {count} of buffer {string} now belongs to {string}', function (this: ConformanceWorld, page: number, bufferName: string, processName: string) {
  const machine = runningMachine(this);
  const pfn = frameThatHeld(this, page, bufferName);
  const process = objects(this).processes.get(processName);
  const owner = machine.physical.ownerOf(pfn);
  expect(owner?.ownerName ?? 'nobody (the frame is free)', `owner of frame ${pfn}, which held page ${page} of buffer "${bufferName}"`).to.equal(process.addressSpace.ownerName);
  expect(owner).to.equal(process.addressSpace);
});

Then('the frame that held page {count} of buffer {string} now holds the data of buffer {string}', function (this: ConformanceWorld, page: number, bufferName: string, otherName: string) {
  const machine = runningMachine(this);
  const pfn = frameThatHeld(this, page, bufferName);
  const other = objects(this).buffers.get(otherName);
  if (other.pattern === null) throw new Error(`no pattern was written into buffer "${otherName}", so its data cannot be recognised`);
  const otherPage = framesNow(machine, other).indexOf(pfn);
  expect(otherPage, `frame ${pfn}, which held page ${page} of buffer "${bufferName}", should now hold a page of buffer "${otherName}"`).to.be.at.least(0);
  // What a device programmed with the old physical address would now read (or overwrite).
  const bytes = machine.physical.read(pfn * PAGE_SIZE, PAGE_SIZE);
  const expected = patternBytes(other.pattern, otherPage * PAGE_SIZE, PAGE_SIZE);
  expect(Buffer.from(bytes).equals(Buffer.from(expected)), `frame ${pfn} should hold page ${otherPage} of buffer "${otherName}" (pattern "${other.pattern}")`).to.equal(true);
});
