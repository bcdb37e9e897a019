/**
 * Model of MDL lock, unlock, partial-MDL, mapping and free sequences
 * (PAGE-1, PAGE-5, MDL-2, MDL-3). The model keeps a lock count per buffer
 * page and the state of each MDL; after every command the machine must
 * agree: lock count per frame, locked pages of the process, MDL flags,
 * system PTEs in use, and page contents across trims.
 *
 * Legal commands make up most sequences. An illegal order (unlocking or
 * freeing a parent under a live partial, unlocking a partial, unlocking
 * twice or never-locked, freeing a mapped MDL, locking twice, freeing twice)
 * must stop the machine with its documented bug check; the run ends there.
 */
import fc from 'fast-check';
import { BugCheck, hex } from '../../machine/bug-check';
import { Machine } from '../../machine/machine';
import { PAGE_SIZE } from '../../contracts/units';
import { Process } from '../../kernel/io/process';
import { MDL, MDL_MAPPED_TO_SYSTEM_VA, MDL_PAGES_LOCKED, MDL_PARTIAL } from '../../kernel/mm/mdl';
import { FrameState } from '../../kernel/mm/physical-memory';
import { pickLive } from '../live-targets';
import { requireEqual, requireRule, requireStop } from '../rule-violation';
import { KernelModel } from './kernel-model';
import { bootModelMachine } from './model-machine';
import type { RuleRef } from '../../rules/rule-ref';

export const MDL_BUFFER_PAGES = 6;
const MAX_LIVE_MDLS = 16;

