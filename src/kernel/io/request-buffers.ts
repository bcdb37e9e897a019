/**
 * How the I/O manager hands an application's buffers to a driver, per the
 * device's flags (reads and writes) or the IOCTL's transfer method:
 *
 *   direct    the I/O manager allocates an MDL for the caller's buffer and
 *             probes and locks it (Irp.MdlAddress); it unlocks the pages when
 *             the driver completes the IRP and frees the MDL when the request
 *             finishes (MDL-4). A failed probe fails the request with the
 *             raised status; nothing stays locked (PAGE-3).
 *   buffered  the I/O manager copies through a non-paged system buffer
 *             (Irp.AssociatedIrp.SystemBuffer), in on issue and out on finish.
 *   neither   the caller's addresses go to the driver as they are (UserBuffer,
 *             Type3InputBuffer); probing them is the driver's job.
 *
 * Every check an application's bad input can trip (a kernel address, a freed
 * or too-short buffer) ends as an error status, never as a crash.
 */
import { NT_SUCCESS, NtStatus, RaisedStatus, STATUS } from '../../machine/ntstatus';
import type { Kernel } from '../kernel';
import { MM_USER_PROBE_ADDRESS } from '../mm/layout';
import { LOCK_OPERATION, MDL } from '../mm/mdl';
import type { IRP } from './irp';
import type { Process } from './process';

export type BufferMethod = 'direct' | 'buffered' | 'neither' | 'none';

export interface RequestBuffers {
  readonly method: BufferMethod;
  /** MDLs the I/O manager allocated and locked: unlocked at completion, freed when the request finishes. */
  readonly lockedMdls: MDL[];
  unlocked: boolean;
  /** The non-paged system buffer the I/O manager allocated, if any. */
  systemBuffer: number | null;
  /** Where a buffered request's output is copied when it finishes, and how much room is there. */
  copyOutTo: number | null;
  copyOutLength: number;
}

/** The call-site label the I/O manager's own allocations carry (fault rules can single them out). */
export const IO_MANAGER_CALL_SITE = 'IoManager';
const SYSTEM_BUFFER_TAG = 'IoSB';

export function noBuffers(): RequestBuffers {
  return { method: 'none', lockedMdls: [], unlocked: false, systemBuffer: null, copyOutTo: null, copyOutLength: 0 };
}

export class RequestBufferManager {
  constructor(private readonly kernel: Kernel) {}

  /**
   * ProbeForRead/ProbeForWrite for a user-mode caller: the range must lie in
   * user space. Returns the failure status or SUCCESS; the pages themselves
   * are checked when they are touched or locked.
   */
  probeUserRange(va: number, length: number): NtStatus {
    if (length === 0) return STATUS.SUCCESS;
    if (!Number.isSafeInteger(va) || !Number.isSafeInteger(length) || va < 0 || length < 0) return STATUS.INVALID_PARAMETER;
    if (va >= MM_USER_PROBE_ADDRESS || va + length > MM_USER_PROBE_ADDRESS) return STATUS.ACCESS_VIOLATION;
    return STATUS.SUCCESS;
  }

  /** Lock the caller's buffer into a new MDL on the IRP (direct I/O). */
  lockUserBuffer(irp: IRP, buffers: RequestBuffers, va: number, length: number, operation: LOCK_OPERATION): NtStatus {
    if (length === 0) return STATUS.SUCCESS;
    const { mdl: routines } = this.kernel;
    const mdl = routines.IoAllocateMdl(va, length, irp.MdlAddress !== null, false, irp, IO_MANAGER_CALL_SITE);
    if (!mdl) return STATUS.INSUFFICIENT_RESOURCES;
    try {
      routines.MmProbeAndLockPages(mdl, 'UserMode', operation);
    } catch (e) {
      this.unchain(irp, mdl);
      routines.IoFreeMdl(mdl);
      if (e instanceof RaisedStatus) return e.status;
      throw e;
    }
    buffers.lockedMdls.push(mdl);
    if (irp.request && irp.request.directPages === null) irp.request.directPages = mdl.pageCount;
    return STATUS.SUCCESS;
  }

  /** Allocate the system buffer and copy `inputLength` bytes of the caller's input into it. */
  bufferInput(process: Process, buffers: RequestBuffers, size: number, inputVa: number | null, inputLength: number): NtStatus {
    if (size === 0) return STATUS.SUCCESS;
    const { mm } = this.kernel;
    const va = mm.ExAllocatePoolWithTag('NonPagedPool', size, SYSTEM_BUFFER_TAG, IO_MANAGER_CALL_SITE);
    if (va === null) return STATUS.INSUFFICIENT_RESOURCES;
    buffers.systemBuffer = va;
    if (inputVa === null || inputLength === 0) return STATUS.SUCCESS;
    try {
      const data = mm.readVirtual(inputVa, inputLength, process.addressSpace);
      mm.writeVirtual(va, data, mm.systemSpace);
    } catch (e) {
      if (e instanceof RaisedStatus) return e.status;
      throw e;
    }
    return STATUS.SUCCESS;
  }

  /** At IoCompleteRequest: unlock what the I/O manager locked (MDL-4). */
  unlockAtCompletion(buffers: RequestBuffers): void {
    if (buffers.unlocked) return;
    buffers.unlocked = true;
    for (const mdl of buffers.lockedMdls) this.kernel.mdl.MmUnlockPages(mdl);
  }

  /**
   * When the request finishes, in the caller's context: copy a buffered
   * request's output back, free the system buffer and the MDLs. Returns the
   * final status and byte count (a copy that faults fails the request), and
   * whether the driver reported more bytes than the caller's buffer holds.
   */
  release(process: Process | null, irp: IRP, buffers: RequestBuffers, status: NtStatus, information: number): { status: NtStatus; information: number; overflow: boolean } {
    const { mm, mdl: routines } = this.kernel;
    let overflow = false;
    this.unlockAtCompletion(buffers);
    if (buffers.systemBuffer !== null) {
      if (process && buffers.copyOutTo !== null && NT_SUCCESS(status) && information > 0) {
        overflow = information > buffers.copyOutLength;
        const n = Math.min(information, buffers.copyOutLength);
        try {
          const data = mm.readVirtual(buffers.systemBuffer, n, mm.systemSpace);
          mm.writeVirtual(buffers.copyOutTo, data, process.addressSpace);
          information = n;
        } catch (e) {
          if (!(e instanceof RaisedStatus)) throw e;
          status = e.status;
          information = 0;
        }
      }
      mm.ExFreePoolWithTag(buffers.systemBuffer, SYSTEM_BUFFER_TAG);
      buffers.systemBuffer = null;
    }
    for (const mdl of buffers.lockedMdls) {
      this.unchain(irp, mdl);
      routines.IoFreeMdl(mdl);
    }
    buffers.lockedMdls.length = 0;
    return { status, information, overflow };
  }

  private unchain(irp: IRP, mdl: MDL): void {
    if (irp.MdlAddress === mdl) {
      irp.MdlAddress = mdl.Next;
    } else {
      for (let m = irp.MdlAddress; m; m = m.Next) {
        if (m.Next === mdl) {
          m.Next = mdl.Next;
          break;
        }
      }
    }
    mdl.Next = null;
  }
}
