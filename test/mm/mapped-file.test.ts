/**
 * Mapped files (PAGE-4): locking a view page that is not resident reads it
 * from the file; data a device writes into a locked view reaches the file on
 * FlushViewOfFile; the trimmer writes dirty view pages back; views of one
 * section share frames.
 */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { Machine } from '../../src/machine/machine';
import { STATUS } from '../../src/machine/ntstatus';
import { PAGE_SIZE } from '../../src/contracts/units';
import { COST } from '../../src/machine/cost-model';
import { Process } from '../../src/kernel/io/process';
import { SimulatedFile } from '../../src/kernel/mm/section';
import { bootSmallMachine, expectRaised, pattern } from './machine-fixture';

interface MappedView {
  machine: Machine;
  process: Process;
  file: SimulatedFile;
  va: number;
}

function mapFile(pages: number, fileName = 'data.bin'): MappedView {
  const machine = bootSmallMachine();
  const process = machine.kernel.createProcess('app');
  const file = machine.mm.createFile(fileName, pages * PAGE_SIZE, pattern(pages * PAGE_SIZE, 9));
  const section = machine.mm.createSection(file);
  const va = machine.mm.mapViewOfSection(process.addressSpace, section, 0, pages * PAGE_SIZE);
  return { machine, process, file, va };
}

function lockForDeviceWrite(view: MappedView, offset: number, length: number) {
  const { machine } = view;
  const mdl = machine.kernel.mdl.IoAllocateMdl(view.va + offset, length, false, false, null)!;
  machine.cpu.inProcess(view.process, () => machine.kernel.mdl.MmProbeAndLockPages(mdl, 'UserMode', 'IoWriteAccess'));
  return mdl;
}

describe('locking a view', () => {
  it('reads a non-resident page from the file into the locked frame', () => {
    const view = mapFile(4);
    const { machine, file } = view;
    assert.equal(machine.mm.translate(view.va + 2 * PAGE_SIZE, view.process.addressSpace), -1);
    const reads = file.reads;
    const mdl = lockForDeviceWrite(view, 2 * PAGE_SIZE, PAGE_SIZE);
    assert.equal(file.reads, reads + 1, 'the page was read from the file');
    const pfn = mdl.PfnArray[0]!;
    assert.equal(machine.physical.lockCount[pfn], 1);
    assert.deepEqual(machine.physical.read(pfn * PAGE_SIZE, PAGE_SIZE), pattern(4 * PAGE_SIZE, 9).subarray(2 * PAGE_SIZE, 3 * PAGE_SIZE));
  });

  it('pages read one after another along the file stream; a read elsewhere in it seeks again', () => {
    const view = mapFile(64);
    const { machine } = view;
    const pageIns = () => machine.clock.cpuTime('mm:page-in');
    lockForDeviceWrite(view, 0, 64 * PAGE_SIZE);
    const streamed = pageIns();
    assert.equal(streamed, COST.pageInFromDisk.ns + 63 * COST.pageInSequential.ns, 'one seek, then 63 pages streamed');
    const other = mapFile(64, 'other.bin');
    lockForDeviceWrite(other, 40 * PAGE_SIZE, PAGE_SIZE);
    lockForDeviceWrite(other, 10 * PAGE_SIZE, PAGE_SIZE);
    assert.equal(other.machine.clock.cpuTime('mm:page-in'), 2 * COST.pageInFromDisk.ns, 'two pages apart in the file: two seeks');
  });

  it('a page-in error while locking raises STATUS_IN_PAGE_ERROR and leaves nothing locked', () => {
    const view = mapFile(2);
    const { machine } = view;
    machine.mm.injectPageInError(view.process.addressSpace, view.va + PAGE_SIZE);
    const mdl = machine.kernel.mdl.IoAllocateMdl(view.va, 2 * PAGE_SIZE, false, false, null)!;
    machine.cpu.inProcess(view.process, () => expectRaised(STATUS.IN_PAGE_ERROR, () => machine.kernel.mdl.MmProbeAndLockPages(mdl, 'UserMode', 'IoReadAccess')));
    const first = machine.mm.translate(view.va, view.process.addressSpace);
    assert.equal(machine.physical.lockCount[first], 0);
    assert.equal(view.process.addressSpace.lockedPages, 0);
  });
});

