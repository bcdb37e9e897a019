/**
 * IRQL rules of the memory manager: a fault on pageable memory at
 * DISPATCH_LEVEL or above stops the machine (0x0A), an unmapped system address
 * stops it whatever the IRQL (0x50), and the MDL routines enforce their
 * documented IRQL limits with Driver Verifier's 0xC4 sub-codes.
 */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { APC_LEVEL, DEVICE_LEVEL, DISPATCH_LEVEL } from '../../src/machine/irql';
import { PAGE_SIZE } from '../../src/contracts/units';
import { bootSmallMachine, expectBugCheck, touchedUserBuffer } from './machine-fixture';

describe('page faults and IRQL', () => {
  it('touching a non-resident pageable user page at DISPATCH_LEVEL stops the machine with 0x0A', () => {
    const machine = bootSmallMachine();
    const buffer = touchedUserBuffer(machine, 2);
    machine.mm.applyMemoryPressure('severe', buffer.process.addressSpace);
    const stop = expectBugCheck(machine, 0x0a, () =>
      machine.cpu.inProcess(buffer.process, () => machine.cpu.atIrql(DISPATCH_LEVEL, () => machine.mm.writeVirtual(buffer.va + PAGE_SIZE, Uint8Array.of(1)))),
    );
    assert.deepEqual(stop.parameters.slice(0, 3), [buffer.va + PAGE_SIZE, DISPATCH_LEVEL, 1], 'P1 address, P2 IRQL, P3 write');
  });

  it('a never-touched (demand-zero) page faults too', () => {
    const machine = bootSmallMachine();
    const p = machine.kernel.createProcess('app');
    const va = machine.mm.allocateVirtual(p.addressSpace, PAGE_SIZE);
    const stop = expectBugCheck(machine, 0x0a, () => machine.cpu.inProcess(p, () => machine.cpu.atIrql(DEVICE_LEVEL, () => machine.mm.readVirtual(va, 1))));
    assert.equal(stop.parameters[1], DEVICE_LEVEL);
    assert.equal(stop.parameters[2], 0, 'P3 read');
  });

  it('resident pageable memory can be touched at DISPATCH_LEVEL; at APC_LEVEL a fault is fine', () => {
    const machine = bootSmallMachine();
    const buffer = touchedUserBuffer(machine, 1);
    machine.cpu.inProcess(buffer.process, () => machine.cpu.atIrql(DISPATCH_LEVEL, () => machine.mm.readVirtual(buffer.va, 4)));
    machine.mm.applyMemoryPressure('severe', buffer.process.addressSpace);
    machine.cpu.inProcess(buffer.process, () => machine.cpu.atIrql(APC_LEVEL, () => machine.mm.readVirtual(buffer.va, 4)));
    assert.equal(machine.kernel.stopped, null);
  });

  it('paged pool that is not resident stops the machine at DISPATCH_LEVEL; non-paged pool does not', () => {
    const machine = bootSmallMachine();
    const np = machine.mm.ExAllocatePoolWithTag('NonPagedPool', PAGE_SIZE, 'NonP')!;
    const pp = machine.mm.ExAllocatePoolWithTag('PagedPool', PAGE_SIZE, 'Page')!;
    machine.cpu.atIrql(DEVICE_LEVEL, () => machine.mm.writeVirtual(np, Uint8Array.of(1)));
    const stop = expectBugCheck(machine, 0x0a, () => machine.cpu.atIrql(DISPATCH_LEVEL, () => machine.mm.readVirtual(pp, 1)));
    assert.equal(stop.parameters[0], pp);
  });
});

describe('unmapped system addresses', () => {
  it('touching a system address nothing is mapped at stops the machine with 0x50', () => {
    const machine = bootSmallMachine();
    const va = machine.mm.ExAllocatePoolWithTag('NonPagedPool', PAGE_SIZE, 'Tail')!;
    const guard = va + PAGE_SIZE;
    const stop = expectBugCheck(machine, 0x50, () => machine.mm.writeVirtual(guard, Uint8Array.of(1)));
    assert.equal(stop.parameters[0], guard, 'P1 is the address referenced');
    assert.equal(stop.parameters[1], 1, 'P2 says it was a write');
  });

  it('at DISPATCH_LEVEL a bad pointer is 0x0A, as any page fault there is', () => {
    const machine = bootSmallMachine();
    const va = machine.mm.ExAllocatePoolWithTag('NonPagedPool', PAGE_SIZE, 'Tail')!;
    const stop = expectBugCheck(machine, 0x0a, () => machine.cpu.atIrql(DISPATCH_LEVEL, () => machine.mm.readVirtual(va + PAGE_SIZE, 1)));
    assert.deepEqual(stop.parameters.slice(0, 3), [va + PAGE_SIZE, DISPATCH_LEVEL, 0]);
  });

  it('freed pool is unmapped: touching it is 0x50 even at PASSIVE_LEVEL', () => {
    const machine = bootSmallMachine();
    const va = machine.mm.ExAllocatePoolWithTag('NonPagedPool', PAGE_SIZE, 'Gone')!;
    machine.mm.ExFreePoolWithTag(va, 'Gone');
    const stop = expectBugCheck(machine, 0x50, () => machine.mm.readVirtual(va, 1));
    assert.equal(stop.parameters[1], 0, 'P2 says it was a read');
  });
});

