/**
 * Model of pool accounting under injected allocation failures (CONT-4,
 * MDL-1; Driver Verifier's low-resources simulation in REFERENCES.md).
 *
 * The model keeps each pool's live blocks and a page budget fixed at boot,
 * and the fault rules armed so far with their own call counts. An
 * allocation must succeed exactly when no rule fires and the pool has room;
 * a failure changes nothing but the failure counters. After every command
 * the machine's used pages, live blocks, failure counts, injected-failure
 * counts and free physical frames (non-paged pool takes frames, paged pool
 * does not until touched) must match the model.
 *
 * A fraction rule fires at random (seeded): the model cannot know when, so
 * it accepts either outcome where such a rule applies and checks the rest.
 * Misuse (a double free, a wrong tag, a zero-byte allocation) must stop the
 * machine with BAD_POOL_CALLER or the verifier's 0xC4.
 */
import fc from 'fast-check';
import { hex } from '../../machine/bug-check';
import { Machine } from '../../machine/machine';
import { PAGE_SIZE } from '../../contracts/units';
import { FaultMode, FaultRule } from '../../kernel/fault-injector';
import { MDL } from '../../kernel/mm/mdl';
import { PoolType } from '../../kernel/mm/pool';
import { pickLive } from '../live-targets';
import { requireEqual, requireRule, requireStop } from '../rule-violation';
import { KernelModel } from './kernel-model';
import { bootModelMachine } from './model-machine';
import type { RuleRef } from '../../rules/rule-ref';

const POOL_PAGES = 48;
const MAX_RULES = 4;
const MAX_LIVE_BLOCKS = 40;
const CALL_SITES = ['alpha', 'beta', 'gamma'] as const;
const POOL_TYPES: readonly PoolType[] = ['NonPagedPool', 'PagedPool'];
const TAGS = ['Dma ', 'Buf ', 'Ring'] as const;

interface ModelRule {
  readonly rule: FaultRule;
  calls: number;
  readonly seenSites: Set<string>;
}

interface ModelBlock {
  readonly kind: 'pool' | 'mdl';
  readonly pool: PoolType;
  readonly pages: number;
  readonly tag: string;
  freed: boolean;
}

export interface PoolModel {
  readonly rules: ModelRule[];
  readonly blocks: ModelBlock[];
  readonly usedPages: Record<PoolType, number>;
  readonly failures: Record<PoolType, number>;
  /** Failures injected per fault point, as the injector counts them. */
  readonly injected: Map<string, number>;
  stopped: boolean;
}

export interface PoolReal {
  readonly machine: Machine;
  readonly freeFramesAtStart: number;
  /** Same indices as model.blocks: the pool address, or the MDL. */
  readonly blocks: (number | MDL)[];
}

type PoolCommand = fc.Command<PoolModel, PoolReal>;

const poolPoint = (pool: PoolType) => `ExAllocatePoolWithTag:${pool}`;

function matches(rule: FaultRule, point: string, callSite: string): boolean {
  const pointMatches = rule.point === point || (rule.point.endsWith('*') && point.startsWith(rule.point.slice(0, -1)));
  return pointMatches && (rule.callSite === undefined || rule.callSite === callSite);
}

/**
 * What the armed rules decide for one call: 'fail', 'pass', or 'either' when
 * a fraction rule with 0 < p < 1 applies and nothing else makes it fail.
 * Every matching rule counts the call, as the injector does.
 */
function decide(m: PoolModel, point: string, callSite: string): 'fail' | 'pass' | 'either' {
  let fail = false;
  let random = false;
  for (const r of m.rules) {
    if (!matches(r.rule, point, callSite)) continue;
    r.calls++;
    const mode = r.rule.mode;
    switch (mode.kind) {
      case 'nth': if (r.calls === mode.n) fail = true; break;
      case 'after': if (r.calls >= mode.n) fail = true; break;
      case 'every': fail = true; break;
      case 'fraction':
        if (mode.probability >= 1) fail = true;
        else if (mode.probability > 0) random = true;
        break;
      case 'first-per-call-site':
        if (!r.seenSites.has(callSite)) {
          r.seenSites.add(callSite);
          fail = true;
        }
        break;
    }
  }
  return fail ? 'fail' : random ? 'either' : 'pass';
}

function countInjected(m: PoolModel, point: string): void {
  m.injected.set(point, (m.injected.get(point) ?? 0) + 1);
}

/**
 * An allocation's outcome against the model: it fails exactly when a rule
 * fires or the pool has no room; where a fraction rule may fire, the
 * injector's own count says whether it did.
 */
