/**
 * Model of scatter/gather list sizes (SG-3, SG-4, SG-7, MDL-5): arbitrary
 * start offsets, lengths and MDL chains.
 *
 * The model knows each locked buffer (where it starts in a process region,
 * how long it is, which buffer is chained after it) and works out, for a
 * transfer, how many pages each piece of the chain spans and which frames it
 * covers (read from the process's page table, not from the MDL). Then:
 *  - CalculateScatterGatherList gives one map register per page spanned
 *    (with no MDL: the worst case for the range), and a size that grows
 *    with the page count and nothing else;
 *  - BuildScatterGatherList succeeds exactly when the caller's buffer is at
 *    least the calculated size (and the adapter has the map registers), and
 *    allocates nothing;
 *  - GetScatterGatherList allocates the list from non-paged pool, and
 *    PutScatterGatherList gives it back;
 *  - every list's elements are the covered frames in transfer order, adjacent
 *    frames merged, lengths summing to the transfer.
 * A second put of a list is a verifier finding (recorded, not a stop).
 */
import fc from 'fast-check';
import { DISPATCH_LEVEL } from '../../machine/irql';
import { Machine } from '../../machine/machine';
import { NtStatus, STATUS, statusName } from '../../machine/ntstatus';
import { ADDRESS_AND_SIZE_TO_SPAN_PAGES, PAGE_SIZE } from '../../contracts/units';
import { Process } from '../../kernel/io/process';
import { MDL } from '../../kernel/mm/mdl';
import { DMA_ADAPTER, DmaAdapter, adapterOf } from '../../kernel/hal/dma-adapter';
import { SCATTER_GATHER_ELEMENT, SCATTER_GATHER_LIST } from '../../kernel/hal/scatter-gather-list';
import { pickLive } from '../live-targets';
import { requireEqual, requireRule } from '../rule-violation';
import { KernelModel } from './kernel-model';
import { bootModelMachine } from './model-machine';

const REGION_PAGES = 32;
const MAX_BUFFERS = 6;
const MAX_LISTS = 6;
/** The adapter's longest transfer: 16 pages, so it is granted 17 map registers. */
const MAXIMUM_LENGTH = 16 * PAGE_SIZE;

interface ModelBuffer {
  /** Byte offset of the buffer in the process region. */
  readonly start: number;
  readonly length: number;
  /** The buffer chained after this one (MDL.Next), by index. */
  next: number | null;
}

interface ModelList {
  readonly pages: number;
  readonly writeToDevice: boolean;
  /** Pool pages the HAL took for a GetScatterGatherList list; 0 for a built one. */
  readonly poolPages: number;
  put: boolean;
}

export interface ScatterGatherSizeModel {
  readonly buffers: ModelBuffer[];
  readonly lists: ModelList[];
  /** The size Calculate gave for each page count seen so far. */
  readonly sizeForPages: Map<number, number>;
  readonly granted: number;
  /** Non-paged pool pages in use, as the model accounts them. */
  poolPages: number;
  doublePuts: number;
  /** Lists asked for with more pages than the adapter's map registers: a verifier finding each (SG-1). */
  beyondGrant: number;
}

export interface ScatterGatherSizeReal {
  readonly machine: Machine;
  readonly process: Process;
  readonly adapter: DmaAdapter;
  readonly regionVa: number;
  readonly mdls: MDL[];
  readonly lists: SCATTER_GATHER_LIST[];
  /** Caller buffers of built lists (0 for a Get list), freed at put. */
  readonly callerBuffers: number[];
}

type SizeCommand = fc.Command<ScatterGatherSizeModel, ScatterGatherSizeReal>;

/** A transfer in the model's terms: the pieces of the chain it covers, and its length. */
interface Transfer {
  readonly first: number;
  readonly currentVa: number;
  readonly length: number;
  readonly pieces: readonly { va: number; length: number }[];
}

