/**
 * Model of the adapter channel and map register accounting (SG-2, SG-6,
 * SG-3) on an adapter for a 32-bit device, whose map registers are bounce
 * pages below 4 GiB and so are really shared between requests.
 *
 * The model: a fixed number of registers granted at IoGetDmaAdapter; the
 * channel holder and a FIFO queue of requests; registers kept after
 * DeallocateObjectKeepRegisters; registers held by scatter/gather lists.
 * Once the machine's pending events have run, the queue has advanced as far
 * as it can: while the channel is free and the head's registers are free,
 * the head is granted and its execution routine's answer applied. Every
 * execution routine runs exactly once, in request order. Misuse (a second
 * request from the same device, too many registers, freeing what is not
 * held, a wrong count) is a verifier finding the model predicts.
 */
import fc from 'fast-check';
import { GiB, PAGE_SIZE } from '../../contracts/units';
import { DISPATCH_LEVEL } from '../../machine/irql';
import { Machine } from '../../machine/machine';
import { STATUS, statusName } from '../../machine/ntstatus';
import { MDL } from '../../kernel/mm/mdl';
import { IO_ALLOCATION_ACTION } from '../../kernel/hal/adapter-channel';
import { DmaAdapter, adapterOf } from '../../kernel/hal/dma-adapter';
import { MapRegisterBase } from '../../kernel/hal/map-registers';
import { SCATTER_GATHER_LIST } from '../../kernel/hal/scatter-gather-list';
import { ViolationId } from '../../kernel/verifier/violation-catalog';
import { pickLive } from '../live-targets';
import { requireEqual, requireRule } from '../rule-violation';
import { KernelModel } from './kernel-model';
import { bootModelMachine } from './model-machine';

/** The longest transfer: 7 pages, so 8 map registers are asked for and granted. */
const MAXIMUM_LENGTH = 7 * PAGE_SIZE;
const DEVICES = 3;
const BUFFER_PAGES = 10;
const MAX_QUEUE = 6;
const ACTIONS: readonly IO_ALLOCATION_ACTION[] = ['KeepObject', 'DeallocateObject', 'DeallocateObjectKeepRegisters'];

interface ModelRequest {
  readonly id: number;
  readonly device: number;
  readonly count: number;
  readonly action: IO_ALLOCATION_ACTION;
}

export interface AdapterChannelModel {
  readonly granted: number;
  free: number;
  holder: ModelRequest | null;
  readonly queue: ModelRequest[];
  /** Registers kept after DeallocateObjectKeepRegisters, in grant order. */
  readonly kept: { readonly count: number; freed: boolean }[];
  readonly lists: { readonly count: number; readonly writeToDevice: boolean; put: boolean }[];
  /** Indices into `lists` of GetScatterGatherList calls waiting for map registers, oldest first. */
  readonly waitingLists: number[];
  /** Request ids in the order their execution routines ran. */
  readonly grants: number[];
  readonly findings: Map<ViolationId, number>;
  nextId: number;
}

export interface AdapterChannelReal {
  readonly machine: Machine;
  readonly adapter: DmaAdapter;
  readonly devices: readonly object[];
  readonly mdl: MDL;
  readonly bufferVa: number;
  readonly grants: number[];
  /** Same indices as model.kept. */
  readonly kept: MapRegisterBase[];
  /** Same indices as model.lists; null until the execution routine delivers the list. */
  readonly lists: (SCATTER_GATHER_LIST | null)[];
}

type ChannelCommand = fc.Command<AdapterChannelModel, AdapterChannelReal>;

function expectFinding(m: AdapterChannelModel, id: ViolationId): void {
  m.findings.set(id, (m.findings.get(id) ?? 0) + 1);
}

/**
 * The channel queue advances while the channel is free and the head's
 * registers are free; then lists waiting for registers get them, in order
 * (channel requests go first).
 */
function settle(m: AdapterChannelModel): void {
  while (!m.holder && m.queue.length > 0 && m.free >= m.queue[0]!.count) {
    const r = m.queue.shift()!;
    m.free -= r.count;
    m.grants.push(r.id);
    if (r.action === 'KeepObject') m.holder = r;
    else if (r.action === 'DeallocateObject') m.free += r.count;
    else m.kept.push({ count: r.count, freed: false });
  }
  while (m.waitingLists.length > 0 && m.free >= m.lists[m.waitingLists[0]!]!.count) m.free -= m.lists[m.waitingLists.shift()!]!.count;
}

