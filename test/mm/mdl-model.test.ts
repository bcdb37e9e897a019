/**
 * Model-based test of MDL lock, unlock, partial-MDL, mapping and free
 * sequences (PAGE-1, PAGE-5, MDL-2, MDL-3). A small model keeps a lock count
 * per buffer page and the state of each MDL; after every command the real
 * machine must agree: lock count per frame, locked pages of the process, MDL
 * flags, system PTEs in use, and page contents across trims.
 *
 * Legal commands make up most sequences. An illegal order (unlocking or
 * freeing a parent under a live partial, unlocking a partial, unlocking twice
 * or never-locked, freeing a mapped MDL, locking twice, freeing twice) must
 * stop the machine with its documented bug check; the run ends there. A
 * second property appends one illegal command to a legal sequence and checks
 * that it always stops the machine.
 */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { BugCheck, hex } from '../../src/machine/bug-check';
import { Machine } from '../../src/machine/machine';
import { PAGE_SIZE } from '../../src/machine/units';
import { Process } from '../../src/kernel/io/process';
import { MDL, MDL_MAPPED_TO_SYSTEM_VA, MDL_PAGES_LOCKED, MDL_PARTIAL } from '../../src/kernel/mm/mdl';
import { FrameState } from '../../src/kernel/mm/physical-memory';
import { bootSmallMachine } from './machine-fixture';

const BUFFER_PAGES = 6;
const MAX_LIVE_MDLS = 16;
const SEED = 20_260_523;

interface ModelMdl {
  readonly partial: boolean;
  readonly first: number;
  readonly pages: number;
  /** For a partial: the index of its parent. */
  readonly parent: number | null;
  locked: boolean;
  wasLocked: boolean;
  mapped: boolean;
  freed: boolean;
}

interface Model {
  readonly lockCount: number[];
  /** The first byte of each buffer page, as last written. */
  readonly firstBytes: number[];
  readonly mdls: ModelMdl[];
  stopped: boolean;
}

interface Real {
  readonly machine: Machine;
  readonly process: Process;
  readonly va: number;
  /** Same indices as model.mdls. */
  readonly mdls: MDL[];
}

type MdlCommand = fc.Command<Model, Real>;

// --- choosing targets: always by index into what is live now ---------------

const liveIndices = (m: Model, keep: (d: ModelMdl, i: number) => boolean): number[] =>
  m.mdls.flatMap((d, i) => (!d.freed && keep(d, i) ? [i] : []));
const liveChildren = (m: Model, i: number): number[] => liveIndices(m, (d) => d.parent === i);
const lockablesOf = (m: Model) => liveIndices(m, (d) => !d.partial && !d.locked);
const unlockablesOf = (m: Model) => liveIndices(m, (d, i) => !d.partial && d.locked && liveChildren(m, i).length === 0);
const parentsOf = (m: Model) => liveIndices(m, (d) => !d.partial && d.locked);
const mappablesOf = (m: Model) => liveIndices(m, (d) => !d.mapped && (d.partial || d.locked));
const partialsOf = (m: Model) => liveIndices(m, (d) => d.partial);
const freeablesOf = (m: Model) => liveIndices(m, (d) => !d.partial && !d.locked);
const liveCount = (m: Model) => liveIndices(m, () => true).length;
const pick = (candidates: number[], i: number): number => candidates[i % candidates.length]!;

// --- agreement between model and machine ----------------------------------

function pageVa(r: Real, page: number): number {
  return r.va + page * PAGE_SIZE;
}

