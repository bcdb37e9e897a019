/**
 * User address spaces: reserved memory is not usable until committed,
 * committed memory is demand-zero on first touch, protections hold, freeing
 * gives the frames back, and processes do not see each other's pages.
 */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { STATUS } from '../../src/machine/ntstatus';
import { PAGE_SIZE, pageOf } from '../../src/contracts/units';
import { FrameState, PHYSICAL_ADDRESS_LIMIT } from '../../src/kernel/mm/physical-memory';
import { bootSmallMachine, expectRaised, touchedUserBuffer } from './machine-fixture';

describe('reserve and commit', () => {
  it('touching reserved, uncommitted memory raises an access violation and takes no frame', () => {
    const machine = bootSmallMachine();
    const p = machine.kernel.createProcess('app');
    const va = machine.mm.allocateVirtual(p.addressSpace, 4 * PAGE_SIZE, { commit: false });
    const free = machine.physical.freeFrames;
    machine.cpu.inProcess(p, () => {
      expectRaised(STATUS.ACCESS_VIOLATION, () => machine.mm.readVirtual(va, 1));
      expectRaised(STATUS.ACCESS_VIOLATION, () => machine.mm.writeVirtual(va + PAGE_SIZE, Uint8Array.of(1)));
    });
    assert.equal(machine.physical.freeFrames, free);
    assert.equal(p.addressSpace.residentPages(), 0);
  });

  it('an address outside every allocation raises an access violation', () => {
    const machine = bootSmallMachine();
    const p = machine.kernel.createProcess('app');
    const va = machine.mm.allocateVirtual(p.addressSpace, PAGE_SIZE);
    machine.cpu.inProcess(p, () => expectRaised(STATUS.ACCESS_VIOLATION, () => machine.mm.readVirtual(va + 64 * PAGE_SIZE, 1)));
  });

  it('committed memory is demand-zero: the first touch takes a zeroed frame owned by the process', () => {
    const machine = bootSmallMachine();
    const p = machine.kernel.createProcess('app');
    const va = machine.mm.allocateVirtual(p.addressSpace, 3 * PAGE_SIZE + 10);
    assert.equal(va % 0x10000, 0, 'allocations start on the 64 KiB allocation granularity');
    assert.equal(machine.mm.translate(va, p.addressSpace), -1, 'nothing is resident before the first touch');
    const free = machine.physical.freeFrames;
    const bytes = machine.cpu.inProcess(p, () => machine.mm.readVirtual(va + PAGE_SIZE, 8));
    assert.deepEqual(bytes, new Uint8Array(8));
    assert.equal(machine.physical.freeFrames, free - 1, 'one page touched, one frame taken');
    const pfn = machine.mm.translate(va + PAGE_SIZE, p.addressSpace);
    assert.ok(pfn >= 0);
    assert.equal(machine.physical.state[pfn], FrameState.Pageable);
    assert.equal(machine.physical.ownerOf(pfn), p.addressSpace);
    assert.equal(machine.physical.ownerPage[pfn], pageOf(va + PAGE_SIZE));
    assert.ok(p.addressSpace.workingSet.has(pageOf(va + PAGE_SIZE)), 'the page joins the working set');
    // The rounded-up last page is committed too.
    machine.cpu.inProcess(p, () => machine.mm.writeVirtual(va + 4 * PAGE_SIZE - 1, Uint8Array.of(7)));
  });

  it('what is written is read back, across page boundaries', () => {
    const machine = bootSmallMachine();
    const buffer = touchedUserBuffer(machine, 3);
    const data = Uint8Array.from({ length: 3000 }, (_, i) => i & 0xff);
    machine.cpu.inProcess(buffer.process, () => {
      machine.mm.writeVirtual(buffer.va + PAGE_SIZE - 1000, data);
      assert.deepEqual(machine.mm.readVirtual(buffer.va + PAGE_SIZE - 1000, 3000), data);
    });
  });

  it('refuses sizes that are not positive whole numbers of bytes', () => {
    const machine = bootSmallMachine();
    const p = machine.kernel.createProcess('app');
    for (const size of [0, -PAGE_SIZE, 1.5, Number.NaN]) {
      expectRaised(STATUS.INVALID_PARAMETER, () => machine.mm.allocateVirtual(p.addressSpace, size));
    }
    const va = machine.mm.allocateVirtual(p.addressSpace, PAGE_SIZE);
    machine.cpu.inProcess(p, () => assert.throws(() => machine.mm.readVirtual(va, -1), /length must be a whole non-negative number/));
  });

  it('a user address touched with no process attached raises an access violation', () => {
    const machine = bootSmallMachine();
    const p = machine.kernel.createProcess('app');
    const va = machine.mm.allocateVirtual(p.addressSpace, PAGE_SIZE);
    expectRaised(STATUS.ACCESS_VIOLATION, () => machine.mm.readVirtual(va, 1));
  });
});