function letTimePass(r: AdapterChannelReal): void {
  r.machine.clock.runUntilIdle(100_000);
}

function atDispatch<T>(r: AdapterChannelReal, fn: () => T): T {
  return r.machine.cpu.atIrql(DISPATCH_LEVEL, fn);
}

function assertAgrees(m: AdapterChannelModel, r: AdapterChannelReal): void {
  const channel = r.adapter.channel;
  const registers = r.adapter.mapRegisters;
  requireEqual('SG-2', channel.outstandingChannels, (m.holder ? 1 : 0) + m.queue.length, 'adapter channels held or requested');
  requireEqual('SG-2', channel.queuedRequests, m.queue.length, 'requests waiting for the channel');
  requireEqual('SG-2', r.grants.join(','), m.grants.join(','), 'execution routines run, in order');
  requireEqual('SG-6', channel.outstandingMapRegisters, m.kept.filter((k) => !k.freed).reduce((n, k) => n + k.count, 0), 'map registers kept by the driver');
  requireEqual('SG-6', registers.freeCount, m.free, 'free map registers');
  requireEqual('SG-6', registers.held, m.granted - m.free, 'map registers held');
  requireEqual('SG-3', r.adapter.lists.outstandingCount, m.lists.filter((l) => !l.put).length, 'scatter/gather lists outstanding or promised');
  requireEqual('SG-3', r.lists.filter((l) => l !== null).length, m.lists.length - m.waitingLists.length, 'execution routines that received their list');
  const findings = r.adapter.verifier.findings;
  for (const [id, n] of m.findings) requireEqual(id, findings.filter((f) => f.id === id).length, n, `${id} findings`);
  requireEqual('SG-2', findings.length, [...m.findings.values()].reduce((a, b) => a + b, 0), `verifier findings (${findings.map((f) => f.id).join(', ') || 'none'})`);
  requireRule('SG-2', r.machine.kernel.stopped === null, () => `the machine stopped: ${r.machine.kernel.stopped?.message}`);
}

// --- commands ----------------------------------------------------------------

class RequestChannel implements ChannelCommand {
  constructor(readonly device: number, readonly count: number, readonly action: IO_ALLOCATION_ACTION) {}
  check = (m: Readonly<AdapterChannelModel>) => m.queue.length < MAX_QUEUE;
  run(m: AdapterChannelModel, r: AdapterChannelReal): void {
    const request: ModelRequest = { id: m.nextId++, device: this.device, count: this.count, action: this.action };
    const routine = (_d: object, _irp: unknown, base: MapRegisterBase, context: unknown): IO_ALLOCATION_ACTION => {
      const c = context as ModelRequest;
      r.grants.push(c.id);
      if (c.action === 'DeallocateObjectKeepRegisters') r.kept.push(base);
      return c.action;
    };
    const status = atDispatch(r, () => r.adapter.DmaOperations.AllocateAdapterChannel(r.adapter, r.devices[this.device]!, this.count, routine, request));
    if (this.count > m.granted) {
      expectFinding(m, 'VER-TOO-MANY-MAP-REGISTERS');
      requireEqual('SG-2', statusName(status), statusName(STATUS.INSUFFICIENT_RESOURCES), `AllocateAdapterChannel for ${this.count} map registers of ${m.granted}`);
    } else {
      const mine = (m.holder?.device === this.device ? 1 : 0) + m.queue.filter((q) => q.device === this.device).length;
      if (mine > 0) expectFinding(m, 'VER-MULTIPLE-CHANNELS');
      requireEqual('SG-2', statusName(status), statusName(STATUS.SUCCESS), `AllocateAdapterChannel for ${this.count} map registers`);
      m.queue.push(request);
    }
    letTimePass(r);
    settle(m);
    assertAgrees(m, r);
  }
  toString = () => `RequestChannel(device ${this.device}, ${this.count} registers, ${this.action})`;
}