function assertAgrees(m: Model, r: Real): void {
  const { machine } = r;
  const as = r.process.addressSpace;
  for (let page = 0; page < BUFFER_PAGES; page++) {
    const pfn = machine.mm.translate(pageVa(r, page), as);
    const expected = m.lockCount[page]!;
    if (expected > 0) {
      assert.ok(pfn >= 0, `page ${page} is locked ${expected} time(s) but not resident`);
      assert.equal(machine.physical.lockCount[pfn], expected, `lock count of page ${page} (frame ${pfn})`);
    } else if (pfn >= 0) {
      assert.equal(machine.physical.lockCount[pfn], 0, `page ${page} should not be locked`);
    }
  }
  assert.equal(as.lockedPages, m.lockCount.reduce((a, b) => a + b, 0), 'locked pages of the process');
  let mappedPages = 0;
  m.mdls.forEach((d, i) => {
    if (d.freed) return;
    const mdl = r.mdls[i]!;
    assert.equal((mdl.MdlFlags & MDL_PAGES_LOCKED) !== 0, d.locked, `MDL ${i} locked flag`);
    assert.equal((mdl.MdlFlags & MDL_MAPPED_TO_SYSTEM_VA) !== 0, d.mapped, `MDL ${i} mapped flag`);
    assert.equal((mdl.MdlFlags & MDL_PARTIAL) !== 0, d.partial, `MDL ${i} partial flag`);
    if (d.mapped) mappedPages += d.pages;
  });
  assert.equal(machine.mm.systemPtes.inUse, mappedPages, 'system PTEs in use');
  assert.equal(machine.kernel.stopped, null, 'no bug check on a legal sequence');
}

// --- legal commands ---------------------------------------------------------

class AllocateMdl implements MdlCommand {
  constructor(readonly first: number, readonly pages: number) {}
  check = (m: Readonly<Model>) => !m.stopped && liveCount(m) < MAX_LIVE_MDLS;
  run(m: Model, r: Real): void {
    const pages = Math.min(this.pages, BUFFER_PAGES - this.first);
    const mdl = r.machine.kernel.mdl.IoAllocateMdl(pageVa(r, this.first), pages * PAGE_SIZE, false, false, null);
    assert.ok(mdl, 'IoAllocateMdl failed with plenty of pool');
    r.mdls.push(mdl);
    m.mdls.push({ partial: false, first: this.first, pages, parent: null, locked: false, wasLocked: false, mapped: false, freed: false });
    assertAgrees(m, r);
  }
  toString = () => `AllocateMdl(page ${this.first}, ${this.pages} pages)`;
}

function lockInModel(m: Model, i: number): void {
  const d = m.mdls[i]!;
  d.locked = true;
  d.wasLocked = true;
  for (let p = d.first; p < d.first + d.pages; p++) m.lockCount[p]!++;
}

function unlockInModel(m: Model, i: number): void {
  const d = m.mdls[i]!;
  d.locked = false;
  d.mapped = false;
  for (let p = d.first; p < d.first + d.pages; p++) m.lockCount[p]!--;
}

class Lock implements MdlCommand {
  constructor(readonly i: number) {}
  check = (m: Readonly<Model>) => !m.stopped && lockablesOf(m).length > 0;
  run(m: Model, r: Real): void {
    const i = pick(lockablesOf(m), this.i);
    r.machine.cpu.inProcess(r.process, () => r.machine.kernel.mdl.MmProbeAndLockPages(r.mdls[i]!, 'UserMode', 'IoWriteAccess'));
    lockInModel(m, i);
    assertAgrees(m, r);
  }
  toString = () => `Lock(${this.i})`;
}

class Unlock implements MdlCommand {
  constructor(readonly i: number) {}
  check = (m: Readonly<Model>) => !m.stopped && unlockablesOf(m).length > 0;
  run(m: Model, r: Real): void {
    const i = pick(unlockablesOf(m), this.i);
    r.machine.kernel.mdl.MmUnlockPages(r.mdls[i]!);
    unlockInModel(m, i);
    assertAgrees(m, r);
  }
  toString = () => `Unlock(${this.i})`;
}

