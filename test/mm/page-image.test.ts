/**
 * Page images: a page that holds a stretch of a pattern's stream stays that
 * stretch when it leaves its frame, flushed to its file or paged out, and when
 * it comes back; the file and the frames read exactly the bytes a twin machine
 * given the bytes themselves reads, at the same simulated times.
 */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { PAGE_SIZE } from '../../src/contracts/units';
import { isPatternImage, imageBytes, imageHolds, readImage } from '../../src/kernel/mm/page-image';
import { Machine } from '../../src/machine/machine';
import { DataPattern } from '../../src/pci/data-pattern';
import { bootSmallMachine } from './machine-fixture';

const pattern = new DataPattern(0x51);
const PAGES = 6;
/** The stretch ends 300 bytes into the last page: the page's rest stays zeros. */
const LENGTH = (PAGES - 1) * PAGE_SIZE + 300;
const STREAM = 12 * PAGE_SIZE + 8;

interface Run {
  readonly machine: Machine;
  readonly fileBytes: Uint8Array;
  readonly patternPagesInFile: number;
  readonly time: number;
  readonly viewBytes: Uint8Array;
  readonly patternFrames: number;
}

/** A device writes the stream into a locked view of a file (as a pattern, or as bytes), which is flushed, trimmed and read again. */
function viewRoundTrip(asPattern: boolean): Run {
  const machine = bootSmallMachine({ seed: 8 });
  const process = machine.kernel.createProcess('app');
  const file = machine.mm.createFile('f.bin', PAGES * PAGE_SIZE);
  const va = machine.mm.mapViewOfSection(process.addressSpace, machine.mm.createSection(file), 0, PAGES * PAGE_SIZE);
  const mdl = machine.kernel.mdl.IoAllocateMdl(va, PAGES * PAGE_SIZE, false, false, null)!;
  machine.cpu.inProcess(process, () => machine.kernel.mdl.MmProbeAndLockPages(mdl, 'UserMode', 'IoWriteAccess'));
  for (let page = 0; page < PAGES; page++) {
    const n = Math.min(PAGE_SIZE, LENGTH - page * PAGE_SIZE);
    const pa = mdl.PfnArray[page]! * PAGE_SIZE;
    if (asPattern) machine.physical.writePattern(pa, n, pattern, STREAM + page * PAGE_SIZE, 'device');
    else machine.physical.write(pa, pattern.expected(STREAM + page * PAGE_SIZE, n), 0, n, 'device');
  }
  machine.kernel.mdl.MmUnlockPages(mdl);
  machine.mm.flushViewOfFile(process.addressSpace, va, 0);
  const patternPagesInFile = [...file.pages.values()].filter((p) => isPatternImage(p)).length;
  machine.mm.applyMemoryPressure('severe', process.addressSpace);
  const viewBytes = machine.cpu.inProcess(process, () => machine.mm.readVirtual(va, PAGES * PAGE_SIZE));
  return { machine, fileBytes: file.read(0, PAGES * PAGE_SIZE), patternPagesInFile, time: machine.clock.now, viewBytes, patternFrames: machine.physical.patternFrames };
}

/** An application's buffer holding the stream (written as a pattern, or as bytes) is paged out and read back in. */
function pagingRoundTrip(asPattern: boolean): { bytes: Uint8Array; time: number; patternFrames: number; slotsUsed: number } {
  const machine = bootSmallMachine({ seed: 9 });
  const process = machine.kernel.createProcess('app');
  const va = machine.mm.allocateVirtual(process.addressSpace, PAGES * PAGE_SIZE);
  machine.cpu.inProcess(process, () => {
    if (asPattern) machine.mm.writeVirtualPattern(va, LENGTH, pattern, STREAM);
    else machine.mm.writeVirtual(va, pattern.expected(STREAM, LENGTH));
  });
  machine.mm.applyMemoryPressure('severe', process.addressSpace);
  const slotsUsed = machine.mm.pagingFile.usedSlots;
  const bytes = machine.cpu.inProcess(process, () => machine.mm.readVirtual(va, PAGES * PAGE_SIZE));
  return { bytes, time: machine.clock.now, patternFrames: machine.physical.patternFrames, slotsUsed };
}

