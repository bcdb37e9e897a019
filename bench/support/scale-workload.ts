/**
 * The scale workload of benchmark 2 (issue 7), run in a process of its own
 * so that its peak resident memory is its own:
 *
 *   boot a 64 GiB machine; one process allocates N buffers of 8 MiB and
 *   locks them all (IoAllocateMdl + MmProbeAndLockPages, every page a
 *   demand-zero fault); with all N locked, one device-to-host DMA into each
 *   (BuildScatterGatherList, descriptor ring, device writes, PutScatterGatherList);
 *   then every buffer is unlocked and freed.
 *
 * The device's data is held as its pattern (src/kernel/mm/pattern-pages.ts),
 * so every byte stays checkable: each page's frame is checked to hold its
 * stretch of the stream, and a sample of buffers is read back byte for byte.
 *
 * Before booting, the process times a plain copy of the same bytes (N
 * copies of 8 MiB into one reused buffer) as the baseline. It prints one
 * line `SCALE-RESULT <json>` (ScaleMeasurement). Memory is sampled after
 * each phase, so the report can say where it went; past a ceiling the run
 * stops and reports what it had, rather than take the shared machine down.
 *
 *   node --require ts-node/register/transpile-only bench/support/scale-workload.ts <buffers> <ceiling MiB>
 */
import { Machine } from '../../src/machine/machine';
import { GiB, MiB, PAGE_SIZE } from '../../src/contracts/units';
import { MDL } from '../../src/kernel/mm/mdl';
import { FrameState } from '../../src/kernel/mm/physical-memory';
import { ScatterGatherDriver, holdsDevicePattern } from './scatter-gather-transfer';
import { collectGarbage, nowNs } from './timing';

export const RESULT_PREFIX = 'SCALE-RESULT ';
export const BUFFER_BYTES = 8 * MiB;

export interface MemorySample {
  readonly phase: string;
  /** process.memoryUsage() after a full collection. */
  readonly rss: number;
  readonly heapUsed: number;
  readonly external: number;
  readonly arrayBuffers: number;
  /** Bytes of stored page contents (4 KiB per frame written with bytes rather than a pattern). */
  readonly pageContentBytes: number;
  /** Frames held as a pattern, and the bytes that describe them. */
  readonly patternFrames: number;
  readonly patternBytes: number;
  readonly pfnDatabaseBytes: number;
  /**
   * Bytes of the PFN arrays that hold an entry of a frame in use, counted in
   * whole 4 KiB pages, plus the state array the boot writes in full: an
   * estimate of how much of the database the OS has had to map.
   */
  readonly pfnResidentBytes: number;
}

export interface ScaleMeasurement {
  readonly buffers: number;
  readonly bufferBytes: number;
  readonly completed: boolean;
  /** Why the run stopped early, when it did. */
  readonly stoppedBecause: string | null;
  readonly buffersDone: number;
  readonly ns: { readonly plainCopy: number; readonly boot: number; readonly lock: number; readonly dma: number; readonly unlock: number };
  /**
   * Real nanoseconds to write one 4 KiB page of memory the process never
   * touched before (the OS maps it on first touch), from a fresh 64 MiB
   * buffer: the floor for storing new simulated data on this machine.
   */
  readonly firstTouchNsPerPage: number;
  readonly simulatedNs: number;
  readonly maxRssBytes: number;
  readonly memory: readonly MemorySample[];
  /** The sampled buffers, read byte for byte through the CPU, hold the device's stream. */
  readonly patternChecked: boolean;
  /** Buffers read byte for byte (the first, the last and every 256th). */
  readonly buffersReadBack: number;
  /** Every page of every buffer holds its stretch of the device's stream, checked from the frames' pattern descriptors. */
  readonly everyPageChecked: boolean;
  readonly verifierFindings: number;
}

function pfnDatabaseBytes(machine: Machine | null): number {
  if (!machine) return 0;
  let bytes = 0;
  for (const value of Object.values(machine.physical)) if (ArrayBuffer.isView(value)) bytes += value.byteLength;
  return bytes;
}

function pfnResidentBytes(machine: Machine | null): number {
  if (!machine) return 0;
  const p = machine.physical;
  const OS_PAGE = 4096;
  let bytes = p.state.byteLength; // the boot marks every RAM frame free: the whole state array is written
  for (const array of [p.flags, p.lockCount, p.shareCount, p.owner, p.ownerPage]) {
    const perPage = OS_PAGE / array.BYTES_PER_ELEMENT;
    let touched = 0;
    for (let first = 0; first < p.frameLimit; first += perPage) {
      const end = Math.min(first + perPage, p.frameLimit);
      for (let pfn = first; pfn < end; pfn++) {
        if (p.state[pfn] !== FrameState.Free && p.state[pfn] !== FrameState.Absent) {
          touched++;
          break;
        }
      }
    }
    bytes += touched * OS_PAGE;
  }
  return bytes;
}

function sample(phase: string, machine: Machine | null): MemorySample {
  collectGarbage();
  const u = process.memoryUsage();
  return {
    phase, rss: u.rss, heapUsed: u.heapUsed, external: u.external, arrayBuffers: u.arrayBuffers,
    pageContentBytes: machine?.physical.contentBytes ?? 0, patternFrames: machine?.physical.patternFrames ?? 0, patternBytes: machine?.physical.patternBytes ?? 0, pfnDatabaseBytes: pfnDatabaseBytes(machine), pfnResidentBytes: pfnResidentBytes(machine),
  };
}

