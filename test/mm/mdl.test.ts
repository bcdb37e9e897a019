/**
 * The MDL routines, each with its documented failure modes: IoAllocateMdl
 * (MDL-1), MmProbeAndLockPages (PAGE-3), MmUnlockPages and IoFreeMdl (PAGE-5),
 * MmBuildMdlForNonPagedPool (PAGE-7), IoBuildPartialMdl (MDL-2),
 * MmGetSystemAddressForMdlSafe and system PTEs (MDL-3, CONT-5), chained MDLs
 * (MDL-5), and process exit with pages still locked (0xCB / 0x76).
 */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { Machine } from '../../src/machine/machine';
import { DISPATCH_LEVEL, PASSIVE_LEVEL } from '../../src/machine/irql';
import { STATUS } from '../../src/machine/ntstatus';
import { MiB, PAGE_SIZE } from '../../src/contracts/units';
import { MM_USER_PROBE_ADDRESS } from '../../src/kernel/mm/layout';
import {
  MAXIMUM_MDL_LENGTH,
  MDL,
  MDL_MAPPED_TO_SYSTEM_VA,
  MDL_PAGES_LOCKED,
  MDL_PARTIAL,
  MDL_SOURCE_IS_NONPAGED_POOL,
  MDL_WRITE_OPERATION,
  MmGetMdlVirtualAddress,
} from '../../src/kernel/mm/mdl';
import { FrameState } from '../../src/kernel/mm/physical-memory';
import { UserBuffer, bootSmallMachine, expectBugCheck, expectRaised, framesOf, pattern, touchedUserBuffer } from './machine-fixture';

function allocate(machine: Machine, va: number, length: number): MDL {
  const mdl = machine.kernel.mdl.IoAllocateMdl(va, length, false, false, null);
  assert.ok(mdl, 'IoAllocateMdl returned NULL');
  return mdl;
}

function lock(machine: Machine, buffer: UserBuffer, mdl: MDL, mode: 'UserMode' | 'KernelMode' = 'UserMode'): void {
  machine.cpu.inProcess(buffer.process, () => machine.kernel.mdl.MmProbeAndLockPages(mdl, mode, 'IoWriteAccess'));
}

function lockedBuffer(machine: Machine, pages: number, name = 'app'): { buffer: UserBuffer; mdl: MDL } {
  const buffer = touchedUserBuffer(machine, pages, name);
  const mdl = allocate(machine, buffer.va, buffer.bytes);
  lock(machine, buffer, mdl);
  return { buffer, mdl };
}

/** Every frame of the buffer is unlocked and the process counts no locked page. */
function assertNothingLocked(machine: Machine, buffer: UserBuffer): void {
  for (const pfn of framesOf(machine, buffer)) if (pfn >= 0) assert.equal(machine.physical.lockCount[pfn], 0, `frame ${pfn} is still locked`);
  assert.equal(buffer.process.addressSpace.lockedPages, 0);
}

describe('IoAllocateMdl (MDL-1)', () => {
  it('describes the buffer and takes its header from non-paged pool', () => {
    const machine = bootSmallMachine();
    const used = machine.mm.nonPagedPool.usedPages;
    const mdl = allocate(machine, 0x10000 + 100, 2 * PAGE_SIZE);
    assert.equal(mdl.StartVa, 0x10000);
    assert.equal(mdl.ByteOffset, 100);
    assert.equal(mdl.ByteCount, 2 * PAGE_SIZE);
    assert.equal(mdl.pageCount, 3);
    assert.equal(mdl.Size, 48 + 8 * 3);
    assert.equal(MmGetMdlVirtualAddress(mdl), 0x10000 + 100);
    assert.equal(machine.mm.nonPagedPool.usedPages, used + 1);
    assert.equal(machine.mm.poolAllocationAt(mdl.poolVa)?.tag, 'Mdl ');
    machine.kernel.mdl.IoFreeMdl(mdl);
    assert.equal(machine.mm.nonPagedPool.usedPages, used);
  });

  it('returns NULL above MAXIMUM_MDL_LENGTH and succeeds at it', () => {
    const machine = bootSmallMachine({ nonPagedPoolBytes: 16 * MiB });
    assert.equal(machine.kernel.mdl.IoAllocateMdl(0x10000, MAXIMUM_MDL_LENGTH + 1, false, false, null), null);
    const largest = machine.kernel.mdl.IoAllocateMdl(0x10000, MAXIMUM_MDL_LENGTH, false, false, null);
    assert.ok(largest);
    assert.equal(largest.pageCount, MAXIMUM_MDL_LENGTH / PAGE_SIZE);
  });

  it('returns NULL when non-paged pool is exhausted, or when a fault is injected', () => {
    const machine = bootSmallMachine({ nonPagedPoolBytes: 64 * PAGE_SIZE });
    while (machine.mm.ExAllocatePoolWithTag('NonPagedPool', PAGE_SIZE, 'Fill') !== null);
    assert.equal(machine.kernel.mdl.IoAllocateMdl(0x10000, PAGE_SIZE, false, false, null), null);
    const other = bootSmallMachine();
    other.kernel.faults.add({ point: 'IoAllocateMdl', mode: { kind: 'first-per-call-site' } });
    assert.equal(other.kernel.mdl.IoAllocateMdl(0x10000, PAGE_SIZE, false, false, null, 'driver!Read'), null);
    assert.ok(other.kernel.mdl.IoAllocateMdl(0x10000, PAGE_SIZE, false, false, null, 'driver!Read'));
  });

  it('refuses a length or address that is not a whole number instead of returning NULL', () => {
    const machine = bootSmallMachine();
    for (const length of [0, -1, 1.5, Number.NaN]) {
      assert.throws(() => machine.kernel.mdl.IoAllocateMdl(0x10000, length, false, false, null), /IoAllocateMdl: length must be a positive whole number/);
    }
    assert.throws(() => machine.kernel.mdl.IoAllocateMdl(-4096, PAGE_SIZE, false, false, null), /IoAllocateMdl: virtual address/);
  });

  it('numbers MDLs per machine, so bug-check parameters replay', () => {
    const a = bootSmallMachine();
    const first = allocate(a, 0x10000, 1).id;
    allocate(a, 0x10000, 1);
    const b = bootSmallMachine();
    assert.equal(allocate(b, 0x10000, 1).id, first);
  });

  it('a double IoFreeMdl is BAD_POOL_CALLER 0xC2; using a freed MDL is a verifier stop', () => {
    const machine = bootSmallMachine();
    const mdl = allocate(machine, 0x10000, PAGE_SIZE);
    machine.kernel.mdl.IoFreeMdl(mdl);
    const stop = expectBugCheck(machine, 0xc2, () => machine.kernel.mdl.IoFreeMdl(mdl), 0x07);
    assert.equal(stop.parameters[3], mdl.poolVa);
    const other = bootSmallMachine();
    const freed = allocate(other, 0x10000, PAGE_SIZE);
    other.kernel.mdl.IoFreeMdl(freed);
    expectBugCheck(other, 0xc4, () => other.kernel.mdl.MmProbeAndLockPages(freed, 'KernelMode', 'IoReadAccess'));
  });
});

