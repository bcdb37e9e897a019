/**
 * Benchmark 3 (issue 7): kernel operations on an 8 MiB buffer (2048 pages):
 * MmProbeAndLockPages + BuildScatterGatherList + MmUnlockPages, with the
 * PutScatterGatherList a driver must call before it unlocks. Reported as
 * operations per second and real time per page, against a plain loop over
 * the same page-number array that does the bare data work of the three
 * calls (count a lock per frame, write an address/length element, count
 * the unlock), measured in the same call.
 */
import { Machine } from '../src/machine/machine';
import { MiB, PAGE_SIZE } from '../src/contracts/units';
import { BenchResult } from './bench-result';
import { ScatterGatherDriver, residentUserBuffer } from './support/scatter-gather-transfer';
import { median } from './statistics';
import { collectGarbage, pairedTimings, perPair } from './support/timing';

export const repetitions = 5;

const BUFFER_BYTES = 8 * MiB;
const PAGES = BUFFER_BYTES / PAGE_SIZE;

/** The plain loop: per page, what the three kernel calls must at least do to the page's numbers. */
function plainLoop(pfns: readonly number[], lockCount: Uint16Array, elements: Float64Array): number {
  for (let i = 0; i < pfns.length; i++) lockCount[pfns[i]!]!++;
  for (let i = 0; i < pfns.length; i++) {
    elements[2 * i] = pfns[i]! * PAGE_SIZE;
    elements[2 * i + 1] = PAGE_SIZE;
  }
  let sum = 0;
  for (let i = 0; i < pfns.length; i++) sum += --lockCount[pfns[i]!]!;
  return sum;
}

export async function run(): Promise<BenchResult[]> {
  const machine = Machine.boot({ seed: 11 });
  const app = machine.kernel.createProcess('bench-app');
  const driver = new ScatterGatherDriver(machine, BUFFER_BYTES);
  const va = residentUserBuffer(machine, app, BUFFER_BYTES);

  const operation = () => {
    const mdl = driver.lock(app, va, BUFFER_BYTES);
    const list = driver.buildList(mdl, va, BUFFER_BYTES, false);
    driver.putList(list, false);
    driver.unlock(mdl);
  };
  operation();
  if (machine.verifier.findings.length > 0) throw new Error(`the verifier objected: ${machine.verifier.findings.map((f) => f.id).join(', ')}`);

  // The same page numbers the kernel locks, taken from a locked MDL.
  const mdl = driver.lock(app, va, BUFFER_BYTES);
  const pfns = [...mdl.PfnArray];
  driver.unlock(mdl);
  if (pfns.length !== PAGES) throw new Error(`expected ${PAGES} pages, the MDL has ${pfns.length}`);
  const lockCount = new Uint16Array(machine.physical.frameLimit);
  const elements = new Float64Array(2 * PAGES);
  let sink = 0;
  const loop = () => {
    sink += plainLoop(pfns, lockCount, elements);
  };
  loop();

  collectGarbage();
  const t = pairedTimings(operation, loop, { pairs: 30, baselineRepeat: 20, minMs: 500 });
  if (sink !== 0) throw new Error('the plain loop left frames counted as locked');
  const kernelNs = median(t.subjectNs);
  const loopNs = median(t.baselineNs);

  return [
    { name: 'lock + build list + unlock, 8 MiB', value: 1e9 / kernelNs, unit: 'operations/s', note: `median of ${t.subjectNs.length} operations on 2048 resident pages; each also puts the list back` },
    { name: 'lock + build list + unlock, per page', value: kernelNs / PAGES, unit: 'ns/page real time' },
    { name: 'plain loop over the page numbers, per page', value: loopNs / PAGES, unit: 'ns/page real time', note: 'lock count up, one address/length element, lock count down, on the same 2048 frame numbers' },
    {
      name: 'kernel operations vs plain loop (cost per page ratio)', value: median(perPair(t, (kernel, plain) => kernel / plain)), unit: 'x the plain loop', ratio: true,
      note: 'how many times the plain loop\'s per-page cost the kernel path spends; median over pairs of (20 loops, 1 operation) timed in alternation',
    },
  ];
}