describe('MDL routines and IRQL (0xC4)', () => {
  it('MmProbeAndLockPages of pageable memory above APC_LEVEL is 0xC4/0x70', () => {
    const machine = bootSmallMachine();
    const buffer = touchedUserBuffer(machine, 1);
    const mdl = machine.kernel.mdl.IoAllocateMdl(buffer.va, PAGE_SIZE, false, false, null)!;
    const stop = expectBugCheck(machine, 0xc4, () => machine.cpu.inProcess(buffer.process, () => machine.cpu.atIrql(DISPATCH_LEVEL, () => machine.kernel.mdl.MmProbeAndLockPages(mdl, 'KernelMode', 'IoReadAccess'))), 0x70);
    assert.deepEqual(stop.parameters.slice(1, 3), [DISPATCH_LEVEL, mdl.id], 'P2 IRQL, P3 MDL');
  });

  it('MmProbeAndLockPages of non-paged memory works at DISPATCH_LEVEL but not above it', () => {
    const machine = bootSmallMachine();
    const va = machine.mm.ExAllocatePoolWithTag('NonPagedPool', PAGE_SIZE, 'NonP')!;
    const mdl = machine.kernel.mdl.IoAllocateMdl(va, PAGE_SIZE, false, false, null)!;
    machine.cpu.atIrql(DISPATCH_LEVEL, () => machine.kernel.mdl.MmProbeAndLockPages(mdl, 'KernelMode', 'IoReadAccess'));
    machine.kernel.mdl.MmUnlockPages(mdl);
    const stop = expectBugCheck(machine, 0xc4, () => machine.cpu.atIrql(DEVICE_LEVEL, () => machine.kernel.mdl.MmProbeAndLockPages(mdl, 'KernelMode', 'IoReadAccess')), 0x70);
    assert.equal(stop.parameters[1], DEVICE_LEVEL);
  });

  it('MmUnlockPages above DISPATCH_LEVEL is 0xC4/0x78', () => {
    const machine = bootSmallMachine();
    const buffer = touchedUserBuffer(machine, 1);
    const mdl = machine.kernel.mdl.IoAllocateMdl(buffer.va, PAGE_SIZE, false, false, null)!;
    machine.cpu.inProcess(buffer.process, () => machine.kernel.mdl.MmProbeAndLockPages(mdl, 'UserMode', 'IoReadAccess'));
    machine.cpu.atIrql(DISPATCH_LEVEL, () => machine.kernel.mdl.MmGetSystemAddressForMdlSafe(mdl));
    const stop = expectBugCheck(machine, 0xc4, () => machine.cpu.atIrql(DEVICE_LEVEL, () => machine.kernel.mdl.MmUnlockPages(mdl)), 0x78);
    assert.deepEqual(stop.parameters.slice(1, 3), [DEVICE_LEVEL, mdl.id]);
  });

  it('mapping above DISPATCH_LEVEL is 0xC4/0x76; allocating an MDL above it is 0xC4/0x02', () => {
    const machine = bootSmallMachine();
    const va = machine.mm.ExAllocatePoolWithTag('NonPagedPool', PAGE_SIZE, 'NonP')!;
    const mdl = machine.kernel.mdl.IoAllocateMdl(va, PAGE_SIZE, false, false, null)!;
    machine.kernel.mdl.MmProbeAndLockPages(mdl, 'KernelMode', 'IoReadAccess');
    const mapping = expectBugCheck(machine, 0xc4, () => machine.cpu.atIrql(DEVICE_LEVEL, () => machine.kernel.mdl.MmGetSystemAddressForMdlSafe(mdl)), 0x76);
    assert.deepEqual(mapping.parameters.slice(1), [DEVICE_LEVEL, mdl.id, 0], 'P2 IRQL, P3 MDL, P4 access mode (KernelMode)');
    const other = bootSmallMachine();
    const allocation = expectBugCheck(other, 0xc4, () => other.cpu.atIrql(DEVICE_LEVEL, () => other.kernel.mdl.IoAllocateMdl(0x10000, 2 * PAGE_SIZE, false, false, null)), 0x02);
    assert.deepEqual(allocation.parameters.slice(1), [DEVICE_LEVEL, 0, 48 + 2 * 8], 'P2 IRQL, P3 non-paged pool, P4 the size of a two-page MDL');
  });
});
