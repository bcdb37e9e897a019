/**
 * Model of contiguous allocation under fragmentation (CONT-2), as a model of
 * free runs of frames in a window of physical memory.
 *
 * The model knows which frames of the window are free (read once, after
 * boot) and changes them as the commands do: contiguous allocations and
 * frees inside the window, and a process touching and releasing pages. The
 * allocator must return the highest run of free frames that fits and does
 * not cross the boundary asked for, or nothing when no such run exists,
 * however many frames are free in all (CONT-2). A process's new pages take
 * the most recently freed frames first, so the window fragments the way a
 * running machine does; the model follows that order too.
 */
import fc from 'fast-check';
import { Machine } from '../../machine/machine';
import { PAGE_SIZE, formatAddress } from '../../contracts/units';
import { Process } from '../../kernel/io/process';
import { FrameFlag, FrameState } from '../../kernel/mm/physical-memory';
import { pickLive } from '../live-targets';
import { requireEqual, requireRule } from '../rule-violation';
import { KernelModel } from './kernel-model';
import { bootModelMachine } from './model-machine';

/** The window: 96 frames from 32 MiB up. */
const WINDOW_FIRST = (32 * 1024 * 1024) / PAGE_SIZE;
const WINDOW_FRAMES = 96;
const MAX_BLOCKS = 24;
const BOUNDARY_PAGES = [0, 4, 8, 16] as const;

interface ContiguousBlock {
  readonly pfn: number;
  readonly pages: number;
  freed: boolean;
}

interface TouchedBlock {
  readonly frames: readonly number[];
  released: boolean;
}

export interface ContiguousModel {
  /** Free frames of the window. */
  readonly free: Set<number>;
  /** Frames freed since boot, most recent last: the order new pages take them in. */
  readonly freedOrder: number[];
  readonly blocks: ContiguousBlock[];
  readonly touched: TouchedBlock[];
  /** Frames the model's commands hold (blocks and touched pages). */
  held: number;
}

export interface ContiguousReal {
  readonly machine: Machine;
  readonly process: Process;
  readonly freeFramesAtStart: number;
  /** Same indices as model.blocks: the system address. */
  readonly blocks: number[];
  /** Same indices as model.touched: the process address. */
  readonly touched: number[];
}

type ContiguousCommand = fc.Command<ContiguousModel, ContiguousReal>;

/**
 * The model's answer: the run of `count` free frames that starts highest,
 * not crossing a multiple of `boundary` pages; -1 when there is none.
 * Free runs are cut at boundary lines first, then the top of each piece is tried.
 */
export function highestFreeRun(free: ReadonlySet<number>, first: number, frames: number, count: number, boundary: number): number {
  let best = -1;
  let runStart = -1;
  const closeRun = (end: number) => {
    if (runStart < 0) return;
    const top = end - 1;
    if (top - runStart + 1 >= count) best = Math.max(best, top - count + 1);
    runStart = -1;
  };
  for (let pfn = first; pfn < first + frames; pfn++) {
    if (boundary > 0 && pfn % boundary === 0) closeRun(pfn);
    if (free.has(pfn)) {
      if (runStart < 0) runStart = pfn;
    } else {
      closeRun(pfn);
    }
  }
  closeRun(first + frames);
  return best;
}

function assertAgrees(m: ContiguousModel, r: ContiguousReal): void {
  const { physical } = r.machine;
  for (let pfn = WINDOW_FIRST; pfn < WINDOW_FIRST + WINDOW_FRAMES; pfn++) {
    requireEqual('CONT-2', physical.state[pfn] === FrameState.Free, m.free.has(pfn), `frame ${pfn} is free`);
  }
  requireEqual('CONT-2', physical.freeFrames, r.freeFramesAtStart - m.held, 'free frames in the machine');
  requireRule('CONT-2', r.machine.kernel.stopped === null, () => `the machine stopped: ${r.machine.kernel.stopped?.message}`);
}