class FreeChannel implements ChannelCommand {
  check = () => true;
  run(m: AdapterChannelModel, r: AdapterChannelReal): void {
    atDispatch(r, () => r.adapter.DmaOperations.FreeAdapterChannel(r.adapter));
    if (m.holder) {
      m.free += m.holder.count;
      m.holder = null;
    } else {
      expectFinding(m, 'VER-CHANNEL-DOUBLE-FREE');
    }
    letTimePass(r);
    settle(m);
    assertAgrees(m, r);
  }
  toString = () => 'FreeChannel';
}

const liveKept = (m: AdapterChannelModel) => m.kept.flatMap((k, i) => (k.freed ? [] : [i]));
const freedKept = (m: AdapterChannelModel) => m.kept.flatMap((k, i) => (k.freed ? [i] : []));

class FreeKeptRegisters implements ChannelCommand {
  /** `countError` != 0 passes a wrong count: a finding, but the registers are freed. */
  constructor(readonly i: number, readonly countError: number) {}
  check = (m: Readonly<AdapterChannelModel>) => liveKept(m).length > 0;
  run(m: AdapterChannelModel, r: AdapterChannelReal): void {
    const i = pickLive(liveKept(m), this.i);
    const k = m.kept[i]!;
    atDispatch(r, () => r.adapter.DmaOperations.FreeMapRegisters(r.adapter, r.kept[i]!, k.count + this.countError));
    if (this.countError !== 0) expectFinding(m, 'VER-UNMAP-MISMATCH');
    k.freed = true;
    m.free += k.count;
    letTimePass(r);
    settle(m);
    assertAgrees(m, r);
  }
  toString = () => `FreeKeptRegisters(${this.i}${this.countError === 0 ? '' : `, count off by ${this.countError}`})`;
}

class FreeKeptRegistersAgain implements ChannelCommand {
  constructor(readonly i: number) {}
  check = (m: Readonly<AdapterChannelModel>) => freedKept(m).length > 0;
  run(m: AdapterChannelModel, r: AdapterChannelReal): void {
    const i = pickLive(freedKept(m), this.i);
    atDispatch(r, () => r.adapter.DmaOperations.FreeMapRegisters(r.adapter, r.kept[i]!, m.kept[i]!.count));
    expectFinding(m, 'VER-MAP-REGISTERS-DOUBLE-FREE');
    letTimePass(r);
    settle(m);
    assertAgrees(m, r);
  }
  toString = () => `FreeKeptRegistersAgain(${this.i})`;
}

class GetList implements ChannelCommand {
  constructor(readonly pages: number, readonly writeToDevice: boolean) {}
  check = () => true;
  run(m: AdapterChannelModel, r: AdapterChannelReal): void {
    const slot = r.lists.length;
    const status = atDispatch(r, () => r.adapter.DmaOperations.GetScatterGatherList(r.adapter, {}, r.mdl, r.bufferVa, this.pages * PAGE_SIZE, (_d, _i, sg) => { r.lists[slot] = sg; }, null, this.writeToDevice));
    // More registers than the adapter has fails; fewer than are free now waits for them (behind earlier waiters), as Windows does.
    const possible = this.pages <= m.granted;
    if (!possible) expectFinding(m, 'VER-MAP-REGISTERS-BEYOND-GRANT');
    requireEqual('SG-3', statusName(status), statusName(possible ? STATUS.SUCCESS : STATUS.INSUFFICIENT_RESOURCES), `GetScatterGatherList for ${this.pages} page(s) of ${m.granted} map registers`);
    if (possible) {
      if (r.lists.length === slot) r.lists.push(null);
      m.lists.push({ count: this.pages, writeToDevice: this.writeToDevice, put: false });
      if (m.waitingLists.length === 0 && this.pages <= m.free) m.free -= this.pages;
      else m.waitingLists.push(m.lists.length - 1);
      requireRule('SG-3', (r.lists[slot] !== null) === !m.waitingLists.includes(slot), () => `the execution routine ${r.lists[slot] ? 'ran' : 'did not run'} within the call with ${m.free} of ${m.granted} registers free`);
    }
    letTimePass(r);
    settle(m);
    assertAgrees(m, r);
  }
  toString = () => `GetList(${this.pages} pages, ${this.writeToDevice ? 'to device' : 'from device'})`;
}

/** Lists handed out (not waiting for registers) and not put back. */
const liveLists = (m: AdapterChannelModel) => m.lists.flatMap((l, i) => (l.put || m.waitingLists.includes(i) ? [] : [i]));