function buildPartialInModelAndMachine(m: Model, r: Real, parentIndex: number, offset: number, length: number): number {
  const parent = m.mdls[parentIndex]!;
  const first = parent.first + (offset % parent.pages);
  const pages = 1 + (length % (parent.first + parent.pages - first));
  const target = r.machine.kernel.mdl.IoAllocateMdl(pageVa(r, first), pages * PAGE_SIZE, false, false, null);
  assert.ok(target, 'IoAllocateMdl failed with plenty of pool');
  r.machine.kernel.mdl.IoBuildPartialMdl(r.mdls[parentIndex]!, target, pageVa(r, first), pages * PAGE_SIZE);
  r.mdls.push(target);
  m.mdls.push({ partial: true, first, pages, parent: parentIndex, locked: false, wasLocked: false, mapped: false, freed: false });
  return m.mdls.length - 1;
}

class BuildPartial implements MdlCommand {
  constructor(readonly i: number, readonly offset: number, readonly length: number) {}
  check = (m: Readonly<Model>) => !m.stopped && parentsOf(m).length > 0 && liveCount(m) < MAX_LIVE_MDLS;
  run(m: Model, r: Real): void {
    const index = buildPartialInModelAndMachine(m, r, pick(parentsOf(m), this.i), this.offset, this.length);
    const partial = r.mdls[index]!;
    const parent = r.mdls[m.mdls[index]!.parent!]!;
    const skip = m.mdls[index]!.first - m.mdls[m.mdls[index]!.parent!]!.first;
    assert.deepEqual(partial.PfnArray, parent.PfnArray.slice(skip, skip + m.mdls[index]!.pages), 'the partial has the parent’s frames');
    assertAgrees(m, r);
  }
  toString = () => `BuildPartial(${this.i}, +${this.offset}, ${this.length})`;
}

class MapToSystem implements MdlCommand {
  constructor(readonly i: number) {}
  check = (m: Readonly<Model>) => !m.stopped && mappablesOf(m).length > 0;
  run(m: Model, r: Real): void {
    const i = pick(mappablesOf(m), this.i);
    const d = m.mdls[i]!;
    const sva = r.machine.kernel.mdl.MmGetSystemAddressForMdlSafe(r.mdls[i]!);
    assert.ok(sva !== null, 'mapping failed with plenty of system PTEs');
    d.mapped = true;
    // Kernel code sees the user's data through the mapping.
    assert.equal(r.machine.mm.readVirtual(sva, 1)[0], m.firstBytes[d.first]);
    assertAgrees(m, r);
  }
  toString = () => `MapToSystem(${this.i})`;
}

class FreePartial implements MdlCommand {
  constructor(readonly i: number) {}
  check = (m: Readonly<Model>) => !m.stopped && partialsOf(m).length > 0;
  run(m: Model, r: Real): void {
    const i = pick(partialsOf(m), this.i);
    r.machine.kernel.mdl.IoFreeMdl(r.mdls[i]!);
    m.mdls[i]!.freed = true;
    m.mdls[i]!.mapped = false;
    assertAgrees(m, r);
  }
  toString = () => `FreePartial(${this.i})`;
}

class FreeUnlocked implements MdlCommand {
  constructor(readonly i: number) {}
  check = (m: Readonly<Model>) => !m.stopped && freeablesOf(m).length > 0;
  run(m: Model, r: Real): void {
    const i = pick(freeablesOf(m), this.i);
    r.machine.kernel.mdl.IoFreeMdl(r.mdls[i]!);
    m.mdls[i]!.freed = true;
    assertAgrees(m, r);
  }
  toString = () => `FreeUnlocked(${this.i})`;
}

class Trim implements MdlCommand {
  check = (m: Readonly<Model>) => !m.stopped;
  run(m: Model, r: Real): void {
    const as = r.process.addressSpace;
    const before = Array.from({ length: BUFFER_PAGES }, (_, p) => r.machine.mm.translate(pageVa(r, p), as));
    r.machine.mm.applyMemoryPressure('severe');
    for (let p = 0; p < BUFFER_PAGES; p++) {
      const after = r.machine.mm.translate(pageVa(r, p), as);
      if (m.lockCount[p]! > 0) assert.equal(after, before[p], `locked page ${p} keeps its frame`);
      else assert.equal(after, -1, `unlocked page ${p} is trimmed`);
    }
    assertAgrees(m, r);
  }
  toString = () => 'Trim';
}