function take(m: ContiguousModel, frames: readonly number[]): void {
  for (const pfn of frames) m.free.delete(pfn);
  m.held += frames.length;
}

function give(m: ContiguousModel, frames: readonly number[]): void {
  for (const pfn of frames) {
    m.free.add(pfn);
    m.freedOrder.push(pfn);
  }
  m.held -= frames.length;
}

// --- commands ----------------------------------------------------------------

class AllocateContiguous implements ContiguousCommand {
  constructor(readonly pages: number, readonly shortBy: number, readonly boundaryPages: number) {}
  check = (m: Readonly<ContiguousModel>) => m.blocks.filter((b) => !b.freed).length < MAX_BLOCKS;
  run(m: ContiguousModel, r: ContiguousReal): void {
    const bytes = this.pages * PAGE_SIZE - (this.shortBy % PAGE_SIZE);
    const expected = highestFreeRun(m.free, WINDOW_FIRST, WINDOW_FRAMES, this.pages, this.boundaryPages);
    const va = r.machine.mm.MmAllocateContiguousMemorySpecifyCache(bytes, WINDOW_FIRST * PAGE_SIZE, (WINDOW_FIRST + WINDOW_FRAMES) * PAGE_SIZE - 1, this.boundaryPages * PAGE_SIZE, 'MmCached');
    const what = `${this.pages} contiguous page(s)${this.boundaryPages ? ` within ${this.boundaryPages}-page boundaries` : ''} with ${m.free.size} frame(s) of the window free`;
    if (expected < 0) {
      requireRule('CONT-2', va === null, () => `${what}: the allocator found frames at ${formatAddress(r.machine.mm.physicalAddressOf(va!))}, but no free run fits`);
    } else {
      requireRule('CONT-2', va !== null, () => `${what}: the allocator failed, but frames ${expected}..${expected + this.pages - 1} are free`);
      const pfn = r.machine.mm.physicalAddressOf(va) / PAGE_SIZE;
      requireEqual('CONT-2', pfn, expected, `first frame of ${what} (the highest free run that fits)`);
      for (let i = 0; i < this.pages; i++) {
        requireEqual('CONT-1', r.machine.mm.translate(va + i * PAGE_SIZE), pfn + i, `frame behind page ${i} of the contiguous block`);
        requireRule('CONT-1', (r.machine.physical.flags[pfn + i]! & FrameFlag.Contiguous) !== 0 && r.machine.physical.state[pfn + i] === FrameState.NonPaged,
          () => `frame ${pfn + i} of the block is not marked non-paged and contiguous`);
      }
      take(m, Array.from({ length: this.pages }, (_, i) => pfn + i));
      m.blocks.push({ pfn, pages: this.pages, freed: false });
      r.blocks.push(va);
    }
    assertAgrees(m, r);
  }
  toString = () => `AllocateContiguous(${this.pages} pages - ${this.shortBy % PAGE_SIZE} bytes, boundary ${this.boundaryPages} pages)`;
}

const liveBlocks = (m: ContiguousModel) => m.blocks.flatMap((b, i) => (b.freed ? [] : [i]));

class FreeContiguous implements ContiguousCommand {
  constructor(readonly i: number) {}
  check = (m: Readonly<ContiguousModel>) => liveBlocks(m).length > 0;
  run(m: ContiguousModel, r: ContiguousReal): void {
    const i = pickLive(liveBlocks(m), this.i);
    const b = m.blocks[i]!;
    r.machine.mm.MmFreeContiguousMemory(r.blocks[i]!);
    b.freed = true;
    give(m, Array.from({ length: b.pages }, (_, k) => b.pfn + k));
    assertAgrees(m, r);
  }
  toString = () => `FreeContiguous(${this.i})`;
}

/** The frames the next `count` new pages will take: the most recently freed ones still free, newest first. */
function nextFrames(m: ContiguousModel, count: number): number[] | null {
  const out: number[] = [];
  const seen = new Set<number>();
  for (let k = m.freedOrder.length - 1; k >= 0 && out.length < count; k--) {
    const pfn = m.freedOrder[k]!;
    if (m.free.has(pfn) && !seen.has(pfn)) out.push(pfn);
    seen.add(pfn);
  }
  return out.length === count ? out : null;
}