describe('writing a view back to its file', () => {
  it('device writes into a locked view reach the file on FlushViewOfFile (PAGE-4)', () => {
    const view = mapFile(4);
    const { machine, file } = view;
    const mdl = lockForDeviceWrite(view, PAGE_SIZE, 2 * PAGE_SIZE);
    const incoming = pattern(2 * PAGE_SIZE, 77);
    // A bus-master device writes straight into the locked frames.
    machine.physical.write(mdl.PfnArray[0]! * PAGE_SIZE, incoming.subarray(0, PAGE_SIZE));
    machine.physical.write(mdl.PfnArray[1]! * PAGE_SIZE, incoming.subarray(PAGE_SIZE));
    assert.notDeepEqual(file.read(PAGE_SIZE, 2 * PAGE_SIZE), incoming, 'nothing reaches the file before the flush');
    const written = machine.mm.flushViewOfFile(view.process.addressSpace, view.va, 4 * PAGE_SIZE);
    assert.equal(written, 2);
    assert.deepEqual(file.read(PAGE_SIZE, 2 * PAGE_SIZE), incoming);
    assert.deepEqual(file.read(0, PAGE_SIZE), pattern(PAGE_SIZE, 9), 'untouched pages keep their contents');
    assert.equal(machine.mm.flushViewOfFile(view.process.addressSpace, view.va, 4 * PAGE_SIZE), 0, 'clean pages are not written again');
    machine.kernel.mdl.MmUnlockPages(mdl);
  });

  it('a flush of size 0 flushes from the address to the end of the view', () => {
    const view = mapFile(4);
    const { machine, file } = view;
    machine.cpu.inProcess(view.process, () => machine.mm.writeVirtual(view.va + 3 * PAGE_SIZE + 5, Uint8Array.of(0xee)));
    assert.equal(machine.mm.flushViewOfFile(view.process.addressSpace, view.va, 0), 1);
    assert.deepEqual(file.read(3 * PAGE_SIZE + 5, 1), Uint8Array.of(0xee));
    expectRaised(STATUS.INVALID_PARAMETER, () => machine.mm.flushViewOfFile(view.process.addressSpace, view.va, -1));
  });

  it('trimming a dirty view page writes it back to the file; a clean one is just dropped', () => {
    const view = mapFile(2);
    const { machine, file } = view;
    machine.cpu.inProcess(view.process, () => {
      machine.mm.writeVirtual(view.va + 10, Uint8Array.of(1, 2, 3));
      machine.mm.readVirtual(view.va + PAGE_SIZE, 1);
    });
    const writes = file.writes;
    const report = machine.mm.applyMemoryPressure('severe', view.process.addressSpace);
    assert.equal(report.trimmedPages, 2);
    assert.equal(report.writtenToFiles, 1);
    assert.equal(report.writtenToPagingFile, 0, 'view pages are backed by their file, not the paging file');
    assert.equal(file.writes, writes + 1);
    assert.deepEqual(file.read(10, 3), Uint8Array.of(1, 2, 3));
    const back = machine.cpu.inProcess(view.process, () => machine.mm.readVirtual(view.va + 8, 6));
    assert.deepEqual(back, Uint8Array.of(...pattern(10, 9).subarray(8, 10), 1, 2, 3, pattern(14, 9)[13]!));
  });

  it('a view page unmapped while locked and mapped to system space is written back at the last unlock, not lost', () => {
    const view = mapFile(1);
    const { machine, file } = view;
    const mdl = lockForDeviceWrite(view, 0, PAGE_SIZE);
    const frame = mdl.PfnArray[0]!;
    assert.ok(machine.kernel.mdl.MmGetSystemAddressForMdlSafe(mdl));
    machine.mm.unmapViewOfSection(view.process.addressSpace, view.va);
    machine.physical.write(frame * PAGE_SIZE, Uint8Array.of(0xd0, 0x0d));
    machine.kernel.mdl.MmUnlockPages(mdl);
    assert.deepEqual(file.read(0, 2), Uint8Array.of(0xd0, 0x0d), 'the device data reached the file');
    // Whoever gets the frame next must not show up in a new view of the file.
    const other = machine.kernel.createProcess('other');
    const scratch = machine.mm.allocateVirtual(other.addressSpace, PAGE_SIZE);
    machine.cpu.inProcess(other, () => machine.mm.writeVirtual(scratch, Uint8Array.of(0x66, 0x66)));
    const again = machine.mm.mapViewOfSection(view.process.addressSpace, machine.mm.createSection(file), 0, PAGE_SIZE);
    assert.deepEqual(machine.cpu.inProcess(view.process, () => machine.mm.readVirtual(again, 2)), Uint8Array.of(0xd0, 0x0d));
  });

  it('a view unmapped while a page is locked and mapped again shares the locked frame', () => {
    const machine = bootSmallMachine();
    const p = machine.kernel.createProcess('app');
    const file = machine.mm.createFile('f.bin', PAGE_SIZE);
    const section = machine.mm.createSection(file);
    const va = machine.mm.mapViewOfSection(p.addressSpace, section, 0, PAGE_SIZE);
    const mdl = machine.kernel.mdl.IoAllocateMdl(va, PAGE_SIZE, false, false, null)!;
    machine.cpu.inProcess(p, () => machine.kernel.mdl.MmProbeAndLockPages(mdl, 'UserMode', 'IoWriteAccess'));
    machine.mm.unmapViewOfSection(p.addressSpace, va);
    const again = machine.mm.mapViewOfSection(p.addressSpace, section, 0, PAGE_SIZE);
    machine.physical.write(mdl.PfnArray[0]! * PAGE_SIZE, Uint8Array.of(0x5a));
    assert.deepEqual(machine.cpu.inProcess(p, () => machine.mm.readVirtual(again, 1)), Uint8Array.of(0x5a), 'the device write is visible in the new view');
    assert.equal(machine.mm.translate(again, p.addressSpace), mdl.PfnArray[0]);
  });

  it('unmapping a view writes its dirty pages back', () => {
    const view = mapFile(1);
    const { machine, file } = view;
    machine.cpu.inProcess(view.process, () => machine.mm.writeVirtual(view.va, Uint8Array.of(0x42)));
    machine.mm.unmapViewOfSection(view.process.addressSpace, view.va);
    assert.deepEqual(file.read(0, 1), Uint8Array.of(0x42));
  });
});