describe('MmProbeAndLockPages (PAGE-1, PAGE-3)', () => {
  it('makes the pages resident, locks each frame once and records the lock in the process', () => {
    const machine = bootSmallMachine();
    const buffer = touchedUserBuffer(machine, 3);
    machine.mm.applyMemoryPressure('severe', buffer.process.addressSpace);
    const mdl = allocate(machine, buffer.va + 10, buffer.bytes - 20);
    lock(machine, buffer, mdl);
    assert.deepEqual(mdl.PfnArray, framesOf(machine, buffer));
    for (const pfn of mdl.PfnArray) assert.equal(machine.physical.lockCount[pfn], 1);
    assert.equal(buffer.process.addressSpace.lockedPages, 3);
    assert.equal(mdl.MdlFlags & (MDL_PAGES_LOCKED | MDL_WRITE_OPERATION), MDL_PAGES_LOCKED | MDL_WRITE_OPERATION);
    assert.equal(mdl.Process, buffer.process);
    assert.deepEqual(machine.physical.read(mdl.PfnArray[1]! * PAGE_SIZE, 16), pattern(PAGE_SIZE + 16, buffer.process.processId).subarray(PAGE_SIZE), 'paged back in intact');
  });

  it('raises STATUS_ACCESS_VIOLATION for a range that runs past the allocation, leaving nothing locked', () => {
    const machine = bootSmallMachine();
    const buffer = touchedUserBuffer(machine, 2);
    const mdl = allocate(machine, buffer.va, buffer.bytes + PAGE_SIZE);
    machine.cpu.inProcess(buffer.process, () => expectRaised(STATUS.ACCESS_VIOLATION, () => machine.kernel.mdl.MmProbeAndLockPages(mdl, 'UserMode', 'IoReadAccess')));
    assertNothingLocked(machine, buffer);
    assert.equal(mdl.MdlFlags & MDL_PAGES_LOCKED, 0);
    lock(machine, buffer, allocate(machine, buffer.va, buffer.bytes));
    assert.equal(buffer.process.addressSpace.lockedPages, 2, 'the buffer itself can still be locked');
  });

  it('raises for reserved memory, and for write access to read-only memory', () => {
    const machine = bootSmallMachine();
    const p = machine.kernel.createProcess('app');
    const reserved = machine.mm.allocateVirtual(p.addressSpace, PAGE_SIZE, { commit: false });
    const readonly = machine.mm.allocateVirtual(p.addressSpace, 2 * PAGE_SIZE, { protection: 'readonly' });
    machine.cpu.inProcess(p, () => {
      expectRaised(STATUS.ACCESS_VIOLATION, () => machine.kernel.mdl.MmProbeAndLockPages(allocate(machine, reserved, PAGE_SIZE), 'UserMode', 'IoReadAccess'));
      expectRaised(STATUS.ACCESS_VIOLATION, () => machine.kernel.mdl.MmProbeAndLockPages(allocate(machine, readonly, 2 * PAGE_SIZE), 'UserMode', 'IoWriteAccess'));
      machine.kernel.mdl.MmProbeAndLockPages(allocate(machine, readonly, 2 * PAGE_SIZE), 'UserMode', 'IoReadAccess');
    });
    assert.equal(p.addressSpace.lockedPages, 2, 'only the read-access lock holds pages');
  });

  it('raises for a kernel address probed in UserMode, also when a user range reaches into system space', () => {
    const machine = bootSmallMachine();
    const app = machine.kernel.createProcess('app');
    const kernelVa = machine.mm.ExAllocatePoolWithTag('NonPagedPool', PAGE_SIZE, 'Kern')!;
    machine.cpu.inProcess(app, () => {
      expectRaised(STATUS.ACCESS_VIOLATION, () => machine.kernel.mdl.MmProbeAndLockPages(allocate(machine, kernelVa, PAGE_SIZE), 'UserMode', 'IoReadAccess'));
      expectRaised(STATUS.ACCESS_VIOLATION, () => machine.kernel.mdl.MmProbeAndLockPages(allocate(machine, MM_USER_PROBE_ADDRESS - PAGE_SIZE, 2 * PAGE_SIZE), 'UserMode', 'IoReadAccess'));
    });
    assert.equal(machine.physical.lockCount[machine.mm.translate(kernelVa)], 0);
    const kernelMdl = allocate(machine, kernelVa, PAGE_SIZE);
    machine.kernel.mdl.MmProbeAndLockPages(kernelMdl, 'KernelMode', 'IoReadAccess');
    assert.equal(machine.physical.lockCount[kernelMdl.PfnArray[0]!], 1, 'KernelMode may lock a kernel address');
  });

  it('stops the machine (0xC4/0x70) when a user buffer is probed at DISPATCH_LEVEL, as from a DPC, in no process or in its own', () => {
    for (const inOwnProcess of [false, true]) {
      const machine = bootSmallMachine();
      const buffer = touchedUserBuffer(machine, 2);
      const mdl = allocate(machine, buffer.va, buffer.bytes);
      const probe = () => machine.cpu.atIrql(DISPATCH_LEVEL, () => machine.kernel.mdl.MmProbeAndLockPages(mdl, 'KernelMode', 'IoWriteAccess'));
      const stop = expectBugCheck(machine, 0xc4, () => (inOwnProcess ? machine.cpu.inProcess(buffer.process, probe) : machine.cpu.inProcess(null, probe)), 0x70);
      assert.deepEqual(stop.fault, { address: buffer.va, write: true, space: 'user', reason: 'user-memory-at-raised-irql' });
      assertNothingLocked(machine, buffer);
    }
  });

  it('raises STATUS_IN_PAGE_ERROR when a page cannot be read back, unlocking the pages it had locked', () => {
    const machine = bootSmallMachine();
    const buffer = touchedUserBuffer(machine, 4);
    machine.mm.applyMemoryPressure('severe', buffer.process.addressSpace);
    machine.mm.injectPageInError(buffer.process.addressSpace, buffer.va + 2 * PAGE_SIZE);
    const mdl = allocate(machine, buffer.va, buffer.bytes);
    machine.cpu.inProcess(buffer.process, () => expectRaised(STATUS.IN_PAGE_ERROR, () => machine.kernel.mdl.MmProbeAndLockPages(mdl, 'UserMode', 'IoReadAccess')));
    const frames = framesOf(machine, buffer);
    assert.ok(frames[0]! >= 0 && frames[1]! >= 0, 'the pages before the failing one were paged in (and locked) first');
    assertNothingLocked(machine, buffer);
    assert.equal(machine.mm.applyMemoryPressure('severe', buffer.process.addressSpace).keptLocked, 0);
  });

  it('raises STATUS_INSUFFICIENT_RESOURCES when a low-resources fault is injected, leaving nothing locked', () => {
    const machine = bootSmallMachine();
    const buffer = touchedUserBuffer(machine, 2);
    machine.kernel.faults.add({ point: 'MmProbeAndLockPages', mode: { kind: 'nth', n: 1 } });
    const mdl = allocate(machine, buffer.va, buffer.bytes);
    machine.cpu.inProcess(buffer.process, () => expectRaised(STATUS.INSUFFICIENT_RESOURCES, () => machine.kernel.mdl.MmProbeAndLockPages(mdl, 'UserMode', 'IoReadAccess')));
    assertNothingLocked(machine, buffer);
  });

  it('raises STATUS_ACCESS_VIOLATION for a user address with no process attached', () => {
    const machine = bootSmallMachine();
    const buffer = touchedUserBuffer(machine, 1);
    expectRaised(STATUS.ACCESS_VIOLATION, () => machine.kernel.mdl.MmProbeAndLockPages(allocate(machine, buffer.va, 1), 'KernelMode', 'IoReadAccess'));
  });

  it('refuses an access mode or operation it does not know instead of treating it as kernel mode', () => {
    const machine = bootSmallMachine();
    const buffer = touchedUserBuffer(machine, 1);
    const mdl = allocate(machine, buffer.va, PAGE_SIZE);
    machine.cpu.inProcess(buffer.process, () => {
      assert.throws(() => machine.kernel.mdl.MmProbeAndLockPages(mdl, 'User' as never, 'IoReadAccess'), /access mode must be one of KernelMode, UserMode/);
      assert.throws(() => machine.kernel.mdl.MmProbeAndLockPages(mdl, 'UserMode', 'Read' as never), /operation must be one of/);
    });
    assertNothingLocked(machine, buffer);
  });

  it('locking an MDL that is locked already is verifier stop 0xC4/0xB0', () => {
    const machine = bootSmallMachine();
    const { buffer, mdl } = lockedBuffer(machine, 1);
    expectBugCheck(machine, 0xc4, () => lock(machine, buffer, mdl), 0xb0);
  });

  it('a page locked by two MDLs stays locked until the last unlock', () => {
    const machine = bootSmallMachine();
    const { buffer, mdl } = lockedBuffer(machine, 1);
    const second = allocate(machine, buffer.va, 10);
    lock(machine, buffer, second);
    const pfn = mdl.PfnArray[0]!;
    assert.equal(machine.physical.lockCount[pfn], 2);
    machine.kernel.mdl.MmUnlockPages(mdl);
    assert.equal(machine.physical.lockCount[pfn], 1);
    assert.equal(machine.mm.applyMemoryPressure('severe').keptLocked, 1);
    machine.kernel.mdl.MmUnlockPages(second);
    assertNothingLocked(machine, buffer);
  });
});