export function runScaleWorkload(buffers: number, ceilingBytes: number): ScaleMeasurement {
  const memory: MemorySample[] = [sample('start', null)];
  const ns = { plainCopy: 0, boot: 0, lock: 0, dma: 0, unlock: 0 };
  let stoppedBecause: string | null = null;
  const overCeiling = (what: string): boolean => {
    const rss = process.memoryUsage().rss;
    if (rss <= ceilingBytes) return false;
    stoppedBecause = `resident memory reached ${(rss / MiB).toFixed(0)} MiB (ceiling ${(ceilingBytes / MiB).toFixed(0)} MiB) ${what}`;
    return true;
  };

  // Baseline: the same bytes copied in-process, 8 MiB at a time.
  {
    const source = new Uint8Array(BUFFER_BYTES).fill(0x5a);
    const destination = new Uint8Array(BUFFER_BYTES);
    destination.set(source);
    const t = nowNs();
    for (let i = 0; i < buffers; i++) destination.set(source);
    ns.plainCopy = nowNs() - t;
  }

  // Floor: writing memory the process has never touched, one fresh buffer.
  let firstTouchNsPerPage: number;
  {
    const bytes = 64 * MiB;
    const t0 = nowNs();
    new Uint8Array(bytes).fill(0x5a);
    firstTouchNsPerPage = (nowNs() - t0) / (bytes / PAGE_SIZE);
  }
  collectGarbage();

  let t = nowNs();
  // Every locked buffer's MDL lives in non-paged pool (16 KiB for 8 MiB): 4,096 of them need more than the
  // default 64 MiB, and Windows sizes non-paged pool to the RAM (up to three quarters of it on x64).
  const machine = Machine.boot({ ramBytes: 64 * GiB, seed: 5, nonPagedPoolBytes: 1 * GiB });
  ns.boot = nowNs() - t;
  memory.push(sample('booted', machine));
  const app = machine.kernel.createProcess('scale-app');
  const driver = new ScatterGatherDriver(machine, BUFFER_BYTES);
  const simulatedStart = machine.clock.now;

  const locked: { va: number; mdl: MDL }[] = [];
  t = nowNs();
  for (let i = 0; i < buffers && !stoppedBecause; i++) {
    const va = machine.mm.allocateVirtual(app.addressSpace, BUFFER_BYTES);
    locked.push({ va, mdl: driver.lock(app, va, BUFFER_BYTES) });
    if (i % 32 === 31) overCeiling(`after locking ${i + 1} buffers`);
  }
  ns.lock = nowNs() - t;
  memory.push(sample(`${locked.length} buffers locked`, machine));

  let buffersDone = 0;
  t = nowNs();
  for (const { va, mdl } of locked) {
    if (stoppedBecause) break;
    const list = driver.buildList(mdl, va, BUFFER_BYTES, false);
    driver.deviceWrites(list);
    driver.putList(list, false);
    buffersDone++;
    if (buffersDone % 16 === 0) overCeiling(`after DMA into ${buffersDone} buffers`);
  }
  ns.dma = nowNs() - t;
  memory.push(sample(`DMA into ${buffersDone} buffers`, machine));

  // Checks outside the timed phases. Every page of every buffer: its frame holds the stretch of the device's stream
  // the transfer put there (known from the frame's pattern, without making the bytes). A sample read byte for byte.
  const pattern = machine.dmaDevice.pattern;
  const everyPageChecked = buffersDone > 0 && locked.slice(0, buffersDone).every(({ mdl }) =>
    mdl.PfnArray.every((pfn, i) => machine.physical.holdsPattern(pfn * PAGE_SIZE, PAGE_SIZE, pattern, i * PAGE_SIZE)));
  const readBack = locked.slice(0, buffersDone).filter((_b, i) => i === 0 || i === buffersDone - 1 || i % 256 === 0);
  const patternChecked = readBack.length > 0 && readBack.every(({ va }) => holdsDevicePattern(machine, app, va, BUFFER_BYTES));

  t = nowNs();
  for (const { va, mdl } of locked) {
    driver.unlock(mdl);
    machine.mm.freeVirtual(app.addressSpace, va);
  }
  ns.unlock = nowNs() - t;
  memory.push(sample('unlocked and freed', machine));

  return {
    buffers,
    bufferBytes: BUFFER_BYTES,
    completed: stoppedBecause === null && buffersDone === buffers,
    stoppedBecause,
    buffersDone,
    ns,
    firstTouchNsPerPage,
    simulatedNs: machine.clock.now - simulatedStart,
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
    memory,
    patternChecked,
    buffersReadBack: readBack.length,
    everyPageChecked,
    verifierFindings: machine.verifier.findings.length,
  };
}

function main(): void {
  const buffers = Number(process.argv[2]);
  const ceilingMiB = Number(process.argv[3]);
  if (!Number.isInteger(buffers) || buffers < 1) throw new RangeError(`the buffer count must be a whole number of at least 1, got ${process.argv[2]}`);
  if (!(ceilingMiB > 0)) throw new RangeError(`the memory ceiling must be a positive number of MiB, got ${process.argv[3]}`);
  if (BUFFER_BYTES % PAGE_SIZE !== 0) throw new Error('buffers must be whole pages');
  const result = runScaleWorkload(buffers, ceilingMiB * MiB);
  process.stdout.write(RESULT_PREFIX + JSON.stringify(result) + '\n');
}

if (require.main === module) main();