function chainOf(m: ScatterGatherSizeModel, first: number): number[] {
  const chain: number[] = [];
  for (let i: number | null = first; i !== null; i = m.buffers[i]!.next) chain.push(i);
  return chain;
}

/** The transfer chosen by (buffer, offset, length) seeds: it starts in the buffer and may run on into the chain. */
function transferOf(m: ScatterGatherSizeModel, r: ScatterGatherSizeReal, first: number, offsetSeed: number, lengthSeed: number): Transfer {
  const chain = chainOf(m, first);
  const head = m.buffers[first]!;
  const skip = offsetSeed % head.length;
  const available = chain.reduce((n, i) => n + m.buffers[i]!.length, 0) - skip;
  const length = 1 + (lengthSeed % available);
  const pieces: { va: number; length: number }[] = [];
  let remaining = length;
  for (const [k, i] of chain.entries()) {
    if (remaining === 0) break;
    const b = m.buffers[i]!;
    const from = k === 0 ? skip : 0;
    const n = Math.min(remaining, b.length - from);
    pieces.push({ va: r.regionVa + b.start + from, length: n });
    remaining -= n;
  }
  return { first, currentVa: r.regionVa + head.start + skip, length, pieces };
}

const pagesOf = (t: Transfer) => t.pieces.reduce((n, p) => n + ADDRESS_AND_SIZE_TO_SPAN_PAGES(p.va, p.length), 0);

/** The elements the list must have: the frames of the pieces, page by page, adjacent ones merged (SG-7). */
function expectedElements(r: ScatterGatherSizeReal, t: Transfer): SCATTER_GATHER_ELEMENT[] {
  const as = r.process.addressSpace;
  const out: { Address: number; Length: number }[] = [];
  for (const p of t.pieces) {
    for (let va = p.va; va < p.va + p.length; ) {
      const inPage = va % PAGE_SIZE;
      const n = Math.min(PAGE_SIZE - inPage, p.va + p.length - va);
      const address = r.machine.mm.translate(va, as) * PAGE_SIZE + inPage;
      const last = out[out.length - 1];
      if (last && last.Address + last.Length === address) last.Length += n;
      else out.push({ Address: address, Length: n });
      va += n;
    }
  }
  return out;
}

function requireElements(list: SCATTER_GATHER_LIST, expected: readonly SCATTER_GATHER_ELEMENT[], what: string): void {
  const actual = list.Elements.map((e) => `${e.Address.toString(16)}+${e.Length}`).join(' ');
  const wanted = expected.map((e) => `${e.Address.toString(16)}+${e.Length}`).join(' ');
  requireEqual('SG-7', actual, wanted, `elements of ${what}`);
  requireEqual('SG-7', list.NumberOfElements, list.Elements.length, `NumberOfElements of ${what}`);
}

function assertAgrees(m: ScatterGatherSizeModel, r: ScatterGatherSizeReal): void {
  const live = m.lists.filter((l) => !l.put);
  requireEqual('SG-3', r.adapter.lists.outstandingCount, live.length, 'scatter/gather lists outstanding');
  requireEqual('SG-3', r.adapter.mapRegisters.held, live.reduce((n, l) => n + l.pages, 0), 'map registers held by live lists');
  requireEqual('SG-3', r.machine.mm.nonPagedPool.usedPages, m.poolPages, 'non-paged pool pages in use');
  requireEqual('SG-3', r.adapter.verifier.findingsOf('VER-SG-DOUBLE-PUT').length, m.doublePuts, 'double-put findings');
  requireEqual('SG-1', r.adapter.verifier.findingsOf('VER-MAP-REGISTERS-BEYOND-GRANT').length, m.beyondGrant, 'findings of lists beyond the grant');
  requireEqual('SG-3', r.adapter.verifier.findings.length, m.doublePuts + m.beyondGrant, 'verifier findings');
  requireRule('SG-3', r.machine.kernel.stopped === null, () => `the machine stopped: ${r.machine.kernel.stopped?.message}`);
}