class Touch implements MdlCommand {
  constructor(readonly page: number, readonly value: number) {}
  check = (m: Readonly<Model>) => !m.stopped;
  run(m: Model, r: Real): void {
    const va = pageVa(r, this.page);
    r.machine.cpu.inProcess(r.process, () => {
      assert.equal(r.machine.mm.readVirtual(va, 1)[0], m.firstBytes[this.page], `page ${this.page} kept its data`);
      r.machine.mm.writeVirtual(va, Uint8Array.of(this.value));
    });
    m.firstBytes[this.page] = this.value;
    assertAgrees(m, r);
  }
  toString = () => `Touch(page ${this.page} = ${this.value})`;
}

// --- illegal commands: each finds or makes its target, then must stop the machine ---

function expectStop(m: Model, r: Real, code: number, p1: number, fn: () => void): BugCheck {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  m.stopped = true;
  assert.ok(caught instanceof BugCheck, `expected bug check ${hex(code)}/${hex(p1)}, got ${String(caught ?? 'nothing')}`);
  assert.equal(hex(caught.code), hex(code), caught.message);
  assert.equal(hex(caught.parameters[0]), hex(p1), caught.message);
  assert.equal(r.machine.kernel.stopped, caught);
  return caught;
}

function allocateWholeBuffer(m: Model, r: Real): number {
  new AllocateMdl(0, BUFFER_PAGES).run(m, r);
  return m.mdls.length - 1;
}

function lockedIndex(m: Model, r: Real): number {
  const i = allocateWholeBuffer(m, r);
  r.machine.cpu.inProcess(r.process, () => r.machine.kernel.mdl.MmProbeAndLockPages(r.mdls[i]!, 'UserMode', 'IoWriteAccess'));
  lockInModel(m, i);
  return i;
}

/** A locked parent with a live partial: an existing one if there is, else a new one. */
function parentWithPartial(m: Model, r: Real, i: number): number {
  const existing = parentsOf(m).filter((p) => liveChildren(m, p).length > 0);
  if (existing.length > 0) return pick(existing, i);
  const parent = parentsOf(m).length > 0 ? pick(parentsOf(m), i) : lockedIndex(m, r);
  buildPartialInModelAndMachine(m, r, parent, i, i);
  return parent;
}

function expect9A(m: Model, r: Real, parent: number, fn: () => void): void {
  const firstPartial = liveChildren(m, parent)[0]!;
  const page = m.mdls[firstPartial]!.first;
  const stop = expectStop(m, r, 0x4e, 0x9a, fn);
  const pfn = r.mdls[firstPartial]!.PfnArray[0]!;
  assert.deepEqual(stop.parameters.slice(1), [pfn, FrameState.Pageable, m.lockCount[page]], 'P2 frame, P3 state, P4 lock count');
}

class UnlockParentUnderPartial implements MdlCommand {
  constructor(readonly i: number) {}
  check = (m: Readonly<Model>) => !m.stopped;
  run(m: Model, r: Real): void {
    const parent = parentWithPartial(m, r, this.i);
    expect9A(m, r, parent, () => r.machine.kernel.mdl.MmUnlockPages(r.mdls[parent]!));
  }
  toString = () => `UnlockParentUnderPartial(${this.i})`;
}

class FreeParentUnderPartial implements MdlCommand {
  constructor(readonly i: number) {}
  check = (m: Readonly<Model>) => !m.stopped;
  run(m: Model, r: Real): void {
    const parent = parentWithPartial(m, r, this.i);
    expect9A(m, r, parent, () => r.machine.kernel.mdl.IoFreeMdl(r.mdls[parent]!));
  }
  toString = () => `FreeParentUnderPartial(${this.i})`;
}

