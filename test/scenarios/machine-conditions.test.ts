/**
 * Machine conditions the contiguous-memory features set up: fragmentation,
 * a used-up address space, a mapping into a process, CPU access cost, GPU
 * peer-to-peer, and an application using the user DMA library.
 */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { RaisedStatus, STATUS } from '../../src/machine/ntstatus';
import { MiB, PAGE_SIZE } from '../../src/contracts/units';
import { DMA_OPTION, USER_DMA_STATUS } from '../../src/contracts/user-dma-options';
import { reserveAllAddressSpace } from '../../src/scenarios/address-space-exhaustion';
import { cpuReadNs } from '../../src/scenarios/cpu-access-time';
import { setBusMastering } from '../../src/scenarios/dma-test-device-programming';
import { transferWithGpuMemory } from '../../src/scenarios/peer-to-peer-transfer';
import { contiguityBreak, freeRamBytes, takePoolPageByPage } from '../../src/scenarios/physical-contiguity';
import { lockContiguous, lockForScatterGather, openTestDevice, parseDmaOptions, runTransaction, userDmaStatusNamed } from '../../src/scenarios/user-dma-application';
import { mapIntoProcess } from '../../src/scenarios/user-mapping';
import { DRIVER, adapter, boot } from './scenario-fixture';

describe('physical memory', () => {
  it('contiguous memory is contiguous, a user buffer is not; pool taken page by page fragments RAM', () => {
    const machine = boot({ ramBytes: 128 * MiB, nonPagedPoolBytes: 48 * MiB, pagedPoolBytes: 8 * MiB });
    const c = machine.mm.MmAllocateContiguousMemorySpecifyCache(64 * PAGE_SIZE, 0, 2 ** 40, 0, 'MmNonCached')!;
    assert.equal(contiguityBreak(machine, c, 64 * PAGE_SIZE), null);
    machine.mm.MmFreeContiguousMemory(c);
    const p = machine.kernel.createProcess('p');
    const va = machine.mm.allocateVirtual(p.addressSpace, 64 * PAGE_SIZE);
    machine.cpu.inProcess(p, () => machine.mm.fillVirtual(va, 64 * PAGE_SIZE, 1));
    assert.match(machine.cpu.inProcess(p, () => contiguityBreak(machine, va, 64 * PAGE_SIZE))!, /not in frame/);
    const free = freeRamBytes(machine);
    assert.equal(takePoolPageByPage(machine, 'frag', 43 * MiB), 43 * 256);
    assert.equal(free - freeRamBytes(machine), 43 * MiB);
    assert.equal(machine.mm.MmAllocateContiguousMemorySpecifyCache(64 * PAGE_SIZE, 0, 2 ** 40, 0, 'MmNonCached'), null);
    assert.throws(() => takePoolPageByPage(machine, 'frag', 8 * MiB), /ran out after/);
  });

  it('a used-up address space takes no more mappings; the MDL of a failed mapping is freed', () => {
    const machine = boot();
    const a = adapter(machine);
    const logical = { QuadPart: 0 };
    const va = a.DmaOperations.AllocateCommonBuffer(a, 4 * PAGE_SIZE, logical, false)!;
    const roomy = machine.kernel.createProcess('roomy');
    const full = machine.kernel.createProcess('full');
    assert.ok(reserveAllAddressSpace(machine, full) > 2 ** 40);
    assert.throws(() => machine.mm.allocateVirtual(full.addressSpace, 64 * 1024), (e: unknown) => e instanceof RaisedStatus && e.status === STATUS.NO_MEMORY);
    assert.throws(() => mapIntoProcess(machine, DRIVER, full, va, 4 * PAGE_SIZE), (e: unknown) => e instanceof RaisedStatus && e.status === STATUS.INSUFFICIENT_RESOURCES);
    assert.deepEqual(machine.kernel.mdl.liveMdls(DRIVER), []);
    machine.mm.writeVirtual(va, Uint8Array.of(7, 8, 9));
    const m = mapIntoProcess(machine, DRIVER, roomy, va, 4 * PAGE_SIZE);
    assert.deepEqual(machine.cpu.inProcess(roomy, () => machine.mm.readVirtual(m.userAddress, 3)), Uint8Array.of(7, 8, 9));
  });

  it('reading non-cached memory costs more than cached', () => {
    const machine = boot();
    const nc = machine.mm.MmAllocateContiguousMemorySpecifyCache(PAGE_SIZE, 0, 2 ** 40, 0, 'MmNonCached')!;
    const c = machine.mm.MmAllocateContiguousMemorySpecifyCache(PAGE_SIZE, 0, 2 ** 40, 0, 'MmCached')!;
    assert.ok(cpuReadNs(machine, null, nc, PAGE_SIZE) > cpuReadNs(machine, null, c, PAGE_SIZE));
  });
});

