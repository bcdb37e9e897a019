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
  /** IRP_MJ_CLEANUP has been sent: the last handle is gone. */
  cleanedUp = false;
  /** IRP_MJ_CLOSE has been sent. */
  closed = false;

  constructor(
    /** A number that identifies the file object in reports. */
    readonly id: number,
    readonly DeviceObject: DEVICE_OBJECT,
    readonly process: Process,
  ) {}
}