describe('MmUnlockPages (PAGE-5)', () => {
  it('unmaps the MDL\'s system mapping: a later access through that address stops the machine (0x50) naming the released mapping', () => {
    const machine = bootSmallMachine();
    const { mdl } = lockedBuffer(machine, 2);
    const va = machine.kernel.mdl.MmGetSystemAddressForMdlSafe(mdl, 'NormalPagePriority')!;
    machine.kernel.mdl.MmUnlockPages(mdl);
    const stop = expectBugCheck(machine, 0x50, () => machine.mm.readVirtual(va + 8, 4));
    assert.deepEqual(stop.fault, { address: Math.floor((va + 8) / PAGE_SIZE) * PAGE_SIZE, write: false, space: 'system', reason: 'released-system-mapping', mdlId: mdl.id });
  });

  it('undoes the lock; the MDL can be locked again', () => {
    const machine = bootSmallMachine();
    const { buffer, mdl } = lockedBuffer(machine, 3);
    machine.kernel.mdl.MmUnlockPages(mdl);
    assertNothingLocked(machine, buffer);
    assert.equal(mdl.MdlFlags & MDL_PAGES_LOCKED, 0);
    lock(machine, buffer, mdl);
    assert.equal(buffer.process.addressSpace.lockedPages, 3);
  });

  it('an extra unlock is 0x76 PROCESS_HAS_LOCKED_PAGES with P1=1, the MDL and the pages the process still has locked', () => {
    const machine = bootSmallMachine();
    const { buffer, mdl } = lockedBuffer(machine, 2);
    const other = allocate(machine, buffer.va, PAGE_SIZE);
    lock(machine, buffer, other);
    machine.kernel.mdl.MmUnlockPages(mdl);
    const stop = expectBugCheck(machine, 0x76, () => machine.kernel.mdl.MmUnlockPages(mdl), 0x01);
    assert.deepEqual(stop.parameters.slice(1, 3), [mdl.id, 1]);
    assert.equal(machine.physical.lockCount[other.PfnArray[0]!], 1, 'the extra unlock did not take the other lock away');
  });

  it('unlocking an MDL that was never locked is verifier stop 0xC4/0x7C', () => {
    const machine = bootSmallMachine();
    const mdl = allocate(machine, 0x10000, PAGE_SIZE);
    const stop = expectBugCheck(machine, 0xc4, () => machine.kernel.mdl.MmUnlockPages(mdl), 0x7c);
    assert.equal(stop.parameters[1], mdl.id);
  });

  it('a frame unlocked more often than locked is 0x4E PFN_LIST_CORRUPT with P1=0x07', () => {
    const machine = bootSmallMachine();
    const { buffer, mdl } = lockedBuffer(machine, 1);
    const pfn = mdl.PfnArray[0]!;
    machine.mm.unlockFrame(pfn, buffer.process.addressSpace);
    const stop = expectBugCheck(machine, 0x4e, () => machine.mm.unlockFrame(pfn, buffer.process.addressSpace), 0x07);
    assert.deepEqual(stop.parameters.slice(1, 3), [pfn, machine.physical.shareCount[pfn]]);
  });

  it('freeing non-paged pool or contiguous memory while it is locked for I/O is 0x4E P1=0x9A', () => {
    const a = bootSmallMachine();
    const pool = a.mm.ExAllocatePoolWithTag('NonPagedPool', PAGE_SIZE, 'Lckd')!;
    const mdl = allocate(a, pool, PAGE_SIZE);
    a.kernel.mdl.MmProbeAndLockPages(mdl, 'KernelMode', 'IoWriteAccess');
    const stop = expectBugCheck(a, 0x4e, () => a.mm.ExFreePoolWithTag(pool, 'Lckd'), 0x9a);
    assert.deepEqual(stop.parameters.slice(1), [mdl.PfnArray[0], FrameState.NonPaged, 1]);
    const b = bootSmallMachine();
    const contiguous = b.mm.MmAllocateContiguousMemorySpecifyCache(PAGE_SIZE, 0, 2 ** 40, 0, 'MmCached')!;
    b.kernel.mdl.MmProbeAndLockPages(allocate(b, contiguous, PAGE_SIZE), 'KernelMode', 'IoReadAccess');
    expectBugCheck(b, 0x4e, () => b.mm.MmFreeContiguousMemory(contiguous), 0x9a);
  });

  it('memory freed while locked keeps its frames until the unlock', () => {
    const machine = bootSmallMachine();
    const { buffer, mdl } = lockedBuffer(machine, 2);
    const frames = [...mdl.PfnArray];
    machine.mm.freeVirtual(buffer.process.addressSpace, buffer.va);
    for (const pfn of frames) assert.notEqual(machine.physical.state[pfn], FrameState.Free, 'a locked frame is not freed under the device');
    const free = machine.physical.freeFrames;
    machine.kernel.mdl.MmUnlockPages(mdl);
    for (const pfn of frames) assert.equal(machine.physical.state[pfn], FrameState.Free);
    assert.equal(machine.physical.freeFrames, free + 2);
  });
});

