/**
 * The working-set trimmer and the paging file (PAGE-1, PAGE-2): moderate
 * pressure trims a process to its minimum, severe pressure trims every
 * unlocked page whatever the limits say, dirty pages go to a bounded paging
 * file and come back intact, locked pages stay in their frames, a trimmed
 * page's frame goes to the next owner, and page-in errors are reported as
 * documented.
 */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { STATUS } from '../../src/machine/ntstatus';
import { PAGE_SIZE, pageOf } from '../../src/contracts/units';
import { FrameState } from '../../src/kernel/mm/physical-memory';
import { bootSmallMachine, expectBugCheck, expectRaised, framesOf, pattern, touchedUserBuffer } from './machine-fixture';

describe('working-set limits under pressure', () => {
  it('moderate pressure trims a process down to its minimum, oldest pages first', () => {
    const machine = bootSmallMachine();
    const buffer = touchedUserBuffer(machine, 20);
    const as = buffer.process.addressSpace;
    machine.mm.setWorkingSetSize(as, 5 * PAGE_SIZE, 100 * PAGE_SIZE);
    const report = machine.mm.applyMemoryPressure('moderate');
    assert.equal(as.workingSet.size, 5);
    assert.equal(report.trimmedPages, 15);
    const resident = framesOf(machine, buffer).map((pfn) => pfn >= 0);
    assert.deepEqual(resident, [...Array(15).fill(false), ...Array(5).fill(true)], 'the 5 most recently touched pages stay');
  });

  it('an unknown pressure level is refused rather than treated as severe', () => {
    const machine = bootSmallMachine();
    const buffer = touchedUserBuffer(machine, 2);
    assert.throws(() => machine.mm.applyMemoryPressure('mild' as never), /memory pressure must be one of moderate, severe/);
    assert.ok(framesOf(machine, buffer).every((pfn) => pfn >= 0));
  });

  it('moderate pressure leaves a process that is within its minimum alone', () => {
    const machine = bootSmallMachine({ workingSetMinimumPages: 50 });
    const buffer = touchedUserBuffer(machine, 20);
    const report = machine.mm.applyMemoryPressure('moderate');
    assert.equal(report.trimmedPages, 0);
    assert.ok(framesOf(machine, buffer).every((pfn) => pfn >= 0));
  });

  it('severe pressure trims every unlocked page even after the minimum was raised (PAGE-2)', () => {
    const machine = bootSmallMachine();
    const buffer = touchedUserBuffer(machine, 20);
    const as = buffer.process.addressSpace;
    machine.mm.setWorkingSetSize(as, 200 * PAGE_SIZE, 400 * PAGE_SIZE);
    assert.equal(machine.mm.applyMemoryPressure('moderate').trimmedPages, 0, 'the raised minimum is honoured under moderate pressure');
    const report = machine.mm.applyMemoryPressure('severe');
    assert.equal(report.trimmedPages, 20);
    assert.equal(report.writtenToPagingFile, 20);
    assert.equal(as.workingSet.size, 0);
    assert.ok(framesOf(machine, buffer).every((pfn) => pfn < 0), 'no page is resident');
  });
});

describe('the paging file', () => {
  it('dirty pages go to the paging file and come back intact on the next access', () => {
    const machine = bootSmallMachine();
    const buffer = touchedUserBuffer(machine, 8);
    const expected = pattern(buffer.bytes, buffer.process.processId);
    const free = machine.physical.freeFrames;
    machine.mm.applyMemoryPressure('severe', buffer.process.addressSpace);
    assert.equal(machine.mm.pagingFile.usedSlots, 8);
    assert.equal(machine.physical.freeFrames, free + 8, 'the frames went back to the free list');
    const pageInTime = machine.clock.cpuTime('mm:page-in');
    const back = machine.cpu.inProcess(buffer.process, () => machine.mm.readVirtual(buffer.va, buffer.bytes));
    assert.deepEqual(back, expected);
    assert.equal(machine.mm.pagingFile.usedSlots, 0, 'slots are released once the pages are back');
    assert.ok(machine.clock.cpuTime('mm:page-in') > pageInTime, 'reading from disk costs simulated time');
  });

  it('a full paging file leaves the pages it cannot take resident', () => {
    const machine = bootSmallMachine({ pagingFileBytes: 4 * PAGE_SIZE });
    const buffer = touchedUserBuffer(machine, 10);
    const report = machine.mm.applyMemoryPressure('severe', buffer.process.addressSpace);
    assert.equal(report.trimmedPages, 4);
    assert.equal(machine.mm.pagingFile.usedSlots, 4);
    assert.equal(framesOf(machine, buffer).filter((pfn) => pfn >= 0).length, 6);
    const back = machine.cpu.inProcess(buffer.process, () => machine.mm.readVirtual(buffer.va, buffer.bytes));
    assert.deepEqual(back, pattern(buffer.bytes, buffer.process.processId));
  });

  it('when frames run out, a fault trims other pages to make room', () => {
    const machine = bootSmallMachine();
    const victim = touchedUserBuffer(machine, 8, 'victim');
    const hog = machine.physical.registerOwner((ownerId) => ({ ownerId, ownerName: 'hog' }));
    while (machine.physical.freeFrames > 0) machine.physical.allocateFrame(hog, 0, FrameState.NonPaged);
    const newcomer = touchedUserBuffer(machine, 4, 'newcomer');
    assert.ok(framesOf(machine, newcomer).every((pfn) => pfn >= 0));
    assert.ok(machine.mm.pagingFile.usedSlots >= 4, 'the victim was paged out to make room');
    const back = machine.cpu.inProcess(newcomer.process, () => machine.mm.readVirtual(newcomer.va, newcomer.bytes));
    assert.deepEqual(back, pattern(newcomer.bytes, newcomer.process.processId));
    assert.ok(framesOf(machine, victim).some((pfn) => pfn < 0));
  });
});