describe('peer to peer', () => {
  it('the device writes into GPU memory and no byte crosses RAM', () => {
    const machine = boot();
    setBusMastering(machine, true);
    const g = machine.gpu!.allocateGpuMemory(128 * 1024)!;
    const t = transferWithGpuMemory(machine, g, 128 * 1024, 'from-device');
    assert.equal(t.device.state, 'done');
    assert.deepEqual({ ram: t.ramBytes, peer: t.peerBytes, frames: t.framesTouched }, { ram: 0, peer: 128 * 1024, frames: 0 });
    assert.deepEqual(machine.gpu!.readGpuMemory(g.offset, 128 * 1024), machine.dmaDevice.pattern.expected(0, 128 * 1024));
    assert.throws(() => transferWithGpuMemory(machine, g, 256 * 1024, 'from-device'), /do not fit/);
  });
});

describe('an application using the user DMA library', () => {
  it('options and statuses are read by name, and unknown names are refused', () => {
    assert.equal(parseDmaOptions('FROM_DEVICE | ALLOW_CACHE'), DMA_OPTION.FROM_DEVICE | DMA_OPTION.ALLOW_CACHE);
    assert.equal(parseDmaOptions('0'), 0);
    assert.throws(() => parseDmaOptions('FROM_DEVICE | FAST'), /unknown DMA option "FAST"/);
    assert.equal(userDmaStatusNamed('SYSTEM_INTERNAL_ERROR'), 0x20000007);
    assert.throws(() => userDmaStatusNamed('OK'), /unknown user DMA library status/);
  });

  it('a transaction runs transfer by transfer: more processing required, then success, and the data arrives', () => {
    const machine = boot({ dmaDevice: { addressBits: 64, maxTransferLength: 16 * 1024, patternSeed: 4 } });
    setBusMastering(machine, true);
    const app = machine.kernel.createProcess('app');
    const user = openTestDevice(machine, 'app');
    const bytes = 50 * 1024;
    const va = machine.mm.allocateVirtual(app.addressSpace, bytes);
    const init = machine.cpu.inProcess(app, () => user.library.transactionInitScatterGather(user.device, va, bytes, DMA_OPTION.FROM_DEVICE));
    const run = runTransaction(machine, app, user, init.transaction!);
    assert.equal(run.transfers, 4);
    assert.deepEqual(run.completionStatuses, [USER_DMA_STATUS.MORE_PROCESSING_REQUIRED, USER_DMA_STATUS.MORE_PROCESSING_REQUIRED, USER_DMA_STATUS.MORE_PROCESSING_REQUIRED, USER_DMA_STATUS.SUCCESS]);
    assert.ok(run.transferLengths.every((n) => n <= 16 * 1024));
    assert.deepEqual(machine.cpu.inProcess(app, () => machine.mm.readVirtual(va, bytes)), machine.dmaDevice.pattern.expected(0, bytes));
  });

  it('locks through the low- and high-level calls and contiguous buffers', () => {
    const machine = boot();
    const app = machine.kernel.createProcess('app');
    const user = openTestDevice(machine, 'app');
    const va = machine.mm.allocateVirtual(app.addressSpace, 2 * MiB);
    assert.equal(lockForScatterGather(machine, app, user, 'low-level', va, 2 * MiB, DMA_OPTION.TO_DEVICE).status, USER_DMA_STATUS.INSUFFICIENT_RESOURCES);
    assert.equal(lockForScatterGather(machine, app, user, 'high-level', va, 2 * MiB, DMA_OPTION.TO_DEVICE).status, USER_DMA_STATUS.SUCCESS);
    const c = lockContiguous(machine, app, user, 3 * PAGE_SIZE, DMA_OPTION.FROM_DEVICE);
    assert.equal(c.buffer?.kind, 'contiguous');
  });
});