describe('MmBuildMdlForNonPagedPool (PAGE-7)', () => {
  it('describes non-paged pool and contiguous memory without locking or mapping anything', () => {
    const machine = bootSmallMachine();
    for (const va of [machine.mm.ExAllocatePoolWithTag('NonPagedPool', 2 * PAGE_SIZE, 'NonP')!, machine.mm.MmAllocateContiguousMemorySpecifyCache(2 * PAGE_SIZE, 0, 2 ** 40, 0, 'MmCached')!]) {
      const mdl = allocate(machine, va, 2 * PAGE_SIZE);
      const ptes = machine.mm.systemPtes.inUse;
      machine.kernel.mdl.MmBuildMdlForNonPagedPool(mdl);
      assert.deepEqual(mdl.PfnArray, [machine.mm.translate(va), machine.mm.translate(va + PAGE_SIZE)]);
      assert.equal(mdl.MdlFlags & MDL_SOURCE_IS_NONPAGED_POOL, MDL_SOURCE_IS_NONPAGED_POOL);
      assert.equal(machine.kernel.mdl.MmGetSystemAddressForMdlSafe(mdl), va, 'already mapped: its own address');
      assert.equal(machine.mm.systemPtes.inUse, ptes);
      for (const pfn of mdl.PfnArray) assert.equal(machine.physical.lockCount[pfn], 0);
      machine.kernel.mdl.IoFreeMdl(mdl);
    }
  });

  it('on pageable user memory is verifier stop 0xC4/0x7F', () => {
    const machine = bootSmallMachine();
    const buffer = touchedUserBuffer(machine, 1);
    const mdl = allocate(machine, buffer.va, PAGE_SIZE);
    const stop = expectBugCheck(machine, 0xc4, () => machine.cpu.inProcess(buffer.process, () => machine.kernel.mdl.MmBuildMdlForNonPagedPool(mdl)), 0x7f);
    assert.deepEqual(stop.parameters.slice(1), [PASSIVE_LEVEL, mdl.id, mdl.MdlFlags], 'P2 current IRQL, P3 MDL, P4 MDL flags');
  });

  it('on paged pool is verifier stop 0xC4/0x7F even while the page is resident', () => {
    const machine = bootSmallMachine();
    const va = machine.mm.ExAllocatePoolWithTag('PagedPool', PAGE_SIZE, 'Page')!;
    machine.mm.writeVirtual(va, Uint8Array.of(1));
    expectBugCheck(machine, 0xc4, () => machine.kernel.mdl.MmBuildMdlForNonPagedPool(allocate(machine, va, PAGE_SIZE)), 0x7f);
  });

  it('such an MDL must not be locked (0xC4/0xB0) or unlocked (0xC4/0x7D)', () => {
    const build = () => {
      const machine = bootSmallMachine();
      const mdl = allocate(machine, machine.mm.ExAllocatePoolWithTag('NonPagedPool', PAGE_SIZE, 'NonP')!, PAGE_SIZE);
      machine.kernel.mdl.MmBuildMdlForNonPagedPool(mdl);
      return { machine, mdl };
    };
    const a = build();
    const stop = expectBugCheck(a.machine, 0xc4, () => a.machine.kernel.mdl.MmProbeAndLockPages(a.mdl, 'KernelMode', 'IoReadAccess'), 0xb0);
    assert.deepEqual(stop.parameters.slice(1), [a.mdl.id, a.mdl.MdlFlags, MDL_SOURCE_IS_NONPAGED_POOL], 'P2 MDL, P3 MDL flags, P4 the flags that are wrong here');
    const b = build();
    expectBugCheck(b.machine, 0xc4, () => b.machine.kernel.mdl.MmUnlockPages(b.mdl), 0x7d);
  });
});