describe('locked pages and frame reuse (PAGE-1)', () => {
  it('a locked page survives severe pressure and keeps its frame', () => {
    const machine = bootSmallMachine();
    const buffer = touchedUserBuffer(machine, 4);
    const before = framesOf(machine, buffer);
    const mdl = machine.kernel.mdl.IoAllocateMdl(buffer.va + PAGE_SIZE, PAGE_SIZE, false, false, null)!;
    machine.cpu.inProcess(buffer.process, () => machine.kernel.mdl.MmProbeAndLockPages(mdl, 'UserMode', 'IoWriteAccess'));
    const report = machine.mm.applyMemoryPressure('severe');
    assert.equal(report.keptLocked, 1);
    const after = framesOf(machine, buffer);
    assert.equal(after[1], before[1], 'the locked page is in the same frame');
    assert.deepEqual([after[0], after[2], after[3]], [-1, -1, -1], 'the unlocked pages were trimmed');
    machine.kernel.mdl.MmUnlockPages(mdl);
    assert.equal(machine.mm.applyMemoryPressure('severe').trimmedPages, 1, 'once unlocked it can be trimmed');
  });

  it("a trimmed page's frame goes to another process's next allocation and then holds that process's data", () => {
    const machine = bootSmallMachine();
    const a = touchedUserBuffer(machine, 1, 'a');
    const [frameOfA] = framesOf(machine, a);
    machine.mm.applyMemoryPressure('severe', a.process.addressSpace);
    const b = touchedUserBuffer(machine, 1, 'b');
    const [frameOfB] = framesOf(machine, b);
    assert.equal(frameOfB, frameOfA, 'the freed frame is reused first');
    assert.equal(machine.physical.ownerOf(frameOfB!), b.process.addressSpace);
    assert.deepEqual(machine.physical.read(frameOfA! * PAGE_SIZE, 64), pattern(64, b.process.processId), "the frame now holds b's data");
    // a's data is not lost: it comes back from the paging file into another frame.
    const back = machine.cpu.inProcess(a.process, () => machine.mm.readVirtual(a.va, a.bytes));
    assert.deepEqual(back, pattern(a.bytes, a.process.processId));
    assert.notEqual(framesOf(machine, a)[0], frameOfA);
  });
});

describe('page-in errors', () => {
  it('raise STATUS_IN_PAGE_ERROR for user memory, and the next try succeeds', () => {
    const machine = bootSmallMachine();
    const buffer = touchedUserBuffer(machine, 2);
    machine.mm.applyMemoryPressure('severe', buffer.process.addressSpace);
    machine.mm.injectPageInError(buffer.process.addressSpace, buffer.va + PAGE_SIZE);
    machine.cpu.inProcess(buffer.process, () => {
      assert.deepEqual(machine.mm.readVirtual(buffer.va, 4), pattern(4, buffer.process.processId), 'the other page is unaffected');
      expectRaised(STATUS.IN_PAGE_ERROR, () => machine.mm.readVirtual(buffer.va + PAGE_SIZE, 4));
      assert.equal(machine.mm.translate(buffer.va + PAGE_SIZE), -1, 'the failed page is not resident');
      assert.deepEqual(machine.mm.readVirtual(buffer.va, buffer.bytes), pattern(buffer.bytes, buffer.process.processId));
    });
  });

  it('can be injected through the fault injector at the page-in point, per process', () => {
    const machine = bootSmallMachine();
    const buffer = touchedUserBuffer(machine, 3, 'victim');
    machine.mm.applyMemoryPressure('severe', buffer.process.addressSpace);
    machine.kernel.faults.add({ point: 'page-in', mode: { kind: 'nth', n: 2 }, callSite: 'victim' });
    machine.cpu.inProcess(buffer.process, () => {
      machine.mm.readVirtual(buffer.va, 1);
      expectRaised(STATUS.IN_PAGE_ERROR, () => machine.mm.readVirtual(buffer.va + PAGE_SIZE, 1));
      machine.mm.readVirtual(buffer.va + 2 * PAGE_SIZE, 1);
    });
    assert.equal(machine.kernel.faults.injected.get('page-in'), 1);
  });

  it('stop the machine with 0x7A KERNEL_DATA_INPAGE_ERROR for paged pool', () => {
    const machine = bootSmallMachine();
    const va = machine.mm.ExAllocatePoolWithTag('PagedPool', 2 * PAGE_SIZE, 'Test')!;
    machine.mm.writeVirtual(va, pattern(2 * PAGE_SIZE, 3));
    const report = machine.mm.applyMemoryPressure('severe');
    assert.ok(report.writtenToPagingFile >= 2, 'paged pool is pageable');
    assert.equal(machine.mm.translate(va + PAGE_SIZE), -1);
    machine.mm.injectPageInError(machine.mm.systemSpace, va + PAGE_SIZE);
    assert.deepEqual(machine.mm.readVirtual(va, 8), pattern(8, 3));
    const stop = expectBugCheck(machine, 0x7a, () => machine.mm.readVirtual(va + PAGE_SIZE, 8));
    assert.equal(stop.parameters[1], STATUS.IN_PAGE_ERROR);
    assert.equal(stop.parameters[3], va + PAGE_SIZE);
    assert.equal(pageOf(stop.parameters[3]), pageOf(va) + 1);
  });
});