class UnlockPartial implements MdlCommand {
  constructor(readonly i: number) {}
  check = (m: Readonly<Model>) => !m.stopped;
  run(m: Model, r: Real): void {
    const parent = parentWithPartial(m, r, this.i);
    const partial = pick(liveChildren(m, parent), this.i);
    expectStop(m, r, 0xc4, 0xb4, () => r.machine.kernel.mdl.MmUnlockPages(r.mdls[partial]!));
  }
  toString = () => `UnlockPartial(${this.i})`;
}

class UnlockTwice implements MdlCommand {
  constructor(readonly i: number) {}
  check = (m: Readonly<Model>) => !m.stopped;
  run(m: Model, r: Real): void {
    const unlocked = liveIndices(m, (d) => !d.partial && !d.locked && d.wasLocked);
    let i: number;
    if (unlocked.length > 0) i = pick(unlocked, this.i);
    else {
      i = lockedIndex(m, r);
      r.machine.kernel.mdl.MmUnlockPages(r.mdls[i]!);
      unlockInModel(m, i);
    }
    const stillLocked = m.lockCount.reduce((a, b) => a + b, 0);
    const stop = expectStop(m, r, 0x76, 0x01, () => r.machine.kernel.mdl.MmUnlockPages(r.mdls[i]!));
    assert.deepEqual(stop.parameters.slice(1, 3), [r.mdls[i]!.id, stillLocked]);
  }
  toString = () => `UnlockTwice(${this.i})`;
}

class UnlockNeverLocked implements MdlCommand {
  constructor(readonly i: number) {}
  check = (m: Readonly<Model>) => !m.stopped;
  run(m: Model, r: Real): void {
    const fresh = liveIndices(m, (d) => !d.partial && !d.wasLocked);
    const i = fresh.length > 0 ? pick(fresh, this.i) : allocateWholeBuffer(m, r);
    expectStop(m, r, 0xc4, 0x7c, () => r.machine.kernel.mdl.MmUnlockPages(r.mdls[i]!));
  }
  toString = () => `UnlockNeverLocked(${this.i})`;
}

class FreeWhileMapped implements MdlCommand {
  constructor(readonly i: number) {}
  check = (m: Readonly<Model>) => !m.stopped;
  run(m: Model, r: Real): void {
    const mapped = liveIndices(m, (d, i) => !d.partial && d.mapped && liveChildren(m, i).length === 0);
    let i: number;
    if (mapped.length > 0) i = pick(mapped, this.i);
    else {
      i = lockedIndex(m, r);
      assert.ok(r.machine.kernel.mdl.MmGetSystemAddressForMdlSafe(r.mdls[i]!));
      m.mdls[i]!.mapped = true;
    }
    expectStop(m, r, 0xc4, 0xb8, () => r.machine.kernel.mdl.IoFreeMdl(r.mdls[i]!));
  }
  toString = () => `FreeWhileMapped(${this.i})`;
}

class LockTwice implements MdlCommand {
  constructor(readonly i: number) {}
  check = (m: Readonly<Model>) => !m.stopped;
  run(m: Model, r: Real): void {
    const locked = liveIndices(m, (d) => !d.partial && d.locked);
    const i = locked.length > 0 ? pick(locked, this.i) : lockedIndex(m, r);
    expectStop(m, r, 0xc4, 0xb0, () => r.machine.cpu.inProcess(r.process, () => r.machine.kernel.mdl.MmProbeAndLockPages(r.mdls[i]!, 'UserMode', 'IoReadAccess')));
  }
  toString = () => `LockTwice(${this.i})`;
}

