/**
 * FILE_OBJECT: one open instance of a device, what a handle refers to. The
 * driver may keep per-open state in FsContext/FsContext2. The I/O manager
 * tracks the requests issued through it, so closing the handle can check that
 * the driver completed or cancelled them at cleanup (PAGE-5).
 */
import type { DEVICE_OBJECT } from './device-object';
import type { IRP } from './irp';
import type { Process } from './process';

export class FILE_OBJECT {
  FsContext: any = null;
  FsContext2: any = null;
  /** Requests issued through this file object that have not finished yet. */
  readonly outstanding = new Set<IRP>();
  /** Handles to the file object, in any process (DuplicateHandle adds one). */
  handleCount = 0;
  /** IRP_MJ_CLEANUP has been sent: the last handle is gone. */
  cleanedUp = false;
  /** IRP_MJ_CLOSE has been sent: no handle and no request holds the file object any more. */
  closed = false;
  /** The process that closed the last handle (IRP_MJ_CLEANUP ran in its context). */
  lastCloser: Process | null = null;
  /** When IRP_MJ_CLOSE was sent (simulated ns). */
  closeSentAtNs: number | null = null;

  constructor(
    /** A number that identifies the file object in reports. */
    readonly id: number,
    readonly DeviceObject: DEVICE_OBJECT,
    /** The process that opened it (IRP_MJ_CREATE ran in its context). */
    readonly process: Process,
  ) {}
}