function requireOutcome(rule: RuleRef, what: string, succeeded: boolean, decision: 'fail' | 'pass' | 'either', injected: boolean, room: boolean, pagesLeft: number, pages: number): void {
  const fires = decision === 'fail' || (decision === 'either' && injected);
  requireRule(rule, decision !== 'pass' || !injected, () => `${what}: a failure was injected although no armed rule fires for this call`);
  if (succeeded) requireRule(rule, !fires && room, () => `${what} succeeded, but ${fires ? 'an armed fault rule fires for it' : `the pool has ${pagesLeft} page(s) left for ${pages}`}`);
  else requireRule(rule, fires || !room, () => `${what} failed with ${pagesLeft} page(s) left for ${pages} and no fault rule firing`);
}

function assertAgrees(m: PoolModel, r: PoolReal): void {
  const mm = r.machine.mm;
  for (const pool of POOL_TYPES) {
    const real = mm.poolOf(pool);
    requireEqual('CONT-4', real.usedPages, m.usedPages[pool], `${pool} pages in use`);
    requireEqual('CONT-4', real.allocations.size, m.blocks.filter((b) => !b.freed && b.pool === pool).length, `${pool} live blocks`);
    requireEqual('CONT-4', real.failures, m.failures[pool], `${pool} allocation failures`);
  }
  for (const [point, n] of m.injected) requireEqual('CONT-4', r.machine.kernel.faults.injected.get(point) ?? 0, n, `failures injected at ${point}`);
  const nonPagedPages = m.usedPages.NonPagedPool;
  requireEqual('CONT-4', r.machine.physical.freeFrames, r.freeFramesAtStart - nonPagedPages, 'free physical frames (non-paged pool is resident, paged pool untouched)');
  requireRule('CONT-4', r.machine.kernel.stopped === null, () => `a legal sequence stopped the machine: ${r.machine.kernel.stopped?.message}`);
}

// --- legal commands ---------------------------------------------------------

class ArmFault implements PoolCommand {
  constructor(readonly point: string, readonly mode: FaultMode, readonly callSite: string | undefined) {}
  check = (m: Readonly<PoolModel>) => !m.stopped && m.rules.length < MAX_RULES;
  run(m: PoolModel, r: PoolReal): void {
    const rule: FaultRule = { point: this.point, mode: this.mode, ...(this.callSite === undefined ? {} : { callSite: this.callSite }) };
    r.machine.kernel.faults.add(rule);
    m.rules.push({ rule, calls: 0, seenSites: new Set() });
    assertAgrees(m, r);
  }
  toString = () => `ArmFault(${this.point}, ${JSON.stringify(this.mode)}${this.callSite === undefined ? '' : `, at ${this.callSite}`})`;
}

class ClearFaults implements PoolCommand {
  check = (m: Readonly<PoolModel>) => !m.stopped && m.rules.length > 0;
  run(m: PoolModel, r: PoolReal): void {
    r.machine.kernel.faults.clear();
    m.rules.length = 0;
    assertAgrees(m, r);
  }
  toString = () => 'ClearFaults';
}

class Allocate implements PoolCommand {
  constructor(readonly pool: PoolType, readonly bytes: number, readonly tag: string, readonly site: string) {}
  check = (m: Readonly<PoolModel>) => !m.stopped && m.blocks.filter((b) => !b.freed).length < MAX_LIVE_BLOCKS;
  run(m: PoolModel, r: PoolReal): void {
    const pages = Math.ceil(this.bytes / PAGE_SIZE);
    const point = poolPoint(this.pool);
    const decision = decide(m, point, this.site);
    const room = m.usedPages[this.pool] + pages <= POOL_PAGES;
    const injectedBefore = r.machine.kernel.faults.injected.get(point) ?? 0;
    const va = r.machine.mm.ExAllocatePoolWithTag(this.pool, this.bytes, this.tag, this.site);
    const injectedNow = (r.machine.kernel.faults.injected.get(point) ?? 0) - injectedBefore === 1;
    if (decision === 'fail' || (decision === 'either' && injectedNow)) countInjected(m, point);
    requireOutcome('CONT-4', `${this.pool} allocation of ${this.bytes} bytes`, va !== null, decision, injectedNow, room, POOL_PAGES - m.usedPages[this.pool], pages);
    if (va === null) {
      m.failures[this.pool]++;
    } else {
      m.usedPages[this.pool] += pages;
      m.blocks.push({ kind: 'pool', pool: this.pool, pages, tag: this.tag, freed: false });
      r.blocks.push(va);
      const a = r.machine.mm.poolAllocationAt(va);
      requireRule('CONT-4', a !== undefined && a.bytes === this.bytes && a.tag === this.tag && a.pool === this.pool, () => `the pool records block ${hex(va)} as ${JSON.stringify(a)}`);
    }
    assertAgrees(m, r);
  }
  toString = () => `Allocate(${this.pool}, ${this.bytes} bytes, '${this.tag}', at ${this.site})`;
}

