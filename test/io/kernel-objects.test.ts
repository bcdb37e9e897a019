/**
 * The kernel objects drivers use besides IRPs: events and waits, timers,
 * work items, spin locks, driver-allocated IRPs with completion routines.
 */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { DISPATCH_LEVEL, PASSIVE_LEVEL } from '../../src/machine/irql';
import { STATUS } from '../../src/machine/ntstatus';
import { createKernelApi } from '../../src/personalities/wdm/kernel-api-binding';
import { IRP_MJ_READ, KDPC, KEVENT, KSPIN_LOCK, KTIMER } from '../../src/personalities/wdm/contract';
import { DriverHang } from '../../src/kernel/io/driver-hang';
import { IoManager } from '../../src/kernel/io/io-manager';
import { bootSmallMachine } from '../mm/machine-fixture';
import { DO_BUFFERED_IO } from '../../src/kernel/io/device-object';
import { ioBench } from './io-fixture';

function kernelBench() {
  const machine = bootSmallMachine();
  const io = new IoManager(machine.kernel);
  const k = createKernelApi({ kernel: machine.kernel, io, bus: machine.bus });
  /** Run as driver code of "drv". */
  const asDriver = <T>(fn: () => T): T => io.execution.run('drv', 'test routine', { irql: PASSIVE_LEVEL, process: null }, fn);
  return { machine, io, k, asDriver };
}

describe('events and waits', () => {
  it('a wait returns when a timer DPC sets the event; a synchronization event clears itself', () => {
    const { machine, k, asDriver } = kernelBench();
    const event = new KEVENT('ready');
    const timer = new KTIMER();
    const dpc = new KDPC();
    const status = asDriver(() => {
      k.KeInitializeEvent(event, 'SynchronizationEvent', false);
      k.KeInitializeTimer(timer);
      k.KeInitializeDpc(dpc, () => k.KeSetEvent(event, 0, false), null);
      k.KeSetTimer(timer, -10_000, dpc); // 1 ms
      return k.KeWaitForSingleObject(event, 'Executive', 'KernelMode', false, null);
    });
    assert.equal(status, STATUS.SUCCESS);
    assert.ok(machine.clock.now >= 1_000_000);
    assert.equal(event.signaled, false, 'the satisfied wait cleared the synchronization event');
  });

  it('a wait with a timeout returns STATUS_TIMEOUT; a zero timeout only tests', () => {
    const { machine, k, asDriver } = kernelBench();
    const event = new KEVENT();
    const start = machine.clock.now;
    assert.equal(asDriver(() => k.KeWaitForSingleObject(event, 'Executive', 'KernelMode', false, 0)), STATUS.TIMEOUT);
    assert.equal(asDriver(() => k.KeWaitForSingleObject(event, 'Executive', 'KernelMode', false, -5_000)), STATUS.TIMEOUT);
    assert.ok(machine.clock.now - start >= 500_000, 'the 500 us timeout elapsed');
  });

  it('a positive timeout is an absolute time since boot: the wait ends then, or at once when it has passed', () => {
    const { machine, k, asDriver } = kernelBench();
    const event = new KEVENT();
    const dueNs = machine.clock.now + 2_000_000;
    assert.equal(asDriver(() => k.KeWaitForSingleObject(event, 'Executive', 'KernelMode', false, dueNs / 100)), STATUS.TIMEOUT);
    assert.equal(machine.clock.now, dueNs, 'the wait ended at the absolute due time, not that long after the call');
    assert.equal(asDriver(() => k.KeWaitForSingleObject(event, 'Executive', 'KernelMode', false, dueNs / 100)), STATUS.TIMEOUT);
    assert.equal(machine.clock.now, dueNs, 'a due time already passed ends the wait at once');
  });

  it('waiting with a timeout at DISPATCH_LEVEL stops the machine', () => {
    const { machine, k, io } = kernelBench();
    assert.throws(() => io.execution.run('drv', 'DPC', { irql: DISPATCH_LEVEL, process: null }, () => k.KeWaitForSingleObject(new KEVENT(), 'Executive', 'KernelMode', false, null)), /IRQL_NOT_LESS_OR_EQUAL/);
    assert.equal(machine.kernel.stopped?.code, 0x0a);
  });
});