describe('partial MDLs (MDL-2)', () => {
  function withPartial(pages = 4) {
    const machine = bootSmallMachine();
    const { buffer, mdl: parent } = lockedBuffer(machine, pages);
    const partial = allocate(machine, buffer.va + PAGE_SIZE, 2 * PAGE_SIZE);
    machine.kernel.mdl.IoBuildPartialMdl(parent, partial, buffer.va + PAGE_SIZE + 8, PAGE_SIZE);
    return { machine, buffer, parent, partial };
  }

  it('describes part of the parent with the parent’s frames', () => {
    const { machine, parent, partial } = withPartial();
    assert.deepEqual(partial.PfnArray, parent.PfnArray.slice(1, 3));
    assert.equal(partial.ByteOffset, 8);
    assert.equal(partial.ByteCount, PAGE_SIZE);
    assert.equal(partial.MdlFlags & MDL_PARTIAL, MDL_PARTIAL);
    assert.ok(parent.partials.has(partial));
    for (const pfn of parent.PfnArray) assert.equal(machine.physical.lockCount[pfn], 1, 'building a partial locks nothing more');
  });

  it('freeing the parent while the partial lives is 0x4E PFN_LIST_CORRUPT P1=0x9A with the frame, its state and lock count', () => {
    const { machine, partial } = withPartial();
    const pfn = partial.PfnArray[0]!;
    const stop = expectBugCheck(machine, 0x4e, () => machine.kernel.mdl.IoFreeMdl(partial.parent!), 0x9a);
    assert.deepEqual(stop.parameters.slice(1), [pfn, FrameState.Pageable, 1]);
  });

  it('unlocking the parent while the partial lives is 0x4E P1=0x9A too', () => {
    const { machine, parent, partial } = withPartial();
    const stop = expectBugCheck(machine, 0x4e, () => machine.kernel.mdl.MmUnlockPages(parent), 0x9a);
    assert.deepEqual(stop.parameters.slice(1), [partial.PfnArray[0], FrameState.Pageable, 1]);
    assert.equal(machine.physical.lockCount[parent.PfnArray[0]!], 1, 'nothing was unlocked');
  });

  it('unlocking a partial MDL is verifier stop 0xC4/0xB4', () => {
    const { machine, partial } = withPartial();
    const stop = expectBugCheck(machine, 0xc4, () => machine.kernel.mdl.MmUnlockPages(partial), 0xb4);
    assert.deepEqual(stop.parameters.slice(1), [partial.id, partial.MdlFlags, MDL_PARTIAL], 'P2 MDL, P3 MDL flags, P4 the unexpected partial flag');
  });

  it('in the documented order (free the partial, unlock the parent, free it) nothing stops', () => {
    const { machine, buffer, parent, partial } = withPartial();
    assert.ok(machine.kernel.mdl.MmGetSystemAddressForMdlSafe(partial));
    machine.kernel.mdl.IoFreeMdl(partial);
    assert.equal(machine.mm.systemPtes.inUse, 0, 'freeing the partial released its mapping');
    machine.kernel.mdl.MmUnlockPages(parent);
    machine.kernel.mdl.IoFreeMdl(parent);
    assertNothingLocked(machine, buffer);
    assert.equal(machine.kernel.stopped, null);
  });

  it('a preallocated partial MDL is reused with MmPrepareMdlForReuse, up to the size it was allocated for', () => {
    const machine = bootSmallMachine();
    const { buffer, mdl: parent } = lockedBuffer(machine, 8);
    const reserve = allocate(machine, 0x10000, 4 * PAGE_SIZE);
    for (const [offset, pages] of [[0, 1], [2, 4], [5, 3]] as const) {
      machine.kernel.mdl.IoBuildPartialMdl(parent, reserve, buffer.va + offset * PAGE_SIZE, pages * PAGE_SIZE);
      assert.deepEqual(reserve.PfnArray, parent.PfnArray.slice(offset, offset + pages));
      assert.ok(machine.kernel.mdl.MmGetSystemAddressForMdlSafe(reserve));
      machine.kernel.mdl.MmPrepareMdlForReuse(reserve);
      assert.equal(machine.mm.systemPtes.inUse, 0);
    }
    expectBugCheck(machine, 0x40, () => machine.kernel.mdl.IoBuildPartialMdl(parent, reserve, buffer.va, 5 * PAGE_SIZE));
  });

  it('after MmPrepareMdlForReuse the parent may be unlocked', () => {
    const { machine, buffer, parent, partial } = withPartial();
    machine.kernel.mdl.MmPrepareMdlForReuse(partial);
    machine.kernel.mdl.MmUnlockPages(parent);
    assertNothingLocked(machine, buffer);
  });

  it('rebuilding a partial that is still mapped is a verifier stop', () => {
    const { machine, buffer, parent, partial } = withPartial();
    machine.kernel.mdl.MmGetSystemAddressForMdlSafe(partial);
    expectBugCheck(machine, 0xc4, () => machine.kernel.mdl.IoBuildPartialMdl(parent, partial, buffer.va, PAGE_SIZE));
  });

  it('a range outside the source is 0x40 TARGET_MDL_TOO_SMALL; a negative length is refused', () => {
    const { machine, buffer, parent } = withPartial();
    const target = allocate(machine, buffer.va, PAGE_SIZE);
    assert.throws(() => machine.kernel.mdl.IoBuildPartialMdl(parent, target, buffer.va, -5), /length must be a whole non-negative number/);
    expectBugCheck(machine, 0x40, () => machine.kernel.mdl.IoBuildPartialMdl(parent, target, buffer.va + buffer.bytes - 10, 20));
  });

  it('a source that is neither locked nor non-paged is a verifier stop', () => {
    const machine = bootSmallMachine();
    const buffer = touchedUserBuffer(machine, 1);
    const source = allocate(machine, buffer.va, PAGE_SIZE);
    expectBugCheck(machine, 0xc4, () => machine.kernel.mdl.IoBuildPartialMdl(source, allocate(machine, buffer.va, PAGE_SIZE), buffer.va, 100));
  });

  it('a partial of a partial can be mapped while the root MDL is locked', () => {
    const { machine, buffer, partial } = withPartial();
    const inner = allocate(machine, buffer.va, PAGE_SIZE);
    machine.kernel.mdl.IoBuildPartialMdl(partial, inner, buffer.va + PAGE_SIZE + 8, 16);
    const sva = machine.kernel.mdl.MmGetSystemAddressForMdlSafe(inner)!;
    assert.deepEqual(machine.mm.readVirtual(sva, 16), pattern(PAGE_SIZE + 24, buffer.process.processId).subarray(PAGE_SIZE + 8));
    expectBugCheck(machine, 0x4e, () => machine.kernel.mdl.IoFreeMdl(partial), 0x9a);
  });

  it('a partial of a non-paged MDL has a system address inside its source', () => {
    const machine = bootSmallMachine();
    const va = machine.mm.ExAllocatePoolWithTag('NonPagedPool', 3 * PAGE_SIZE, 'NonP')!;
    const source = allocate(machine, va, 3 * PAGE_SIZE);
    machine.kernel.mdl.MmBuildMdlForNonPagedPool(source);
    const partial = allocate(machine, va, PAGE_SIZE);
    machine.kernel.mdl.IoBuildPartialMdl(source, partial, va + PAGE_SIZE + 4, 100);
    assert.equal(machine.kernel.mdl.MmGetSystemAddressForMdlSafe(partial), va + PAGE_SIZE + 4);
  });
});