describe('sections', () => {
  it('two views of one section share frames: a write through one is seen through the other', () => {
    const machine = bootSmallMachine();
    const file = machine.mm.createFile('shared.bin', 2 * PAGE_SIZE);
    const section = machine.mm.createSection(file);
    const a = machine.kernel.createProcess('a');
    const b = machine.kernel.createProcess('b');
    const va = machine.mm.mapViewOfSection(a.addressSpace, section, 0, 2 * PAGE_SIZE);
    const vb = machine.mm.mapViewOfSection(b.addressSpace, section, 0, 0);
    machine.cpu.inProcess(a, () => machine.mm.writeVirtual(va + PAGE_SIZE, Uint8Array.of(7)));
    assert.deepEqual(machine.cpu.inProcess(b, () => machine.mm.readVirtual(vb + PAGE_SIZE, 1)), Uint8Array.of(7));
    assert.equal(machine.mm.translate(va + PAGE_SIZE, a.addressSpace), machine.mm.translate(vb + PAGE_SIZE, b.addressSpace));
  });

  it('refuses an offset off the allocation granularity, a negative size, and an offset past the end', () => {
    const machine = bootSmallMachine();
    const p = machine.kernel.createProcess('app');
    const section = machine.mm.createSection(machine.mm.createFile('f', 0x20000));
    expectRaised(STATUS.INVALID_PARAMETER, () => machine.mm.mapViewOfSection(p.addressSpace, section, PAGE_SIZE, PAGE_SIZE));
    expectRaised(STATUS.INVALID_PARAMETER, () => machine.mm.mapViewOfSection(p.addressSpace, section, 0, -1));
    expectRaised(STATUS.INVALID_PARAMETER, () => machine.mm.mapViewOfSection(p.addressSpace, section, 0x20000, 0));
    expectRaised(STATUS.INVALID_PARAMETER, () => machine.mm.createFile('g', -5));
  });
});