describe('timers, work items and spin locks', () => {
  it('a periodic timer queues its DPC every period until cancelled', () => {
    const { machine, k, asDriver } = kernelBench();
    const timer = new KTIMER();
    const dpc = new KDPC();
    const at: number[] = [];
    asDriver(() => {
      k.KeInitializeTimer(timer);
      k.KeInitializeDpc(dpc, () => at.push(machine.clock.now), null);
      k.KeSetTimerEx(timer, -10_000, 2, dpc);
    });
    machine.clock.advance(6_500_000);
    assert.equal(at.length, 3, 'at 1, 3 and 5 ms');
    assert.ok(asDriver(() => k.KeCancelTimer(timer)));
    machine.clock.runUntilIdle();
    assert.equal(at.length, 3);
  });

  it('a work item runs at PASSIVE_LEVEL in no process; queuing it twice stops the machine with 0xE4', () => {
    const bench = ioBench({ flags: DO_BUFFERED_IO });
    const { machine, io, state } = bench;
    const k = state.k!;
    const seen: string[] = [];
    const item = io.execution.run('testdrv', 'DPC', { irql: DISPATCH_LEVEL, process: null }, () => k.IoAllocateWorkItem(state.device!))!;
    io.execution.run('testdrv', 'DPC', { irql: DISPATCH_LEVEL, process: null }, () =>
      k.IoQueueWorkItem(item, () => seen.push(`${machine.cpu.irql} ${machine.cpu.currentProcess?.name ?? 'none'} ${machine.cpu.currentDriver}`), 'DelayedWorkQueue', null));
    machine.clock.runUntilIdle();
    assert.deepEqual(seen, [`${PASSIVE_LEVEL} none testdrv`]);
    k.IoQueueWorkItem(item, () => {}, 'DelayedWorkQueue', null);
    assert.throws(() => k.IoQueueWorkItem(item, () => {}, 'DelayedWorkQueue', null), /still queued/);
    assert.equal(machine.kernel.stopped?.code, 0xe4);
  });

  it('a spin lock raises to DISPATCH_LEVEL; acquiring it again is reported as a deadlock', () => {
    const { k, asDriver } = kernelBench();
    const lock = new KSPIN_LOCK('queue lock');
    const old = { value: -1 };
    asDriver(() => {
      k.KeInitializeSpinLock(lock);
      k.KeAcquireSpinLock(lock, old);
      assert.equal(k.KeGetCurrentIrql(), DISPATCH_LEVEL);
      assert.equal(old.value, PASSIVE_LEVEL);
      k.KeReleaseSpinLock(lock, old.value);
      assert.equal(k.KeGetCurrentIrql(), PASSIVE_LEVEL);
    });
    assert.throws(() => asDriver(() => {
      k.KeAcquireSpinLock(lock, old);
      k.KeAcquireSpinLock(lock, old);
    }), (e: unknown) => e instanceof DriverHang && e.driverName === 'drv' && /queue lock/.test(e.message));
  });
});

describe('driver-allocated IRPs', () => {
  it('IoAllocateIrp fails under low-resource simulation', () => {
    const { machine, k, asDriver } = kernelBench();
    machine.kernel.faults.add({ point: 'IoAllocateIrp', mode: { kind: 'nth', n: 2 } });
    assert.ok(asDriver(() => k.IoAllocateIrp(1, false)));
    assert.equal(asDriver(() => k.IoAllocateIrp(1, false)), null);
  });

  it('a completion routine that returns STATUS_MORE_PROCESSING_REQUIRED keeps the IRP for reuse', () => {
    const bench = ioBench({ flags: DO_BUFFERED_IO });
    const { io, state } = bench;
    const k = state.k!;
    const statuses: number[] = [];
    const irp = io.execution.run('caller', 'routine', { irql: PASSIVE_LEVEL, process: null }, () => {
      const irp = k.IoAllocateIrp(state.device!.StackSize, false)!;
      const next = k.IoGetNextIrpStackLocation(irp);
      next.MajorFunction = IRP_MJ_READ;
      next.Parameters.Read.Length = 0;
      k.IoSetCompletionRoutine(irp, (_d, i) => {
        statuses.push(i.IoStatus.Status);
        return STATUS.MORE_PROCESSING_REQUIRED;
      }, null, true, true, true);
      k.IoCallDriver(state.device!, irp);
      return irp;
    });
    assert.deepEqual(statuses, [STATUS.SUCCESS], 'the routine saw the completion');
    assert.equal(irp.completed, false, 'the caller owns the IRP again');
    k.IoReuseIrp(irp, STATUS.SUCCESS);
    k.IoFreeIrp(irp);
    assert.equal(io.allocatedIrps('caller').length, 0);
  });
});
