/**
 * What an application holds for one request it issued: the final status and
 * byte count once the I/O manager has finished the request, and the event it
 * signals then (the OVERLAPPED structure's hEvent).
 */
import { NT_SUCCESS, NtStatus, STATUS } from '../../machine/ntstatus';
import { KEVENT } from './event';
import { statusName } from '../../machine/ntstatus';
import type { IRP } from './irp';
import type { Process } from './process';

export type RequestOperation = 'create' | 'read' | 'write' | 'device-control' | 'cleanup' | 'close';

export class IoRequest {
  status: NtStatus = STATUS.PENDING;
  /** Bytes transferred (IoStatus.Information) once finished. */
  information = 0;
  done = false;
  readonly event: KEVENT;
  irp: IRP | null = null;
  completedAtNs: number | null = null;
  /** The pages of the caller's buffer the I/O manager locked for direct I/O (the request's first MDL), null without one. */
  directPages: number | null = null;

  constructor(
    /** A number that identifies the request in reports. */
    readonly id: number,
    readonly operation: RequestOperation,
    readonly process: Process,
    /** The driver serving the request, or null when it failed before reaching one. */
    readonly driverName: string | null,
    /** The bytes the application asked for. */
    readonly requestedLength: number,
    readonly issuedAtNs: number,
  ) {
    this.event = new KEVENT(`request #${this.id} event`);
  }

  get succeeded(): boolean {
    return this.done && NT_SUCCESS(this.status);
  }

  describe(): string {
    const state = this.done ? `${statusName(this.status)}, ${this.information} byte(s)` : 'pending';
    return `request #${this.id} (${this.operation} of ${this.requestedLength} byte(s) by ${this.process.name}${this.driverName ? ` to ${this.driverName}` : ''}): ${state}`;
  }
}