function atDispatch<T>(r: ScatterGatherSizeReal, fn: () => T): T {
  return r.machine.cpu.atIrql(DISPATCH_LEVEL, fn);
}

const ops = (r: ScatterGatherSizeReal): DMA_ADAPTER => r.adapter;

// --- commands ----------------------------------------------------------------

class DescribeBuffer implements SizeCommand {
  constructor(readonly start: number, readonly length: number) {}
  check = (m: Readonly<ScatterGatherSizeModel>) => m.buffers.length < MAX_BUFFERS;
  run(m: ScatterGatherSizeModel, r: ScatterGatherSizeReal): void {
    const start = this.start % (REGION_PAGES * PAGE_SIZE);
    const length = 1 + ((this.length - 1) % (REGION_PAGES * PAGE_SIZE - start));
    const mdl = r.machine.cpu.inProcess(r.process, () => {
      const d = r.machine.kernel.mdl.IoAllocateMdl(r.regionVa + start, length, false, false, null);
      requireRule('MDL-1', d !== null, () => 'IoAllocateMdl failed with plenty of pool');
      r.machine.kernel.mdl.MmProbeAndLockPages(d, 'UserMode', 'IoModifyAccess');
      return d;
    });
    m.poolPages += Math.ceil(mdl.Size / PAGE_SIZE);
    r.mdls.push(mdl);
    m.buffers.push({ start, length, next: null });
    assertAgrees(m, r);
  }
  toString = () => `DescribeBuffer(+${this.start}, ${this.length} bytes)`;
}

/** Pairs (a, b) where b may be chained after a: a ends a chain, b heads another. */
function chainablePairs(m: ScatterGatherSizeModel): [number, number][] {
  const isNext = new Set(m.buffers.flatMap((b) => (b.next === null ? [] : [b.next])));
  const pairs: [number, number][] = [];
  m.buffers.forEach((a, i) => {
    if (a.next !== null) return;
    m.buffers.forEach((_, j) => {
      if (j !== i && !isNext.has(j) && !chainOf(m, j).includes(i)) pairs.push([i, j]);
    });
  });
  return pairs;
}

class ChainBuffers implements SizeCommand {
  constructor(readonly k: number) {}
  check = (m: Readonly<ScatterGatherSizeModel>) => chainablePairs(m).length > 0;
  run(m: ScatterGatherSizeModel, r: ScatterGatherSizeReal): void {
    const [a, b] = pickLive(chainablePairs(m), this.k);
    r.mdls[a]!.Next = r.mdls[b]!;
    m.buffers[a]!.next = b;
    assertAgrees(m, r);
  }
  toString = () => `ChainBuffers(${this.k})`;
}

class Calculate implements SizeCommand {
  constructor(readonly i: number, readonly offset: number, readonly length: number, readonly withMdl: boolean) {}
  check = (m: Readonly<ScatterGatherSizeModel>) => m.buffers.length > 0;
  run(m: ScatterGatherSizeModel, r: ScatterGatherSizeReal): void {
    const t = transferOf(m, r, pickLive(m.buffers.map((_, i) => i), this.i), this.offset, this.length);
    const result = ops(r).DmaOperations.CalculateScatterGatherList(ops(r), this.withMdl ? r.mdls[t.first]! : null, t.currentVa, t.length);
    requireEqual('SG-4', statusName(result.status), statusName(STATUS.SUCCESS), 'CalculateScatterGatherList status');
    const pages = this.withMdl ? pagesOf(t) : ADDRESS_AND_SIZE_TO_SPAN_PAGES(t.currentVa, t.length);
    requireEqual('SG-4', result.numberOfMapRegisters, pages, `map registers for ${t.length} bytes at page offset ${t.currentVa % PAGE_SIZE}${this.withMdl ? ` over ${t.pieces.length} MDL(s)` : ' (no MDL)'}`);
    recordSize(m, pages, result.scatterGatherListSize);
    assertAgrees(m, r);
  }
  toString = () => `Calculate(${this.i}, +${this.offset}, ${this.length}, ${this.withMdl ? 'with MDL' : 'no MDL'})`;
}