describe('protections', () => {
  it('a read-only page can be read but a write raises an access violation', () => {
    const machine = bootSmallMachine();
    const p = machine.kernel.createProcess('app');
    const va = machine.mm.allocateVirtual(p.addressSpace, PAGE_SIZE, { protection: 'readonly' });
    machine.cpu.inProcess(p, () => {
      assert.deepEqual(machine.mm.readVirtual(va, 4), new Uint8Array(4));
      expectRaised(STATUS.ACCESS_VIOLATION, () => machine.mm.writeVirtual(va, Uint8Array.of(1)));
      assert.deepEqual(machine.mm.readVirtual(va, 4), new Uint8Array(4), 'the refused write changed nothing');
    });
  });

  it('a no-access page refuses reads; changing the protection makes it usable', () => {
    const machine = bootSmallMachine();
    const p = machine.kernel.createProcess('app');
    const va = machine.mm.allocateVirtual(p.addressSpace, PAGE_SIZE, { protection: 'noaccess' });
    machine.cpu.inProcess(p, () => {
      expectRaised(STATUS.ACCESS_VIOLATION, () => machine.mm.readVirtual(va, 1));
      machine.mm.setProtection(p.addressSpace, va, 'readwrite');
      machine.mm.writeVirtual(va, Uint8Array.of(5));
      machine.mm.setProtection(p.addressSpace, va, 'readonly');
      expectRaised(STATUS.ACCESS_VIOLATION, () => machine.mm.writeVirtual(va, Uint8Array.of(6)));
      assert.deepEqual(machine.mm.readVirtual(va, 1), Uint8Array.of(5));
    });
  });
});

describe('freeing virtual memory', () => {
  it('gives the frames back and makes the range unusable', () => {
    const machine = bootSmallMachine();
    const buffer = touchedUserBuffer(machine, 4);
    const free = machine.physical.freeFrames;
    machine.mm.freeVirtual(buffer.process.addressSpace, buffer.va);
    assert.equal(machine.physical.freeFrames, free + 4);
    assert.equal(buffer.process.addressSpace.residentPages(), 0);
    assert.equal(buffer.process.addressSpace.workingSet.size, 0);
    machine.cpu.inProcess(buffer.process, () => expectRaised(STATUS.ACCESS_VIOLATION, () => machine.mm.readVirtual(buffer.va, 1)));
  });

  it('releases the paging-file slots of pages that were paged out', () => {
    const machine = bootSmallMachine();
    const buffer = touchedUserBuffer(machine, 4);
    machine.mm.applyMemoryPressure('severe', buffer.process.addressSpace);
    assert.equal(machine.mm.pagingFile.usedSlots, 4);
    machine.mm.freeVirtual(buffer.process.addressSpace, buffer.va);
    assert.equal(machine.mm.pagingFile.usedSlots, 0);
  });

  it('refuses an address that is not the start of an allocation, and a second free', () => {
    const machine = bootSmallMachine();
    const buffer = touchedUserBuffer(machine, 2);
    const as = buffer.process.addressSpace;
    expectRaised(STATUS.INVALID_PARAMETER, () => machine.mm.freeVirtual(as, buffer.va + PAGE_SIZE));
    machine.mm.freeVirtual(as, buffer.va);
    expectRaised(STATUS.INVALID_PARAMETER, () => machine.mm.freeVirtual(as, buffer.va));
  });
});