export interface ModelMdl {
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

export interface MdlModel {
  readonly lockCount: number[];
  /** The first byte of each buffer page, as last written. */
  readonly firstBytes: number[];
  readonly mdls: ModelMdl[];
  stopped: boolean;
}

export interface MdlReal {
  readonly machine: Machine;
  readonly process: Process;
  readonly va: number;
  /** Same indices as model.mdls. */
  readonly mdls: MDL[];
}

export type MdlCommand = fc.Command<MdlModel, MdlReal>;

// --- choosing targets: always by index into what is live now ---------------

const liveIndices = (m: MdlModel, keep: (d: ModelMdl, i: number) => boolean): number[] =>
  m.mdls.flatMap((d, i) => (!d.freed && keep(d, i) ? [i] : []));
const liveChildren = (m: MdlModel, i: number): number[] => liveIndices(m, (d) => d.parent === i);
const lockablesOf = (m: MdlModel) => liveIndices(m, (d) => !d.partial && !d.locked);
const unlockablesOf = (m: MdlModel) => liveIndices(m, (d, i) => !d.partial && d.locked && liveChildren(m, i).length === 0);
const parentsOf = (m: MdlModel) => liveIndices(m, (d) => !d.partial && d.locked);
const mappablesOf = (m: MdlModel) => liveIndices(m, (d) => !d.mapped && (d.partial || d.locked));
const partialsOf = (m: MdlModel) => liveIndices(m, (d) => d.partial);
const freeablesOf = (m: MdlModel) => liveIndices(m, (d) => !d.partial && !d.locked);
const liveCount = (m: MdlModel) => liveIndices(m, () => true).length;

// --- agreement between model and machine ----------------------------------

function pageVa(r: MdlReal, page: number): number {
  return r.va + page * PAGE_SIZE;
}

function assertAgrees(m: MdlModel, r: MdlReal): void {
  const { machine } = r;
  const as = r.process.addressSpace;
  for (let page = 0; page < MDL_BUFFER_PAGES; page++) {
    const pfn = machine.mm.translate(pageVa(r, page), as);
    const expected = m.lockCount[page]!;
    if (expected > 0) {
      requireRule('PAGE-1', pfn >= 0, () => `page ${page} is locked ${expected} time(s) but not resident`);
      requireEqual('PAGE-5', machine.physical.lockCount[pfn], expected, `lock count of page ${page} (frame ${pfn})`);
    } else if (pfn >= 0) {
      requireEqual('PAGE-5', machine.physical.lockCount[pfn], 0, `lock count of unlocked page ${page} (frame ${pfn})`);
    }
  }
  requireEqual('PAGE-5', as.lockedPages, m.lockCount.reduce((a, b) => a + b, 0), 'locked pages of the process');
  let mappedPages = 0;
  m.mdls.forEach((d, i) => {
    if (d.freed) return;
    const mdl = r.mdls[i]!;
    requireEqual('PAGE-5', (mdl.MdlFlags & MDL_PAGES_LOCKED) !== 0, d.locked, `MDL ${i} locked flag`);
    requireEqual('MDL-3', (mdl.MdlFlags & MDL_MAPPED_TO_SYSTEM_VA) !== 0, d.mapped, `MDL ${i} mapped flag`);
    requireEqual('MDL-2', (mdl.MdlFlags & MDL_PARTIAL) !== 0, d.partial, `MDL ${i} partial flag`);
    if (d.mapped) mappedPages += d.pages;
  });
  requireEqual('MDL-3', machine.mm.systemPtes.inUse, mappedPages, 'system PTEs in use');
  requireRule('PAGE-5', machine.kernel.stopped === null, () => `a legal sequence stopped the machine: ${machine.kernel.stopped?.message}`);
}

// --- legal commands ---------------------------------------------------------

class AllocateMdl implements MdlCommand {
  constructor(readonly first: number, readonly pages: number) {}
  check = (m: Readonly<MdlModel>) => !m.stopped && liveCount(m) < MAX_LIVE_MDLS;
  run(m: MdlModel, r: MdlReal): void {
    const pages = Math.min(this.pages, MDL_BUFFER_PAGES - this.first);
    const mdl = r.machine.kernel.mdl.IoAllocateMdl(pageVa(r, this.first), pages * PAGE_SIZE, false, false, null);
    requireRule('MDL-1', mdl !== null, () => 'IoAllocateMdl failed with plenty of pool');
    r.mdls.push(mdl);
    m.mdls.push({ partial: false, first: this.first, pages, parent: null, locked: false, wasLocked: false, mapped: false, freed: false });
    assertAgrees(m, r);
  }
  toString = () => `AllocateMdl(page ${this.first}, ${this.pages} pages)`;
}

function lockInModel(m: MdlModel, i: number): void {
  const d = m.mdls[i]!;
  d.locked = true;
  d.wasLocked = true;
  for (let p = d.first; p < d.first + d.pages; p++) m.lockCount[p]!++;
}

function unlockInModel(m: MdlModel, i: number): void {
  const d = m.mdls[i]!;
  d.locked = false;
  d.mapped = false;
  for (let p = d.first; p < d.first + d.pages; p++) m.lockCount[p]!--;
}

class Lock implements MdlCommand {
  constructor(readonly i: number) {}
  check = (m: Readonly<MdlModel>) => !m.stopped && lockablesOf(m).length > 0;
  run(m: MdlModel, r: MdlReal): void {
    const i = pickLive(lockablesOf(m), this.i);
    r.machine.cpu.inProcess(r.process, () => r.machine.kernel.mdl.MmProbeAndLockPages(r.mdls[i]!, 'UserMode', 'IoWriteAccess'));
    lockInModel(m, i);
    assertAgrees(m, r);
  }
  toString = () => `Lock(${this.i})`;
}

class Unlock implements MdlCommand {
  constructor(readonly i: number) {}
  check = (m: Readonly<MdlModel>) => !m.stopped && unlockablesOf(m).length > 0;
  run(m: MdlModel, r: MdlReal): void {
    const i = pickLive(unlockablesOf(m), this.i);
    r.machine.kernel.mdl.MmUnlockPages(r.mdls[i]!);
    unlockInModel(m, i);
    assertAgrees(m, r);
  }
  toString = () => `Unlock(${this.i})`;
}

function buildPartial(m: MdlModel, r: MdlReal, parentIndex: number, offset: number, length: number): number {
  const parent = m.mdls[parentIndex]!;
  const first = parent.first + (offset % parent.pages);
  const pages = 1 + (length % (parent.first + parent.pages - first));
  const target = r.machine.kernel.mdl.IoAllocateMdl(pageVa(r, first), pages * PAGE_SIZE, false, false, null);
  requireRule('MDL-1', target !== null, () => 'IoAllocateMdl failed with plenty of pool');
  r.machine.kernel.mdl.IoBuildPartialMdl(r.mdls[parentIndex]!, target, pageVa(r, first), pages * PAGE_SIZE);
  r.mdls.push(target);
  m.mdls.push({ partial: true, first, pages, parent: parentIndex, locked: false, wasLocked: false, mapped: false, freed: false });
  return m.mdls.length - 1;
}

class BuildPartial implements MdlCommand {
  constructor(readonly i: number, readonly offset: number, readonly length: number) {}
  check = (m: Readonly<MdlModel>) => !m.stopped && parentsOf(m).length > 0 && liveCount(m) < MAX_LIVE_MDLS;
  run(m: MdlModel, r: MdlReal): void {
    const index = buildPartial(m, r, pickLive(parentsOf(m), this.i), this.offset, this.length);
    const d = m.mdls[index]!;
    const partial = r.mdls[index]!;
    const parent = r.mdls[d.parent!]!;
    const skip = d.first - m.mdls[d.parent!]!.first;
    const expected = parent.PfnArray.slice(skip, skip + d.pages);
    requireRule('MDL-2', partial.PfnArray.length === expected.length && partial.PfnArray.every((pfn, k) => pfn === expected[k]),
      () => `partial MDL ${index} has frames [${partial.PfnArray}], its parent's are [${expected}] there`);
    assertAgrees(m, r);
  }
  toString = () => `BuildPartial(${this.i}, +${this.offset}, ${this.length})`;
}

class MapToSystem implements MdlCommand {
  constructor(readonly i: number) {}
  check = (m: Readonly<MdlModel>) => !m.stopped && mappablesOf(m).length > 0;
  run(m: MdlModel, r: MdlReal): void {
    const i = pickLive(mappablesOf(m), this.i);
    const d = m.mdls[i]!;
    const sva = r.machine.kernel.mdl.MmGetSystemAddressForMdlSafe(r.mdls[i]!);
    requireRule('MDL-3', sva !== null, () => 'MmGetSystemAddressForMdlSafe failed with plenty of system PTEs');
    d.mapped = true;
    // Kernel code sees the user's data through the mapping.
    requireEqual('MDL-3', r.machine.mm.readVirtual(sva, 1)[0], m.firstBytes[d.first], `first byte of MDL ${i} read through its system mapping`);
    assertAgrees(m, r);
  }
  toString = () => `MapToSystem(${this.i})`;
}

class FreePartial implements MdlCommand {
  constructor(readonly i: number) {}
  check = (m: Readonly<MdlModel>) => !m.stopped && partialsOf(m).length > 0;
  run(m: MdlModel, r: MdlReal): void {
    const i = pickLive(partialsOf(m), this.i);
    r.machine.kernel.mdl.IoFreeMdl(r.mdls[i]!);
    m.mdls[i]!.freed = true;
    m.mdls[i]!.mapped = false;
    assertAgrees(m, r);
  }
  toString = () => `FreePartial(${this.i})`;
}

class FreeUnlocked implements MdlCommand {
  constructor(readonly i: number) {}
  check = (m: Readonly<MdlModel>) => !m.stopped && freeablesOf(m).length > 0;
  run(m: MdlModel, r: MdlReal): void {
    const i = pickLive(freeablesOf(m), this.i);
    r.machine.kernel.mdl.IoFreeMdl(r.mdls[i]!);
    m.mdls[i]!.freed = true;
    assertAgrees(m, r);
  }
  toString = () => `FreeUnlocked(${this.i})`;
}

class Trim implements MdlCommand {
  check = (m: Readonly<MdlModel>) => !m.stopped;
  run(m: MdlModel, r: MdlReal): void {
    const as = r.process.addressSpace;
    const before = Array.from({ length: MDL_BUFFER_PAGES }, (_, p) => r.machine.mm.translate(pageVa(r, p), as));
    r.machine.mm.applyMemoryPressure('severe');
    for (let p = 0; p < MDL_BUFFER_PAGES; p++) {
      const after = r.machine.mm.translate(pageVa(r, p), as);
      if (m.lockCount[p]! > 0) requireEqual('PAGE-1', after, before[p], `frame of locked page ${p} after severe memory pressure`);
      else requireEqual('PAGE-2', after, -1, `frame of unlocked page ${p} after severe memory pressure`);
    }
    assertAgrees(m, r);
  }
  toString = () => 'Trim';
}

class Touch implements MdlCommand {
  constructor(readonly page: number, readonly value: number) {}
  check = (m: Readonly<MdlModel>) => !m.stopped;
  run(m: MdlModel, r: MdlReal): void {
    const va = pageVa(r, this.page);
    r.machine.cpu.inProcess(r.process, () => {
      requireEqual('PAGE-2', r.machine.mm.readVirtual(va, 1)[0], m.firstBytes[this.page], `first byte of page ${this.page}, paged out and in again`);
      r.machine.mm.writeVirtual(va, Uint8Array.of(this.value));
    });
    m.firstBytes[this.page] = this.value;
    assertAgrees(m, r);
  }
  toString = () => `Touch(page ${this.page} = ${this.value})`;
}

// --- illegal commands: each finds or makes its target, then must stop the machine ---

function expectStop(m: MdlModel, r: MdlReal, rule: RuleRef, code: number, p1: number, fn: () => void): BugCheck {
  m.stopped = true;
  return requireStop(rule, r.machine.kernel, code, p1, fn);
}

function allocateWholeBuffer(m: MdlModel, r: MdlReal): number {
  new AllocateMdl(0, MDL_BUFFER_PAGES).run(m, r);
  return m.mdls.length - 1;
}

function lockedIndex(m: MdlModel, r: MdlReal): number {
  const i = allocateWholeBuffer(m, r);
  r.machine.cpu.inProcess(r.process, () => r.machine.kernel.mdl.MmProbeAndLockPages(r.mdls[i]!, 'UserMode', 'IoWriteAccess'));
  lockInModel(m, i);
  return i;
}

/** A locked parent with a live partial: an existing one if there is, else a new one. */
function parentWithPartial(m: MdlModel, r: MdlReal, i: number): number {
  const existing = parentsOf(m).filter((p) => liveChildren(m, p).length > 0);
  if (existing.length > 0) return pickLive(existing, i);
  const parent = parentsOf(m).length > 0 ? pickLive(parentsOf(m), i) : lockedIndex(m, r);
  buildPartial(m, r, parent, i, i);
  return parent;
}

function expect9A(m: MdlModel, r: MdlReal, parent: number, fn: () => void): void {
  const firstPartial = liveChildren(m, parent)[0]!;
  const page = m.mdls[firstPartial]!.first;
  const stop = expectStop(m, r, 'MDL-2', 0x4e, 0x9a, fn);
  const pfn = r.mdls[firstPartial]!.PfnArray[0]!;
  const expected = [pfn, FrameState.Pageable, m.lockCount[page]!];
  requireRule('MDL-2', stop.parameters.slice(1).every((p, k) => p === expected[k]),
    () => `0x4E/0x9A parameters 2..4 are ${stop.parameters.slice(1).map(hex)}, expected frame, state, lock count ${expected.map(hex)}`);
}

class UnlockParentUnderPartial implements MdlCommand {
  constructor(readonly i: number) {}
  check = (m: Readonly<MdlModel>) => !m.stopped;
  run(m: MdlModel, r: MdlReal): void {
    const parent = parentWithPartial(m, r, this.i);
    expect9A(m, r, parent, () => r.machine.kernel.mdl.MmUnlockPages(r.mdls[parent]!));
  }
  toString = () => `UnlockParentUnderPartial(${this.i})`;
}

class FreeParentUnderPartial implements MdlCommand {
  constructor(readonly i: number) {}
  check = (m: Readonly<MdlModel>) => !m.stopped;
  run(m: MdlModel, r: MdlReal): void {
    const parent = parentWithPartial(m, r, this.i);
    expect9A(m, r, parent, () => r.machine.kernel.mdl.IoFreeMdl(r.mdls[parent]!));
  }
  toString = () => `FreeParentUnderPartial(${this.i})`;
}

class UnlockPartial implements MdlCommand {
  constructor(readonly i: number) {}
  check = (m: Readonly<MdlModel>) => !m.stopped;
  run(m: MdlModel, r: MdlReal): void {
    const parent = parentWithPartial(m, r, this.i);
    const partial = pickLive(liveChildren(m, parent), this.i);
    expectStop(m, r, 'MDL-2', 0xc4, 0xb4, () => r.machine.kernel.mdl.MmUnlockPages(r.mdls[partial]!));
  }
  toString = () => `UnlockPartial(${this.i})`;
}

class UnlockTwice implements MdlCommand {
  constructor(readonly i: number) {}
  check = (m: Readonly<MdlModel>) => !m.stopped;
  run(m: MdlModel, r: MdlReal): void {
    const unlocked = liveIndices(m, (d) => !d.partial && !d.locked && d.wasLocked);
    let i: number;
    if (unlocked.length > 0) i = pickLive(unlocked, this.i);
    else {
      i = lockedIndex(m, r);
      r.machine.kernel.mdl.MmUnlockPages(r.mdls[i]!);
      unlockInModel(m, i);
    }
    const stillLocked = m.lockCount.reduce((a, b) => a + b, 0);
    const stop = expectStop(m, r, 'PAGE-5', 0x76, 0x01, () => r.machine.kernel.mdl.MmUnlockPages(r.mdls[i]!));
    requireEqual('PAGE-5', stop.parameters[1], r.mdls[i]!.id, '0x76/1 parameter 2 (the MDL)');
    requireEqual('PAGE-5', stop.parameters[2], stillLocked, '0x76/1 parameter 3 (pages still locked)');
  }
  toString = () => `UnlockTwice(${this.i})`;
}

class UnlockNeverLocked implements MdlCommand {
  constructor(readonly i: number) {}
  check = (m: Readonly<MdlModel>) => !m.stopped;
  run(m: MdlModel, r: MdlReal): void {
    const fresh = liveIndices(m, (d) => !d.partial && !d.wasLocked);
    const i = fresh.length > 0 ? pickLive(fresh, this.i) : allocateWholeBuffer(m, r);
    expectStop(m, r, 'PAGE-5', 0xc4, 0x7c, () => r.machine.kernel.mdl.MmUnlockPages(r.mdls[i]!));
  }
  toString = () => `UnlockNeverLocked(${this.i})`;
}

class FreeWhileMapped implements MdlCommand {
  constructor(readonly i: number) {}
  check = (m: Readonly<MdlModel>) => !m.stopped;
  run(m: MdlModel, r: MdlReal): void {
    const mapped = liveIndices(m, (d, i) => !d.partial && d.mapped && liveChildren(m, i).length === 0);
    let i: number;
    if (mapped.length > 0) i = pickLive(mapped, this.i);
    else {
      i = lockedIndex(m, r);
      requireRule('MDL-3', r.machine.kernel.mdl.MmGetSystemAddressForMdlSafe(r.mdls[i]!) !== null, () => 'MmGetSystemAddressForMdlSafe failed with plenty of system PTEs');
      m.mdls[i]!.mapped = true;
    }
    expectStop(m, r, 'MDL-3', 0xc4, 0xb8, () => r.machine.kernel.mdl.IoFreeMdl(r.mdls[i]!));
  }
  toString = () => `FreeWhileMapped(${this.i})`;
}

class LockTwice implements MdlCommand {
  constructor(readonly i: number) {}
  check = (m: Readonly<MdlModel>) => !m.stopped;
  run(m: MdlModel, r: MdlReal): void {
    const locked = liveIndices(m, (d) => !d.partial && d.locked);
    const i = locked.length > 0 ? pickLive(locked, this.i) : lockedIndex(m, r);
    expectStop(m, r, 'PAGE-5', 0xc4, 0xb0, () => r.machine.cpu.inProcess(r.process, () => r.machine.kernel.mdl.MmProbeAndLockPages(r.mdls[i]!, 'UserMode', 'IoReadAccess')));
  }
  toString = () => `LockTwice(${this.i})`;
}

class FreeTwice implements MdlCommand {
  constructor(readonly i: number) {}
  check = (m: Readonly<MdlModel>) => !m.stopped;
  run(m: MdlModel, r: MdlReal): void {
    const freed = m.mdls.flatMap((d, i) => (d.freed ? [i] : []));
    let i: number;
    if (freed.length > 0) i = pickLive(freed, this.i);
    else {
      i = allocateWholeBuffer(m, r);
      r.machine.kernel.mdl.IoFreeMdl(r.mdls[i]!);
      m.mdls[i]!.freed = true;
    }
    expectStop(m, r, 'MDL-1', 0xc2, 0x07, () => r.machine.kernel.mdl.IoFreeMdl(r.mdls[i]!));
  }
  toString = () => `FreeTwice(${this.i})`;
}

// --- arbitraries ------------------------------------------------------------

const index = fc.nat(31);

export const mdlLegalCommands: readonly fc.Arbitrary<MdlCommand>[] = [
  fc.tuple(fc.nat(MDL_BUFFER_PAGES - 1), fc.integer({ min: 1, max: MDL_BUFFER_PAGES })).map(([first, pages]) => new AllocateMdl(first, pages)),
  index.map((i) => new Lock(i)),
  index.map((i) => new Unlock(i)),
  fc.tuple(index, fc.nat(MDL_BUFFER_PAGES), fc.nat(MDL_BUFFER_PAGES)).map(([i, o, l]) => new BuildPartial(i, o, l)),
  index.map((i) => new MapToSystem(i)),
  index.map((i) => new FreePartial(i)),
  index.map((i) => new FreeUnlocked(i)),
  fc.constant(null).map(() => new Trim()),
  fc.tuple(fc.nat(MDL_BUFFER_PAGES - 1), fc.integer({ min: 1, max: 255 })).map(([page, value]) => new Touch(page, value)),
];

export const mdlIllegalCommand: fc.Arbitrary<MdlCommand> = fc.oneof(
  index.map((i) => new UnlockParentUnderPartial(i)),
  index.map((i) => new FreeParentUnderPartial(i)),
  index.map((i) => new UnlockPartial(i)),
  index.map((i) => new UnlockTwice(i)),
  index.map((i) => new UnlockNeverLocked(i)),
  index.map((i) => new FreeWhileMapped(i)),
  index.map((i) => new LockTwice(i)),
  index.map((i) => new FreeTwice(i)),
);

/** A process with a six-page buffer on a small machine; the model starts with nothing locked. */
export function setupMdlModel(): { model: MdlModel; real: MdlReal } {
  const machine = bootModelMachine({ seed: 3 });
  const process = machine.kernel.createProcess('app');
  const va = machine.mm.allocateVirtual(process.addressSpace, MDL_BUFFER_PAGES * PAGE_SIZE);
  return {
    model: { lockCount: Array(MDL_BUFFER_PAGES).fill(0), firstBytes: Array(MDL_BUFFER_PAGES).fill(0), mdls: [], stopped: false },
    real: { machine, process, va, mdls: [] },
  };
}

/** Mostly legal sequences, with an occasional illegal step that must stop the machine as documented. */
export const mdlKernelModel: KernelModel<MdlModel, MdlReal> = {
  name: 'mdl',
  title: 'MDL lock, unlock, partial MDLs, system mappings and free',
  rules: ['PAGE-1', 'PAGE-2', 'PAGE-5', 'MDL-1', 'MDL-2', 'MDL-3'],
  commands: fc.oneof({ weight: 80, arbitrary: fc.oneof(...mdlLegalCommands) }, { weight: 1, arbitrary: mdlIllegalCommand }),
  maxCommands: 40,
  setup: setupMdlModel,
};