/** The size depends on the page count alone, and grows with it. */
function recordSize(m: ScatterGatherSizeModel, pages: number, size: number): void {
  const seen = m.sizeForPages.get(pages);
  if (seen !== undefined) requireEqual('SG-4', size, seen, `list size for ${pages} page(s), calculated before as ${seen}`);
  for (const [p, s] of m.sizeForPages) {
    if (p < pages) requireRule('SG-4', s < size, () => `a list for ${p} page(s) needs ${s} bytes, one for ${pages} page(s) only ${size}`);
    if (p > pages) requireRule('SG-4', s > size, () => `a list for ${pages} page(s) needs ${size} bytes, one for ${p} page(s) only ${s}`);
  }
  m.sizeForPages.set(pages, size);
}

function liveListRecord(m: ScatterGatherSizeModel, r: ScatterGatherSizeReal, list: SCATTER_GATHER_LIST | null, pages: number, writeToDevice: boolean, poolPages: number, callerBuffer: number): void {
  requireRule('SG-3', list !== null, () => 'the execution routine never received the list');
  m.lists.push({ pages, writeToDevice, poolPages, put: false });
  r.lists.push(list);
  r.callerBuffers.push(callerBuffer);
}

class Build implements SizeCommand {
  constructor(readonly i: number, readonly offset: number, readonly length: number, readonly slack: number, readonly writeToDevice: boolean) {}
  check = (m: Readonly<ScatterGatherSizeModel>) => m.buffers.length > 0 && m.lists.filter((l) => !l.put).length < MAX_LISTS;
  run(m: ScatterGatherSizeModel, r: ScatterGatherSizeReal): void {
    const t = transferOf(m, r, pickLive(m.buffers.map((_, i) => i), this.i), this.offset, this.length);
    const mdl = r.mdls[t.first]!;
    const size = ops(r).DmaOperations.CalculateScatterGatherList(ops(r), mdl, t.currentVa, t.length);
    const pages = pagesOf(t);
    recordSize(m, pages, size.scatterGatherListSize);
    const bufferLength = size.scatterGatherListSize + this.slack;
    const buffer = r.machine.mm.ExAllocatePoolWithTag('NonPagedPool', Math.max(bufferLength, size.scatterGatherListSize), 'SgBf');
    requireRule('SG-4', buffer !== null, () => 'the caller\'s list buffer could not be allocated');
    const bufferPages = Math.ceil(Math.max(bufferLength, size.scatterGatherListSize) / PAGE_SIZE);
    m.poolPages += bufferPages;
    const expected: NtStatus = this.slack < 0 ? STATUS.BUFFER_TOO_SMALL : pages > m.granted ? STATUS.INSUFFICIENT_RESOURCES : STATUS.SUCCESS;
    if (this.slack >= 0 && pages > m.granted) m.beyondGrant++;
    let list: SCATTER_GATHER_LIST | null = null;
    const status = atDispatch(r, () => ops(r).DmaOperations.BuildScatterGatherList(ops(r), {}, mdl, t.currentVa, t.length, (_d, _i, sg) => { list = sg; }, null, this.writeToDevice, buffer, bufferLength));
    requireEqual('SG-4', statusName(status), statusName(expected), `BuildScatterGatherList into ${bufferLength} bytes (calculated ${size.scatterGatherListSize}) for ${pages} page(s), ${m.granted} map registers granted`);
    // Building allocates nothing: the pool holds only what the model accounts (assertAgrees).
    if (status === STATUS.SUCCESS) {
      liveListRecord(m, r, list, pages, this.writeToDevice, 0, buffer);
      requireElements(list!, expectedElements(r, t), `the list built for ${t.length} bytes`);
    } else {
      r.machine.mm.ExFreePoolWithTag(buffer, 'SgBf');
      m.poolPages -= bufferPages;
    }
    assertAgrees(m, r);
  }
  toString = () => `Build(${this.i}, +${this.offset}, ${this.length}, slack ${this.slack}, ${this.writeToDevice ? 'to device' : 'from device'})`;
}