describe('system mappings and system PTEs (MDL-3, CONT-5)', () => {
  it('MmGetSystemAddressForMdlSafe maps the locked pages so kernel code sees the user data', () => {
    const machine = bootSmallMachine();
    const { buffer, mdl } = lockedBuffer(machine, 2);
    const sva = machine.kernel.mdl.MmGetSystemAddressForMdlSafe(mdl)!;
    assert.ok(sva >= 8 * 2 ** 40, 'a system address');
    assert.equal(mdl.MdlFlags & MDL_MAPPED_TO_SYSTEM_VA, MDL_MAPPED_TO_SYSTEM_VA);
    assert.deepEqual(machine.mm.readVirtual(sva, buffer.bytes), pattern(buffer.bytes, buffer.process.processId));
    machine.mm.writeVirtual(sva + 5, Uint8Array.of(0xcd));
    assert.deepEqual(machine.cpu.inProcess(buffer.process, () => machine.mm.readVirtual(buffer.va + 5, 1)), Uint8Array.of(0xcd));
    assert.equal(machine.kernel.mdl.MmGetSystemAddressForMdlSafe(mdl), sva, 'a second call reuses the mapping');
    assert.equal(machine.mm.systemPtes.inUse, 2);
  });

  it('returns NULL when system PTEs run out, and succeeds again once a mapping is released', () => {
    const machine = bootSmallMachine({ systemPtes: 16 });
    const big = lockedBuffer(machine, 16, 'big');
    const small = lockedBuffer(machine, 1, 'small');
    assert.ok(machine.kernel.mdl.MmGetSystemAddressForMdlSafe(big.mdl));
    assert.equal(machine.kernel.mdl.MmGetSystemAddressForMdlSafe(small.mdl), null);
    assert.equal(small.mdl.MdlFlags & MDL_MAPPED_TO_SYSTEM_VA, 0);
    machine.kernel.mdl.MmUnlockPages(big.mdl);
    assert.equal(machine.mm.systemPtes.inUse, 0, 'unlocking released the mapping');
    assert.ok(machine.kernel.mdl.MmGetSystemAddressForMdlSafe(small.mdl));
  });

  it('returns NULL when a low-resources fault is injected', () => {
    const machine = bootSmallMachine();
    const { mdl } = lockedBuffer(machine, 1);
    machine.kernel.faults.add({ point: 'MmGetSystemAddressForMdlSafe', mode: { kind: 'nth', n: 1 } });
    assert.equal(machine.kernel.mdl.MmGetSystemAddressForMdlSafe(mdl), null);
    assert.ok(machine.kernel.mdl.MmGetSystemAddressForMdlSafe(mdl));
  });

  it('mapping pages that are not locked is verifier stop 0xC4/0x85 (0x83 is MmMapIoSpace\'s)', () => {
    const machine = bootSmallMachine();
    const mdl = allocate(machine, 0x10000, 2 * PAGE_SIZE);
    const stop = expectBugCheck(machine, 0xc4, () => machine.kernel.mdl.MmGetSystemAddressForMdlSafe(mdl), 0x85);
    assert.deepEqual(stop.parameters.slice(1), [mdl.id, 2, 0], 'P2 MDL, P3 pages to map, P4 no frame yet: the MDL was never probed');
  });

  it('mapping an MDL after its pages were unlocked names the first frame that is not locked (0xC4/0x85)', () => {
    const machine = bootSmallMachine();
    const { mdl } = lockedBuffer(machine, 2);
    machine.kernel.mdl.MmUnlockPages(mdl);
    const stop = expectBugCheck(machine, 0xc4, () => machine.kernel.mdl.MmMapLockedPagesSpecifyCache(mdl, 'KernelMode', 'MmCached', null, false), 0x85);
    assert.deepEqual(stop.parameters.slice(1), [mdl.id, 2, mdl.PfnArray[0]]);
  });

  it('IoFreeMdl while the pages are still mapped is verifier stop 0xC4/0xB8', () => {
    const machine = bootSmallMachine();
    const { mdl } = lockedBuffer(machine, 1);
    const sva = machine.kernel.mdl.MmGetSystemAddressForMdlSafe(mdl)!;
    assert.ok(sva);
    const stop = expectBugCheck(machine, 0xc4, () => machine.kernel.mdl.IoFreeMdl(mdl), 0xb8);
    assert.deepEqual(stop.parameters.slice(1, 3), [mdl.id, mdl.MdlFlags], 'P2 MDL, P3 MDL flags');
  });

  it('a kernel-mode mapping with BugCheckOnFailure stops the machine when PTEs run out', () => {
    const machine = bootSmallMachine({ systemPtes: 16 });
    const { mdl } = lockedBuffer(machine, 17);
    assert.equal(machine.kernel.mdl.MmMapLockedPagesSpecifyCache(mdl, 'KernelMode', 'MmCached', null, false), null);
    const stop = expectBugCheck(machine, 0x3f, () => machine.kernel.mdl.MmMapLockedPagesSpecifyCache(mdl, 'KernelMode', 'MmCached', null, true));
    assert.deepEqual(stop.parameters.slice(1), [17, 16, 16]);
  });

  it('a user-mode mapping goes into the current process and raises when it fails', () => {
    const machine = bootSmallMachine();
    const { buffer, mdl } = lockedBuffer(machine, 2);
    const viewer = machine.kernel.createProcess('viewer');
    const uva = machine.cpu.inProcess(viewer, () => machine.kernel.mdl.MmMapLockedPagesSpecifyCache(mdl, 'UserMode', 'MmCached', null, false))!;
    assert.deepEqual(machine.cpu.inProcess(viewer, () => machine.mm.readVirtual(uva, 8)), pattern(8, buffer.process.processId));
    machine.cpu.inProcess(viewer, () => machine.kernel.mdl.MmUnmapLockedPages(uva, mdl));
    machine.kernel.faults.add({ point: 'MmMapLockedPagesSpecifyCache', mode: { kind: 'every' } });
    machine.cpu.inProcess(viewer, () => expectRaised(STATUS.INSUFFICIENT_RESOURCES, () => machine.kernel.mdl.MmMapLockedPagesSpecifyCache(mdl, 'UserMode', 'MmCached', null, false)));
  });

  it('a huge contiguous request fails for lack of system PTEs while the memory is there; a smaller one succeeds (CONT-5)', () => {
    const machine = bootSmallMachine({ systemPtes: 256 });
    const huge = 2 * MiB;
    assert.ok(machine.physical.freeFrames * PAGE_SIZE > 50 * huge);
    assert.equal(machine.mm.MmAllocateContiguousMemorySpecifyCache(huge, 0, 2 ** 40, 0, 'MmCached'), null);
    assert.equal(machine.mm.systemPtes.inUse, 0);
    const owner = machine.physical.registerOwner((ownerId) => ({ ownerId, ownerName: 'probe' }));
    assert.ok(machine.physical.allocateContiguous(owner, huge / PAGE_SIZE, 0, 2 ** 40, 0) >= 0, 'the physical memory for it was free');
    assert.ok(machine.mm.MmAllocateContiguousMemorySpecifyCache(huge / 2, 0, 2 ** 40, 0, 'MmCached'));
  });
});