describe('page images', () => {
  it('a view page the device filled from the stream reaches its file as the stretch, and comes back from it the same', () => {
    const [held, bytes] = [viewRoundTrip(true), viewRoundTrip(false)];
    assert.equal(held.patternPagesInFile, PAGES, 'every flushed page is kept as its stretch');
    assert.equal(bytes.patternPagesInFile, 0);
    assert.deepEqual(held.fileBytes, bytes.fileBytes, 'the file reads the same bytes');
    assert.deepEqual(held.fileBytes.subarray(0, LENGTH), pattern.expected(STREAM, LENGTH));
    assert.ok(held.fileBytes.subarray(LENGTH).every((b) => b === 0), 'zeros after the stretch');
    assert.deepEqual(held.viewBytes, bytes.viewBytes, 'the view reads the same bytes after it was trimmed and read in again');
    assert.equal(held.time, bytes.time, 'at the same simulated time');
    assert.equal(held.patternFrames, PAGES, 'the pages read in again are stretches, not bytes');
  });

  it('a page paged out and in again stays its stretch, reading the bytes a byte page reads', () => {
    const [held, bytes] = [pagingRoundTrip(true), pagingRoundTrip(false)];
    assert.ok(held.slotsUsed >= PAGES, `the pages went to the paging file (${held.slotsUsed} slots)`);
    assert.equal(held.slotsUsed, bytes.slotsUsed);
    assert.deepEqual(held.bytes, bytes.bytes);
    assert.equal(held.time, bytes.time);
    assert.equal(held.patternFrames, PAGES);
    assert.equal(bytes.patternFrames, 0);
  });

  it('a file compares with the stream without making the bytes of its stretches, and finds a changed byte', () => {
    const machine = bootSmallMachine();
    const file = machine.mm.createFile('g.bin', 3 * PAGE_SIZE);
    file.writePattern(0, 3 * PAGE_SIZE - 10, pattern, 4096);
    assert.equal(file.compareWithPattern(0, 3 * PAGE_SIZE - 10, pattern, 4096).matches, true);
    assert.equal(file.compareWithPattern(0, 3 * PAGE_SIZE, pattern, 4096).matches, false, 'the last 10 bytes are zeros, not the stream');
    assert.equal(file.compareWithPattern(0, PAGE_SIZE, pattern, 4096 + 256).matches, false, 'another stretch of the stream');
    file.write(PAGE_SIZE + 5, Uint8Array.of(pattern.byteAt(4096 + PAGE_SIZE + 5) ^ 1));
    const c = file.compareWithPattern(0, 3 * PAGE_SIZE - 10, pattern, 4096);
    assert.equal(c.first, PAGE_SIZE + 5);
    assert.equal(c.differing, 1);
    assert.deepEqual(file.read(0, 3 * PAGE_SIZE - 10).subarray(0, PAGE_SIZE), pattern.expected(4096, PAGE_SIZE), 'a write into one page leaves the others their stretch');
  });

  it('an image reads, copies and claims only what it holds', () => {
    const image = { pattern, base: 100, from: 10, to: 20 };
    const out = new Uint8Array(30);
    readImage(image, 0, out);
    assert.deepEqual(out.subarray(10, 20), pattern.expected(110, 10));
    assert.ok(out.subarray(0, 10).every((b) => b === 0) && out.subarray(20).every((b) => b === 0));
    assert.equal(imageBytes(image)!.length, PAGE_SIZE);
    assert.equal(imageHolds(image, 10, 10, pattern, 110), true);
    assert.equal(imageHolds(image, 9, 10, pattern, 109), false, 'a byte outside the stretch');
    assert.equal(imageHolds(image, 10, 10, new DataPattern(0x52), 110), false, 'another seed');
    assert.equal(imageHolds(Uint8Array.of(1), 0, 1, pattern, 100), false, 'bytes are never claimed');
    assert.throws(() => machineFile().writePattern(5, 10, pattern, 0), /starts on a page/);
  });
});

function machineFile() {
  return bootSmallMachine().mm.createFile('h.bin', PAGE_SIZE);
}