/** IoAllocateMdl: its own fault point first, then a non-paged pool block for the header. */
class AllocateMdl implements PoolCommand {
  constructor(readonly pages: number, readonly site: string) {}
  check = (m: Readonly<PoolModel>) => !m.stopped && m.blocks.filter((b) => !b.freed).length < MAX_LIVE_BLOCKS;
  run(m: PoolModel, r: PoolReal): void {
    const headerPages = Math.ceil((48 + 8 * this.pages) / PAGE_SIZE);
    const faults = r.machine.kernel.faults;
    const mdlDecision = decide(m, 'IoAllocateMdl', this.site);
    const before = { mdl: faults.injected.get('IoAllocateMdl') ?? 0, pool: faults.injected.get(poolPoint('NonPagedPool')) ?? 0 };
    const mdl = r.machine.kernel.mdl.IoAllocateMdl(0x10000, this.pages * PAGE_SIZE, false, false, null, this.site);
    const mdlInjected = (faults.injected.get('IoAllocateMdl') ?? 0) - before.mdl === 1;
    if (mdlDecision === 'fail' || (mdlDecision === 'either' && mdlInjected)) {
      countInjected(m, 'IoAllocateMdl');
      requireRule('MDL-1', mdl === null, () => 'IoAllocateMdl succeeded although an armed fault rule fires for it');
      requireEqual('MDL-1', (faults.injected.get(poolPoint('NonPagedPool')) ?? 0) - before.pool, 0, 'pool failures injected by an IoAllocateMdl that failed before allocating');
      assertAgrees(m, r);
      return;
    }
    // The header's pool allocation sees the pool's rules, from the same call site.
    const poolDecision = decide(m, poolPoint('NonPagedPool'), this.site);
    const poolInjected = (faults.injected.get(poolPoint('NonPagedPool')) ?? 0) - before.pool === 1;
    if (poolDecision === 'fail' || (poolDecision === 'either' && poolInjected)) countInjected(m, poolPoint('NonPagedPool'));
    const room = m.usedPages.NonPagedPool + headerPages <= POOL_PAGES;
    requireOutcome('MDL-1', `IoAllocateMdl's ${headerPages}-page header`, mdl !== null, poolDecision, poolInjected, room, POOL_PAGES - m.usedPages.NonPagedPool, headerPages);
    if (mdl === null) {
      m.failures.NonPagedPool++;
    } else {
      m.usedPages.NonPagedPool += headerPages;
      m.blocks.push({ kind: 'mdl', pool: 'NonPagedPool', pages: headerPages, tag: 'Mdl ', freed: false });
      r.blocks.push(mdl);
    }
    assertAgrees(m, r);
  }
  toString = () => `AllocateMdl(${this.pages} pages, at ${this.site})`;
}

const liveBlocks = (m: PoolModel) => m.blocks.flatMap((b, i) => (b.freed ? [] : [i]));

function freeReal(r: PoolReal, i: number, tag: string): void {
  const block = r.blocks[i]!;
  if (block instanceof MDL) r.machine.kernel.mdl.IoFreeMdl(block);
  else r.machine.mm.ExFreePoolWithTag(block, tag);
}

class Free implements PoolCommand {
  constructor(readonly i: number) {}
  check = (m: Readonly<PoolModel>) => !m.stopped && liveBlocks(m).length > 0;
  run(m: PoolModel, r: PoolReal): void {
    const i = pickLive(liveBlocks(m), this.i);
    const b = m.blocks[i]!;
    freeReal(r, i, b.tag);
    b.freed = true;
    m.usedPages[b.pool] -= b.pages;
    assertAgrees(m, r);
  }
  toString = () => `Free(${this.i})`;
}

// --- misuse: must stop the machine ---------------------------------------------

function expectStop(m: PoolModel, r: PoolReal, code: number, p1: number, fn: () => void): void {
  m.stopped = true;
  requireStop('CONT-4', r.machine.kernel, code, p1, fn);
}

/** A pool block that is live or was: an existing one when there is, else a fresh one. */
function someBlock(m: PoolModel, r: PoolReal, i: number, freed: boolean): number {
  const candidates = m.blocks.flatMap((b, k) => (b.freed === freed && b.kind === 'pool' ? [k] : []));
  if (candidates.length > 0) return pickLive(candidates, i);
  r.machine.kernel.faults.clear();
  m.rules.length = 0;
  const va = r.machine.mm.ExAllocatePoolWithTag('NonPagedPool', 1, 'Once');
  requireRule('CONT-4', va !== null, () => 'a one-byte allocation failed with no fault rule armed');
  m.blocks.push({ kind: 'pool', pool: 'NonPagedPool', pages: 1, tag: 'Once', freed: false });
  r.blocks.push(va);
  if (freed) {
    r.machine.mm.ExFreePoolWithTag(va, 'Once');
    m.blocks[m.blocks.length - 1]!.freed = true;
  }
  return m.blocks.length - 1;
}