describe('chained MDLs (MDL-5)', () => {
  it('IoAllocateMdl with an IRP sets the primary MDL and chains secondary ones in order', () => {
    const machine = bootSmallMachine();
    const buffers = [touchedUserBuffer(machine, 1, 'a'), touchedUserBuffer(machine, 2, 'b'), touchedUserBuffer(machine, 3, 'c')];
    const irp: { MdlAddress: MDL | null } = { MdlAddress: null };
    const mdls = buffers.map((b, i) => machine.kernel.mdl.IoAllocateMdl(b.va, b.bytes, i > 0, false, irp)!);
    assert.equal(irp.MdlAddress, mdls[0]);
    const chain: MDL[] = [];
    for (let m: MDL | null = irp.MdlAddress; m; m = m.Next) chain.push(m);
    assert.deepEqual(chain, mdls);
    mdls.forEach((m, i) => lock(machine, buffers[i]!, m));
    assert.equal(chain.reduce((n, m) => n + m.ByteCount, 0), 6 * PAGE_SIZE, 'one transfer of all three buffers');
    assert.deepEqual(chain.flatMap((m) => [...m.PfnArray]), buffers.flatMap((b) => framesOf(machine, b)));
  });
});

describe('process exit with locked pages (PAGE-5)', () => {
  it('pages a driver left locked stop the machine with 0xCB naming the driver', () => {
    const machine = bootSmallMachine();
    const buffer = touchedUserBuffer(machine, 3);
    const mdl = machine.cpu.inDriver('dmadrv', () => {
      const m = allocate(machine, buffer.va, buffer.bytes);
      lock(machine, buffer, m);
      return m;
    });
    const stop = expectBugCheck(machine, 0xcb, () => machine.kernel.exitProcess(buffer.process));
    assert.deepEqual(stop.parameters.slice(2), [mdl.id, 3]);
    assert.match(stop.reason, /dmadrv/);
  });

  it('still names the driver when it freed the MDL without unlocking it', () => {
    const machine = bootSmallMachine();
    const buffer = touchedUserBuffer(machine, 1);
    machine.cpu.inDriver('leaky', () => {
      const m = allocate(machine, buffer.va, buffer.bytes);
      lock(machine, buffer, m);
      machine.kernel.mdl.IoFreeMdl(m);
    });
    const stop = expectBugCheck(machine, 0xcb, () => machine.kernel.exitProcess(buffer.process));
    assert.match(stop.reason, /leaky/);
  });

  it('without a known driver the stop is 0x76 with P1=0, the process and the count', () => {
    const machine = bootSmallMachine();
    const { buffer } = lockedBuffer(machine, 2);
    const stop = expectBugCheck(machine, 0x76, () => machine.kernel.exitProcess(buffer.process), 0x00);
    assert.deepEqual(stop.parameters.slice(1, 3), [buffer.process.addressSpace.ownerId, 2]);
  });

  it('a process whose locks were undone exits cleanly and gives its frames back', () => {
    const machine = bootSmallMachine();
    const free = machine.physical.freeFrames;
    const { buffer, mdl } = lockedBuffer(machine, 4);
    machine.kernel.mdl.MmUnlockPages(mdl);
    machine.kernel.mdl.IoFreeMdl(mdl);
    machine.kernel.exitProcess(buffer.process);
    assert.equal(machine.kernel.stopped, null);
    assert.equal(machine.physical.freeFrames, free);
  });
});