class Get implements SizeCommand {
  constructor(readonly i: number, readonly offset: number, readonly length: number, readonly writeToDevice: boolean) {}
  check = (m: Readonly<ScatterGatherSizeModel>) => m.buffers.length > 0 && m.lists.filter((l) => !l.put).length < MAX_LISTS;
  run(m: ScatterGatherSizeModel, r: ScatterGatherSizeReal): void {
    const t = transferOf(m, r, pickLive(m.buffers.map((_, i) => i), this.i), this.offset, this.length);
    const mdl = r.mdls[t.first]!;
    const size = ops(r).DmaOperations.CalculateScatterGatherList(ops(r), mdl, t.currentVa, t.length);
    const pages = pagesOf(t);
    recordSize(m, pages, size.scatterGatherListSize);
    let list: SCATTER_GATHER_LIST | null = null;
    const status = atDispatch(r, () => ops(r).DmaOperations.GetScatterGatherList(ops(r), {}, mdl, t.currentVa, t.length, (_d, _i, sg) => { list = sg; }, null, this.writeToDevice));
    const expected: NtStatus = pages > m.granted ? STATUS.INSUFFICIENT_RESOURCES : STATUS.SUCCESS;
    if (pages > m.granted) m.beyondGrant++;
    requireEqual('SG-3', statusName(status), statusName(expected), `GetScatterGatherList for ${pages} page(s), ${m.granted} map registers granted`);
    if (status === STATUS.SUCCESS) {
      // The list and the HAL's tracking data come from non-paged pool, the size Calculate gives.
      const poolPages = Math.ceil(size.scatterGatherListSize / PAGE_SIZE);
      m.poolPages += poolPages;
      liveListRecord(m, r, list, pages, this.writeToDevice, poolPages, 0);
      requireElements(list!, expectedElements(r, t), `the list for ${t.length} bytes`);
    }
    assertAgrees(m, r);
  }
  toString = () => `Get(${this.i}, +${this.offset}, ${this.length}, ${this.writeToDevice ? 'to device' : 'from device'})`;
}

const liveLists = (m: ScatterGatherSizeModel) => m.lists.flatMap((l, i) => (l.put ? [] : [i]));
const putLists = (m: ScatterGatherSizeModel) => m.lists.flatMap((l, i) => (l.put ? [i] : []));

class Put implements SizeCommand {
  constructor(readonly i: number) {}
  check = (m: Readonly<ScatterGatherSizeModel>) => liveLists(m).length > 0;
  run(m: ScatterGatherSizeModel, r: ScatterGatherSizeReal): void {
    const i = pickLive(liveLists(m), this.i);
    const l = m.lists[i]!;
    atDispatch(r, () => ops(r).DmaOperations.PutScatterGatherList(ops(r), r.lists[i]!, l.writeToDevice));
    l.put = true;
    m.poolPages -= l.poolPages;
    const callerBuffer = r.callerBuffers[i]!;
    if (callerBuffer !== 0) {
      const pages = r.machine.mm.poolAllocationAt(callerBuffer)!.pages;
      r.machine.mm.ExFreePoolWithTag(callerBuffer, 'SgBf');
      m.poolPages -= pages;
    }
    assertAgrees(m, r);
  }
  toString = () => `Put(${this.i})`;
}

class PutAgain implements SizeCommand {
  constructor(readonly i: number) {}
  check = (m: Readonly<ScatterGatherSizeModel>) => putLists(m).length > 0;
  run(m: ScatterGatherSizeModel, r: ScatterGatherSizeReal): void {
    const i = pickLive(putLists(m), this.i);
    atDispatch(r, () => ops(r).DmaOperations.PutScatterGatherList(ops(r), r.lists[i]!, m.lists[i]!.writeToDevice));
    m.doublePuts++;
    assertAgrees(m, r);
  }
  toString = () => `PutAgain(${this.i})`;
}