class FreeTwice implements PoolCommand {
  constructor(readonly i: number) {}
  check = (m: Readonly<PoolModel>) => !m.stopped;
  run(m: PoolModel, r: PoolReal): void {
    const i = someBlock(m, r, this.i, true);
    expectStop(m, r, 0xc2, 0x07, () => r.machine.mm.ExFreePoolWithTag(r.blocks[i] as number, m.blocks[i]!.tag));
  }
  toString = () => `FreeTwice(${this.i})`;
}

class FreeWithWrongTag implements PoolCommand {
  constructor(readonly i: number) {}
  check = (m: Readonly<PoolModel>) => !m.stopped;
  run(m: PoolModel, r: PoolReal): void {
    const i = someBlock(m, r, this.i, false);
    expectStop(m, r, 0xc2, 0x0a, () => r.machine.mm.ExFreePoolWithTag(r.blocks[i] as number, 'Oops'));
  }
  toString = () => `FreeWithWrongTag(${this.i})`;
}

class AllocateZeroBytes implements PoolCommand {
  constructor(readonly pool: PoolType) {}
  check = (m: Readonly<PoolModel>) => !m.stopped;
  run(m: PoolModel, r: PoolReal): void {
    expectStop(m, r, 0xc4, 0x00, () => r.machine.mm.ExAllocatePoolWithTag(this.pool, 0, 'Zero'));
  }
  toString = () => `AllocateZeroBytes(${this.pool})`;
}

// --- arbitraries ------------------------------------------------------------

const poolType = fc.constantFrom(...POOL_TYPES);
const site = fc.constantFrom(...CALL_SITES);
/** Mostly small blocks, a few of several pages, so the 48-page pools fill up now and then. */
const bytes = fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 1, max: PAGE_SIZE }) }, { weight: 1, arbitrary: fc.integer({ min: PAGE_SIZE + 1, max: 12 * PAGE_SIZE }) });
const faultMode: fc.Arbitrary<FaultMode> = fc.oneof(
  fc.integer({ min: 1, max: 6 }).map((n): FaultMode => ({ kind: 'nth', n })),
  fc.integer({ min: 1, max: 8 }).map((n): FaultMode => ({ kind: 'after', n })),
  fc.constant<FaultMode>({ kind: 'every' }),
  fc.constantFrom(0, 0.06, 0.5, 1).map((probability): FaultMode => ({ kind: 'fraction', probability })),
  fc.constant<FaultMode>({ kind: 'first-per-call-site' }),
);
const faultPoint = fc.constantFrom(poolPoint('NonPagedPool'), poolPoint('PagedPool'), 'ExAllocatePoolWithTag:*', 'IoAllocateMdl');
const index = fc.nat(63);

const legal: fc.Arbitrary<PoolCommand> = fc.oneof(
  { weight: 2, arbitrary: fc.tuple(faultPoint, faultMode, fc.option(site, { nil: undefined })).map(([p, mode, s]) => new ArmFault(p, mode, s)) },
  { weight: 1, arbitrary: fc.constant(null).map(() => new ClearFaults()) },
  { weight: 8, arbitrary: fc.tuple(poolType, bytes, fc.constantFrom(...TAGS), site).map(([p, b, t, s]) => new Allocate(p, b, t, s)) },
  { weight: 2, arbitrary: fc.tuple(fc.integer({ min: 1, max: 600 }), site).map(([pages, s]) => new AllocateMdl(pages, s)) },
  { weight: 5, arbitrary: index.map((i) => new Free(i)) },
);
const misuse: fc.Arbitrary<PoolCommand> = fc.oneof(
  index.map((i) => new FreeTwice(i)),
  index.map((i) => new FreeWithWrongTag(i)),
  poolType.map((p) => new AllocateZeroBytes(p)),
);

export function setupPoolModel(): { model: PoolModel; real: PoolReal } {
  const machine = bootModelMachine({ seed: 5, nonPagedPoolBytes: POOL_PAGES * PAGE_SIZE, pagedPoolBytes: POOL_PAGES * PAGE_SIZE });
  return {
    model: { rules: [], blocks: [], usedPages: { NonPagedPool: 0, PagedPool: 0 }, failures: { NonPagedPool: 0, PagedPool: 0 }, injected: new Map(), stopped: false },
    real: { machine, freeFramesAtStart: machine.physical.freeFrames, blocks: [] },
  };
}

export const poolKernelModel: KernelModel<PoolModel, PoolReal> = {
  name: 'pool',
  title: 'pool accounting with injected allocation failures',
  rules: ['CONT-4', 'MDL-1'],
  commands: fc.oneof({ weight: 60, arbitrary: legal }, { weight: 1, arbitrary: misuse }),
  maxCommands: 50,
  setup: setupPoolModel,
};