class TouchPages implements ContiguousCommand {
  constructor(readonly count: number) {}
  // Only as many pages as there are recently freed frames: beyond them, which frame comes next is the allocator's secret.
  check = (m: Readonly<ContiguousModel>) => nextFrames(m as ContiguousModel, this.count) !== null;
  run(m: ContiguousModel, r: ContiguousReal): void {
    const frames = nextFrames(m, this.count)!;
    const as = r.process.addressSpace;
    const va = r.machine.mm.allocateVirtual(as, this.count * PAGE_SIZE);
    r.machine.cpu.inProcess(r.process, () => r.machine.mm.fillVirtual(va, this.count * PAGE_SIZE, 0x5a));
    for (let i = 0; i < this.count; i++) {
      requireEqual('CONT-2', r.machine.mm.translate(va + i * PAGE_SIZE, as), frames[i], `frame of new page ${i} (freed frames are reused first, newest first)`);
    }
    // Taken frames leave the reuse order: a later free puts them back on top.
    for (const pfn of frames) m.freedOrder.splice(m.freedOrder.lastIndexOf(pfn), 1);
    take(m, frames);
    m.touched.push({ frames, released: false });
    r.touched.push(va);
    assertAgrees(m, r);
  }
  toString = () => `TouchPages(${this.count})`;
}

const liveTouched = (m: ContiguousModel) => m.touched.flatMap((t, i) => (t.released ? [] : [i]));

class ReleasePages implements ContiguousCommand {
  constructor(readonly i: number) {}
  check = (m: Readonly<ContiguousModel>) => liveTouched(m).length > 0;
  run(m: ContiguousModel, r: ContiguousReal): void {
    const i = pickLive(liveTouched(m), this.i);
    r.machine.mm.freeVirtual(r.process.addressSpace, r.touched[i]!);
    m.touched[i]!.released = true;
    give(m, m.touched[i]!.frames);
    assertAgrees(m, r);
  }
  toString = () => `ReleasePages(${this.i})`;
}

// --- arbitraries ------------------------------------------------------------

const index = fc.nat(63);
const commands: fc.Arbitrary<ContiguousCommand> = fc.oneof(
  { weight: 5, arbitrary: fc.tuple(fc.oneof({ weight: 3, arbitrary: fc.integer({ min: 1, max: 6 }) }, { weight: 1, arbitrary: fc.integer({ min: 7, max: 40 }) }), fc.nat(), fc.constantFrom(...BOUNDARY_PAGES)).map(([p, s, b]) => new AllocateContiguous(p, s, b)) },
  { weight: 4, arbitrary: index.map((i) => new FreeContiguous(i)) },
  { weight: 2, arbitrary: fc.integer({ min: 1, max: 8 }).map((n) => new TouchPages(n)) },
  { weight: 2, arbitrary: index.map((i) => new ReleasePages(i)) },
);

export function setupContiguousModel(): { model: ContiguousModel; real: ContiguousReal } {
  const machine = bootModelMachine({ seed: 17 });
  const process = machine.kernel.createProcess('app');
  const free = new Set<number>();
  for (let pfn = WINDOW_FIRST; pfn < WINDOW_FIRST + WINDOW_FRAMES; pfn++) if (machine.physical.state[pfn] === FrameState.Free) free.add(pfn);
  return {
    model: { free, freedOrder: [], blocks: [], touched: [], held: 0 },
    real: { machine, process, freeFramesAtStart: machine.physical.freeFrames, blocks: [], touched: [] },
  };
}

export const contiguousKernelModel: KernelModel<ContiguousModel, ContiguousReal> = {
  name: 'contiguous',
  title: 'contiguous allocation under fragmentation',
  rules: ['CONT-1', 'CONT-2'],
  commands,
  maxCommands: 50,
  setup: setupContiguousModel,
};