// --- arbitraries ------------------------------------------------------------

const index = fc.nat(63);
const offset = fc.oneof(fc.constant(0), fc.nat(REGION_PAGES * PAGE_SIZE - 1));
/** Lengths near page multiples as well as anywhere. */
const length = fc.oneof(
  fc.integer({ min: 1, max: 3 * PAGE_SIZE }),
  fc.tuple(fc.integer({ min: 1, max: 12 }), fc.integer({ min: -2, max: 2 })).map(([p, d]) => Math.max(1, p * PAGE_SIZE + d)),
  fc.integer({ min: 1, max: 20 * PAGE_SIZE }),
);
/** Mostly the boundary: one byte short, exact, one byte over. */
const slack = fc.oneof({ weight: 3, arbitrary: fc.constantFrom(-1, 0, 1) }, { weight: 1, arbitrary: fc.integer({ min: -64, max: 64 }) });

const commands: fc.Arbitrary<SizeCommand> = fc.oneof(
  { weight: 3, arbitrary: fc.tuple(offset, length).map(([s, l]) => new DescribeBuffer(s, l)) },
  { weight: 1, arbitrary: index.map((k) => new ChainBuffers(k)) },
  { weight: 3, arbitrary: fc.tuple(index, fc.nat(), fc.nat(), fc.boolean()).map(([i, o, l, w]) => new Calculate(i, o, l, w)) },
  { weight: 4, arbitrary: fc.tuple(index, fc.nat(), fc.nat(), slack, fc.boolean()).map(([i, o, l, s, w]) => new Build(i, o, l, s, w)) },
  { weight: 3, arbitrary: fc.tuple(index, fc.nat(), fc.nat(), fc.boolean()).map(([i, o, l, w]) => new Get(i, o, l, w)) },
  { weight: 3, arbitrary: index.map((i) => new Put(i)) },
  { weight: 1, arbitrary: index.map((i) => new PutAgain(i)) },
);

export function setupScatterGatherSizeModel(): { model: ScatterGatherSizeModel; real: ScatterGatherSizeReal } {
  const machine = bootModelMachine({ seed: 11, verifierMode: 'record' });
  const process = machine.kernel.createProcess('app');
  const regionVa = machine.mm.allocateVirtual(process.addressSpace, REGION_PAGES * PAGE_SIZE);
  const granted = { value: 0 };
  const adapter = machine.hal.IoGetDmaAdapter(
    { name: 'dma0', requesterId: machine.dmaDevice.requesterId },
    { Version: 3, Master: true, ScatterGather: true, Dma32BitAddresses: true, Dma64BitAddresses: true, InterfaceType: 'PCIBus', MaximumLength: MAXIMUM_LENGTH },
    granted,
  );
  if (!adapter) throw new Error(`IoGetDmaAdapter failed on the model machine: ${machine.hal.lastAdapterFailure}`);
  return {
    model: { buffers: [], lists: [], sizeForPages: new Map(), granted: granted.value, poolPages: machine.mm.nonPagedPool.usedPages, doublePuts: 0, beyondGrant: 0 },
    real: { machine, process, adapter: adapterOf(adapter), regionVa, mdls: [], lists: [], callerBuffers: [] },
  };
}

export const scatterGatherSizeKernelModel: KernelModel<ScatterGatherSizeModel, ScatterGatherSizeReal> = {
  name: 'scatter-gather-size',
  title: 'scatter/gather list sizes for arbitrary offsets, lengths and MDL chains',
  rules: ['SG-3', 'SG-4', 'SG-7', 'MDL-5'],
  commands,
  maxCommands: 40,
  setup: setupScatterGatherSizeModel,
};
