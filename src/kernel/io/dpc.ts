/**
 * Deferred procedure calls: an ISR queues a DPC to finish its work at
 * DISPATCH_LEVEL. A queued DPC is a clock event; it runs in no process's
 * context (touching a user address there fails, as on Windows where the
 * context is arbitrary). Queuing a DPC that is already queued does nothing
 * and returns false, as KeInsertQueueDpc documents.
 */
import { Clock } from '../../machine/clock';
import { COST } from '../../machine/cost-model';
import { Cpu } from '../../machine/cpu';
import { DISPATCH_LEVEL } from '../../machine/irql';
import { DriverExecution } from './driver-execution';

export type KDEFERRED_ROUTINE = (Dpc: KDPC, DeferredContext: unknown, SystemArgument1: unknown, SystemArgument2: unknown) => void;

export class KDPC {
  DeferredRoutine: KDEFERRED_ROUTINE | null = null;
  DeferredContext: unknown = null;
  /** The driver that initialized the DPC: its code is what runs. */
  owner: string | null = null;
  /** The clock event of the queued DPC, or null when it is not queued. */
  queuedEvent: number | null = null;
  /** How many times the DPC has run. */
  runs = 0;
}

export class DpcQueue {
  constructor(private readonly clock: Clock, private readonly cpu: Cpu, private readonly execution: DriverExecution) {}

  KeInitializeDpc(Dpc: KDPC, DeferredRoutine: KDEFERRED_ROUTINE, DeferredContext: unknown): void {
    if (typeof DeferredRoutine !== 'function') throw new TypeError('KeInitializeDpc: DeferredRoutine must be a function');
    Dpc.DeferredRoutine = DeferredRoutine;
    Dpc.DeferredContext = DeferredContext;
    Dpc.owner = this.cpu.currentDriver;
    Dpc.queuedEvent = null;
  }

  /** KeInsertQueueDpc: false when the DPC is already queued. */
  KeInsertQueueDpc(Dpc: KDPC, SystemArgument1: unknown, SystemArgument2: unknown): boolean {
    if (!Dpc.DeferredRoutine) throw new TypeError('KeInsertQueueDpc: the DPC was never initialized with KeInitializeDpc');
    if (Dpc.queuedEvent !== null) return false;
    const owner = Dpc.owner ?? 'kernel';
    Dpc.queuedEvent = this.clock.schedule(0, `DPC of ${owner}`, () => {
      Dpc.queuedEvent = null;
      Dpc.runs++;
      this.clock.charge(COST.dpc.ns, `dpc:${owner}`);
      this.execution.run(owner, 'DPC', { irql: DISPATCH_LEVEL, process: null }, () => Dpc.DeferredRoutine!(Dpc, Dpc.DeferredContext, SystemArgument1, SystemArgument2));
    });
    return true;
  }

  /** KeRemoveQueueDpc: true when the DPC was queued and is now removed. */
  KeRemoveQueueDpc(Dpc: KDPC): boolean {
    if (Dpc.queuedEvent === null) return false;
    this.clock.cancel(Dpc.queuedEvent);
    Dpc.queuedEvent = null;
    return true;
  }
}
