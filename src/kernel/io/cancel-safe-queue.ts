/**
 * A cancel-safe IRP queue (IoCsqXxx): the driver queues pending IRPs and takes
 * them out again, and the queue owns the cancel routine, so an IRP cancelled
 * while queued is removed and completed with STATUS_CANCELLED without the
 * driver ever touching the cancel spin lock. This is the documented way to
 * hold requests until cleanup or until the device can take them.
 */
import { NtStatus, STATUS } from '../../machine/ntstatus';
import type { DEVICE_OBJECT } from './device-object';
import type { FILE_OBJECT } from './file-object';
import { IRP, IoMarkIrpPending, IoSetCancelRoutine } from './irp';

export type CSQ_COMPLETE_CANCELED_IRP = (Csq: IO_CSQ, Irp: IRP) => void;

/** What the queue needs from the I/O manager. */
export interface CancelSafeQueueServices {
  IoReleaseCancelSpinLock(Irql: number): void;
  IoCompleteRequest(Irp: IRP, PriorityBoost: number): void;
  /** The driver's queue insertion marked the IRP pending: where, for a request it never completes. */
  notePending(Irp: IRP, routine: string): void;
}

/** IO_CSQ_IRP_CONTEXT: lets the driver remove one particular queued IRP later. */
export class IO_CSQ_IRP_CONTEXT {
  Irp: IRP | null = null;
}

export class IO_CSQ {
  readonly irps: IRP[] = [];
  CompleteCanceledIrp: CSQ_COMPLETE_CANCELED_IRP | null = null;
  services: CancelSafeQueueServices | null = null;
  private readonly contexts = new Map<IRP, IO_CSQ_IRP_CONTEXT>();

  get length(): number {
    return this.irps.length;
  }

  /** Internal: put the IRP in (or take it out of) the queue's list. */
  add(irp: IRP, context: IO_CSQ_IRP_CONTEXT | null): void {
    this.irps.push(irp);
    if (context) {
      context.Irp = irp;
      this.contexts.set(irp, context);
    }
  }

  take(irp: IRP): boolean {
    const i = this.irps.indexOf(irp);
    if (i < 0) return false;
    this.irps.splice(i, 1);
    const context = this.contexts.get(irp);
    if (context) context.Irp = null;
    this.contexts.delete(irp);
    return true;
  }
}

export function IoCsqInitialize(Csq: IO_CSQ, services: CancelSafeQueueServices, CompleteCanceledIrp: CSQ_COMPLETE_CANCELED_IRP | null): NtStatus {
  Csq.CompleteCanceledIrp = CompleteCanceledIrp;
  Csq.services = services;
  return STATUS.SUCCESS;
}

function completeCanceled(Csq: IO_CSQ, Irp: IRP): void {
  if (Csq.CompleteCanceledIrp) {
    Csq.CompleteCanceledIrp(Csq, Irp);
    return;
  }
  Irp.IoStatus.Status = STATUS.CANCELLED;
  Irp.IoStatus.Information = 0;
  Csq.services!.IoCompleteRequest(Irp, 0);
}

function requireInitialized(Csq: IO_CSQ, routine: string): void {
  if (!Csq.services) throw new TypeError(`${routine}: the queue was never initialized with IoCsqInitialize`);
}

/**
 * IoCsqInsertIrpEx: mark the IRP pending and queue it. An IRP already
 * cancelled is completed as cancelled at once and STATUS_CANCELLED returned.
 */
export function IoCsqInsertIrpEx(Csq: IO_CSQ, Irp: IRP, Context: IO_CSQ_IRP_CONTEXT | null): NtStatus {
  requireInitialized(Csq, 'IoCsqInsertIrp');
  IoMarkIrpPending(Irp);
  Csq.services!.notePending(Irp, 'IoCsqInsertIrp');
  Csq.add(Irp, Context);
  IoSetCancelRoutine(Irp, (_device: DEVICE_OBJECT, irp: IRP) => {
    Csq.services!.IoReleaseCancelSpinLock(irp.CancelIrql);
    if (Csq.take(irp)) completeCanceled(Csq, irp);
  });
  if (Irp.Cancel && IoSetCancelRoutine(Irp, null) !== null) {
    Csq.take(Irp);
    completeCanceled(Csq, Irp);
    return STATUS.CANCELLED;
  }
  return STATUS.SUCCESS;
}

export function IoCsqInsertIrp(Csq: IO_CSQ, Irp: IRP, Context: IO_CSQ_IRP_CONTEXT | null): void {
  IoCsqInsertIrpEx(Csq, Irp, Context);
}

/** Take an IRP out of the queue unless its cancellation already owns it. */
function claim(Csq: IO_CSQ, Irp: IRP): boolean {
  if (IoSetCancelRoutine(Irp, null) === null) return false; // the cancel routine is running or about to: it completes the IRP
  Csq.take(Irp);
  return true;
}

/**
 * IoCsqRemoveNextIrp: the first queued IRP (optionally the first one of a
 * file object, or the first one a predicate accepts), now owned by the caller.
 */
export function IoCsqRemoveNextIrp(Csq: IO_CSQ, PeekContext: FILE_OBJECT | ((irp: IRP) => boolean) | null = null): IRP | null {
  requireInitialized(Csq, 'IoCsqRemoveNextIrp');
  for (const irp of [...Csq.irps]) {
    if (PeekContext !== null) {
      const accepted = typeof PeekContext === 'function' ? PeekContext(irp) : irp.fileObject === PeekContext;
      if (!accepted) continue;
    }
    if (claim(Csq, irp)) return irp;
  }
  return null;
}

/** IoCsqRemoveIrp: the IRP queued with this context, if it is still queued and not being cancelled. */
export function IoCsqRemoveIrp(Csq: IO_CSQ, Context: IO_CSQ_IRP_CONTEXT): IRP | null {
  requireInitialized(Csq, 'IoCsqRemoveIrp');
  const irp = Context.Irp;
  if (!irp || !Csq.irps.includes(irp)) return null;
  return claim(Csq, irp) ? irp : null;
}
