/**
 * Work items: driver code a DPC or ISR defers to PASSIVE_LEVEL, run by a
 * system worker thread (no user process's context). Allocation can fail under
 * low-resource simulation, as Driver Verifier makes IoAllocateWorkItem fail.
 * Queuing a work item that is still queued, or freeing one, is the corruption
 * Windows stops with WORKER_INVALID (0xE4).
 */
import { BugCheck } from '../../machine/bug-check';
import { Clock } from '../../machine/clock';
import { Cpu } from '../../machine/cpu';
import { PASSIVE_LEVEL } from '../../machine/irql';
import { FaultInjector } from '../fault-injector';
import type { DEVICE_OBJECT } from './device-object';
import { DriverExecution } from './driver-execution';

export type IO_WORKITEM_ROUTINE = (DeviceObject: DEVICE_OBJECT, Context: unknown) => void;
export type WORK_QUEUE_TYPE = 'CriticalWorkQueue' | 'DelayedWorkQueue' | 'HyperCriticalWorkQueue';

export const WORKER_INVALID = 0xe4;

export class IO_WORKITEM {
  queuedEvent: number | null = null;
  freed = false;

  constructor(
    /** A number that identifies the work item in reports (its "address"). */
    readonly id: number,
    readonly DeviceObject: DEVICE_OBJECT,
    readonly allocatedBy: string | null,
  ) {}
}

export class WorkQueue {
  private readonly live = new Set<IO_WORKITEM>();
  private lastId = 0;

  constructor(private readonly clock: Clock, private readonly cpu: Cpu, private readonly faults: FaultInjector, private readonly execution: DriverExecution, private readonly crash: (bugCheck: BugCheck) => never) {}

  IoAllocateWorkItem(DeviceObject: DEVICE_OBJECT): IO_WORKITEM | null {
    const driver = this.cpu.currentDriver;
    if (this.faults.shouldFail('IoAllocateWorkItem', driver ?? '')) return null;
    const item = new IO_WORKITEM(++this.lastId, DeviceObject, driver);
    this.live.add(item);
    return item;
  }

  IoQueueWorkItem(IoWorkItem: IO_WORKITEM, WorkerRoutine: IO_WORKITEM_ROUTINE, _QueueType: WORK_QUEUE_TYPE, Context: unknown): void {
    if (IoWorkItem.freed) this.crash(new BugCheck(WORKER_INVALID, 0x1, IoWorkItem.id, 0, 0, `IoQueueWorkItem on work item #${IoWorkItem.id}, which was freed`));
    if (IoWorkItem.queuedEvent !== null) this.crash(new BugCheck(WORKER_INVALID, 0x0, IoWorkItem.id, 0, 0, `IoQueueWorkItem on work item #${IoWorkItem.id}, which is still queued`));
    const driver = IoWorkItem.DeviceObject.driverName;
    IoWorkItem.queuedEvent = this.clock.schedule(0, `work item of ${driver}`, () => {
      IoWorkItem.queuedEvent = null;
      this.execution.run(driver, 'work item', { irql: PASSIVE_LEVEL, process: null }, () => WorkerRoutine(IoWorkItem.DeviceObject, Context));
    });
  }

  IoFreeWorkItem(IoWorkItem: IO_WORKITEM): void {
    if (IoWorkItem.freed) this.crash(new BugCheck(WORKER_INVALID, 0x2, IoWorkItem.id, 0, 0, `IoFreeWorkItem on work item #${IoWorkItem.id}, which was already freed`));
    if (IoWorkItem.queuedEvent !== null) this.crash(new BugCheck(WORKER_INVALID, 0x0, IoWorkItem.id, 0, 0, `IoFreeWorkItem on work item #${IoWorkItem.id} while it is still queued`));
    IoWorkItem.freed = true;
    this.live.delete(IoWorkItem);
  }

  /** Work items allocated and not freed, optionally by one driver. */
  allocated(driver?: string): IO_WORKITEM[] {
    return [...this.live].filter((w) => driver === undefined || w.allocatedBy === driver);
  }
}