class PutList implements ChannelCommand {
  constructor(readonly i: number) {}
  check = (m: Readonly<AdapterChannelModel>) => liveLists(m).length > 0;
  run(m: AdapterChannelModel, r: AdapterChannelReal): void {
    const i = pickLive(liveLists(m), this.i);
    const l = m.lists[i]!;
    atDispatch(r, () => r.adapter.DmaOperations.PutScatterGatherList(r.adapter, r.lists[i]!, l.writeToDevice));
    l.put = true;
    m.free += l.count;
    letTimePass(r);
    settle(m);
    assertAgrees(m, r);
  }
  toString = () => `PutList(${this.i})`;
}

// --- arbitraries ------------------------------------------------------------

const index = fc.nat(63);
const commands: fc.Arbitrary<ChannelCommand> = fc.oneof(
  { weight: 5, arbitrary: fc.tuple(fc.nat(DEVICES - 1), fc.oneof({ weight: 6, arbitrary: fc.integer({ min: 0, max: 8 }) }, { weight: 1, arbitrary: fc.integer({ min: 9, max: 12 }) }), fc.constantFrom(...ACTIONS)).map(([d, n, a]) => new RequestChannel(d, n, a)) },
  { weight: 3, arbitrary: fc.constant(null).map(() => new FreeChannel()) },
  { weight: 3, arbitrary: fc.tuple(index, fc.oneof({ weight: 8, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.constantFrom(-1, 1) })).map(([i, e]) => new FreeKeptRegisters(i, e)) },
  { weight: 1, arbitrary: index.map((i) => new FreeKeptRegistersAgain(i)) },
  { weight: 3, arbitrary: fc.tuple(fc.integer({ min: 1, max: 9 }), fc.boolean()).map(([p, w]) => new GetList(p, w)) },
  { weight: 3, arbitrary: index.map((i) => new PutList(i)) },
);

/** 4 GiB of RAM, so half a GiB lies above 4 GiB, where a 32-bit device cannot reach without bounce pages. */
export function setupAdapterChannelModel(): { model: AdapterChannelModel; real: AdapterChannelReal } {
  const machine = bootModelMachine({ seed: 13, ramBytes: 4 * GiB, verifierMode: 'record' });
  const granted = { value: 0 };
  const adapter = machine.hal.IoGetDmaAdapter(
    { name: 'dma0', requesterId: machine.dmaDevice.requesterId },
    { Version: 3, Master: true, ScatterGather: true, Dma32BitAddresses: true, Dma64BitAddresses: false, InterfaceType: 'PCIBus', MaximumLength: MAXIMUM_LENGTH },
    granted,
  );
  if (!adapter) throw new Error(`IoGetDmaAdapter failed on the model machine: ${machine.hal.lastAdapterFailure}`);
  const a = adapterOf(adapter);
  if (!a.mapRegisters.bouncing) throw new Error('the model machine\'s 32-bit adapter does not bounce: it needs RAM above 4 GiB');
  const process = machine.kernel.createProcess('app');
  const bufferVa = machine.mm.allocateVirtual(process.addressSpace, BUFFER_PAGES * PAGE_SIZE);
  const mdl = machine.cpu.inProcess(process, () => {
    const d = machine.kernel.mdl.IoAllocateMdl(bufferVa, BUFFER_PAGES * PAGE_SIZE, false, false, null);
    if (!d) throw new Error('IoAllocateMdl failed on the model machine');
    machine.kernel.mdl.MmProbeAndLockPages(d, 'UserMode', 'IoModifyAccess');
    return d;
  });
  return {
    model: { granted: granted.value, free: granted.value, holder: null, queue: [], kept: [], lists: [], waitingLists: [], grants: [], findings: new Map(), nextId: 1 },
    real: { machine, adapter: a, devices: Array.from({ length: DEVICES }, (_, i) => ({ name: `device ${i}` })), mdl, bufferVa, grants: [], kept: [], lists: [] },
  };
}

export const adapterChannelKernelModel: KernelModel<AdapterChannelModel, AdapterChannelReal> = {
  name: 'adapter-channel',
  title: 'adapter channel and map register accounting on a bouncing adapter',
  rules: ['SG-2', 'SG-3', 'SG-6'],
  commands,
  maxCommands: 40,
  setup: setupAdapterChannelModel,
};