class FreeTwice implements MdlCommand {
  constructor(readonly i: number) {}
  check = (m: Readonly<Model>) => !m.stopped;
  run(m: Model, r: Real): void {
    const freed = m.mdls.flatMap((d, i) => (d.freed ? [i] : []));
    let i: number;
    if (freed.length > 0) i = pick(freed, this.i);
    else {
      i = allocateWholeBuffer(m, r);
      r.machine.kernel.mdl.IoFreeMdl(r.mdls[i]!);
      m.mdls[i]!.freed = true;
    }
    expectStop(m, r, 0xc2, 0x07, () => r.machine.kernel.mdl.IoFreeMdl(r.mdls[i]!));
  }
  toString = () => `FreeTwice(${this.i})`;
}

// --- arbitraries and properties -------------------------------------------

const index = fc.nat(31);
const legalCommands = [
  fc.tuple(fc.nat(BUFFER_PAGES - 1), fc.integer({ min: 1, max: BUFFER_PAGES })).map(([first, pages]) => new AllocateMdl(first, pages)),
  index.map((i) => new Lock(i)),
  index.map((i) => new Unlock(i)),
  fc.tuple(index, fc.nat(BUFFER_PAGES), fc.nat(BUFFER_PAGES)).map(([i, o, l]) => new BuildPartial(i, o, l)),
  index.map((i) => new MapToSystem(i)),
  index.map((i) => new FreePartial(i)),
  index.map((i) => new FreeUnlocked(i)),
  fc.constant(null).map(() => new Trim()),
  fc.tuple(fc.nat(BUFFER_PAGES - 1), fc.integer({ min: 1, max: 255 })).map(([page, value]) => new Touch(page, value)),
];
const illegalCommand: fc.Arbitrary<MdlCommand> = fc.oneof(
  index.map((i) => new UnlockParentUnderPartial(i)),
  index.map((i) => new FreeParentUnderPartial(i)),
  index.map((i) => new UnlockPartial(i)),
  index.map((i) => new UnlockTwice(i)),
  index.map((i) => new UnlockNeverLocked(i)),
  index.map((i) => new FreeWhileMapped(i)),
  index.map((i) => new LockTwice(i)),
  index.map((i) => new FreeTwice(i)),
);

function setup(): { model: Model; real: Real } {
  const machine = bootSmallMachine({ seed: 3 });
  const process = machine.kernel.createProcess('app');
  const va = machine.mm.allocateVirtual(process.addressSpace, BUFFER_PAGES * PAGE_SIZE);
  return {
    model: { lockCount: Array(BUFFER_PAGES).fill(0), firstBytes: Array(BUFFER_PAGES).fill(0), mdls: [], stopped: false },
    real: { machine, process, va, mdls: [] },
  };
}

describe('MDL sequences against a model of lock counts', () => {
  it('mostly legal sequences: the machine agrees with the model after every command, and an illegal step stops it as documented', () => {
    const mostlyLegal = fc.oneof(
      { weight: 80, arbitrary: fc.oneof(...legalCommands) },
      { weight: 1, arbitrary: illegalCommand },
    );
    fc.assert(
      fc.property(fc.commands([mostlyLegal], { maxCommands: 40, size: 'max' }), (commands) => {
        fc.modelRun(setup, commands);
      }),
      { seed: SEED, numRuns: 150 },
    );
  });

  it('an illegal step after any legal sequence always stops the machine with its bug check', () => {
    fc.assert(
      fc.property(fc.commands(legalCommands, { maxCommands: 25, size: 'max' }), illegalCommand, (commands, illegal) => {
        let world: { model: Model; real: Real } | undefined;
        fc.modelRun(() => (world = setup()), commands);
        assert.ok(world && !world.model.stopped, 'the legal prefix ran without a stop');
        assert.ok(illegal.check(world.model));
        illegal.run(world.model, world.real);
        assert.ok(world.model.stopped, 'the illegal step was taken');
        assert.ok(world.real.machine.kernel.stopped, 'the machine stopped');
      }),
      { seed: SEED, numRuns: 150 },
    );
  });
});