describe('separate processes', () => {
  it('the same user address in two processes holds different pages', () => {
    const machine = bootSmallMachine();
    const a = machine.kernel.createProcess('a');
    const b = machine.kernel.createProcess('b');
    const va = machine.mm.allocateVirtual(a.addressSpace, PAGE_SIZE);
    assert.equal(machine.mm.allocateVirtual(b.addressSpace, PAGE_SIZE), va, 'both processes start allocating at the same address');
    machine.cpu.inProcess(a, () => machine.mm.writeVirtual(va, Uint8Array.of(0xaa)));
    machine.cpu.inProcess(b, () => machine.mm.writeVirtual(va, Uint8Array.of(0xbb)));
    assert.deepEqual(machine.cpu.inProcess(a, () => machine.mm.readVirtual(va, 1)), Uint8Array.of(0xaa));
    assert.notEqual(machine.mm.translate(va, a.addressSpace), machine.mm.translate(va, b.addressSpace));
  });

  it('working-set limits are validated', () => {
    const machine = bootSmallMachine();
    const p = machine.kernel.createProcess('app');
    expectRaised(STATUS.INVALID_PARAMETER, () => machine.mm.setWorkingSetSize(p.addressSpace, 2 * PAGE_SIZE, PAGE_SIZE));
    expectRaised(STATUS.INVALID_PARAMETER, () => machine.mm.setWorkingSetSize(p.addressSpace, -PAGE_SIZE, PAGE_SIZE));
    machine.mm.setWorkingSetSize(p.addressSpace, 10 * PAGE_SIZE, 20 * PAGE_SIZE);
    assert.equal(p.addressSpace.workingSetMinimumPages, 10);
    assert.equal(p.addressSpace.workingSetMaximumPages, 20);
  });
});

describe('I/O space mapped into system space', () => {
  it('CPU accesses go to whatever decodes I/O space, and fail clearly when nothing does', () => {
    const machine = bootSmallMachine();
    const register = 0xf000_0000 + 0x10;
    const va = machine.mm.MmMapIoSpace(register, 8)!;
    assert.equal(machine.mm.physicalAddressOf(va), register);
    assert.throws(() => machine.mm.readVirtual(va, 4), /not RAM, and no bus decodes I\/O space/);
    const seen: string[] = [];
    machine.mm.ioSpace = {
      read: (pa, length) => (seen.push(`read ${pa.toString(16)}+${length}`), new Uint8Array(length).fill(0xab)),
      write: (pa, data) => void seen.push(`write ${pa.toString(16)}=${[...data].join(',')}`),
    };
    assert.deepEqual(machine.mm.readVirtual(va, 2), Uint8Array.of(0xab, 0xab));
    machine.mm.writeVirtual(va + 4, Uint8Array.of(1, 2));
    assert.deepEqual(seen, ['read f0000010+2', 'write f0000014=1,2']);
    assert.equal(machine.physical.contentBytes, 0, 'nothing was stored as if it were RAM');
    expectRaised(STATUS.INVALID_PARAMETER, () => machine.mm.MmMapIoSpace(register, 0));
  });

  it('a range that is no physical range returns NULL, as Windows does, and maps nothing', () => {
    const machine = bootSmallMachine();
    const ptes = machine.mm.systemPtes.free;
    assert.equal(machine.mm.MmMapIoSpace(2 ** 64 - PAGE_SIZE, 16 * PAGE_SIZE), null, 'an end that wraps past 2^64');
    assert.equal(machine.mm.MmMapIoSpace(-PAGE_SIZE, PAGE_SIZE), null, 'a start a signed PHYSICAL_ADDRESS makes negative');
    assert.equal(machine.mm.MmMapIoSpace(PHYSICAL_ADDRESS_LIMIT - PAGE_SIZE, PAGE_SIZE + 1), null, 'an end past the top of the physical address space');
    assert.equal(machine.mm.systemPtes.free, ptes, 'no system PTE was taken');
    assert.notEqual(machine.mm.MmMapIoSpace(PHYSICAL_ADDRESS_LIMIT - PAGE_SIZE, PAGE_SIZE), null, 'the last page below the top maps');
  });
});
