/**
 * IRP: one I/O request packet, with its stack of IO_STACK_LOCATIONs (one per
 * driver the request passes through), and the inline routines WDM drivers use
 * on it (IoGetCurrentIrpStackLocation, IoMarkIrpPending, IoSetCancelRoutine,
 * IoSetCompletionRoutine ...). The routines that need the I/O manager
 * (IoCallDriver, IoCompleteRequest, IoCancelIrp) live in io-manager.ts.
 */
import type { Acquisition } from '../../machine/driver-place';
import { Irql, PASSIVE_LEVEL } from '../../machine/irql';
import { NtStatus, STATUS } from '../../machine/ntstatus';
import type { KPROCESSOR_MODE } from '../mm/memory-manager';
import type { MDL } from '../mm/mdl';
import type { DEVICE_OBJECT } from './device-object';
import type { FILE_OBJECT } from './file-object';
import type { IoRequest } from './io-request';
import type { Process } from './process';
import type { RequestBuffers } from './request-buffers';

export type DRIVER_CANCEL = (DeviceObject: DEVICE_OBJECT, Irp: IRP) => void;
export type IO_COMPLETION_ROUTINE = (DeviceObject: DEVICE_OBJECT | null, Irp: IRP, Context: unknown) => NtStatus;

/** IO_STACK_LOCATION.Control: the driver at this location returned STATUS_PENDING. */
export const SL_PENDING_RETURNED = 0x01;

export interface ReadWriteParameters {
  Length: number;
  Key: number;
  ByteOffset: number;
}

export interface DeviceIoControlParameters {
  OutputBufferLength: number;
  InputBufferLength: number;
  IoControlCode: number;
  /** METHOD_NEITHER: the caller's input buffer address, unprobed. */
  Type3InputBuffer: number | null;
}

export interface IO_STACK_LOCATION {
  MajorFunction: number;
  MinorFunction: number;
  Flags: number;
  Control: number;
  Parameters: {
    /** Read and Write share their storage, as the C union does. */
    Read: ReadWriteParameters;
    Write: ReadWriteParameters;
    DeviceIoControl: DeviceIoControlParameters;
    Create: { Options: number; ShareAccess: number };
  };
  DeviceObject: DEVICE_OBJECT | null;
  FileObject: FILE_OBJECT | null;
  CompletionRoutine: IO_COMPLETION_ROUTINE | null;
  Context: unknown;
}

export function newStackLocation(): IO_STACK_LOCATION {
  const readWrite: ReadWriteParameters = { Length: 0, Key: 0, ByteOffset: 0 };
  return {
    MajorFunction: 0,
    MinorFunction: 0,
    Flags: 0,
    Control: 0,
    Parameters: {
      Read: readWrite,
      Write: readWrite,
      DeviceIoControl: { OutputBufferLength: 0, InputBufferLength: 0, IoControlCode: 0, Type3InputBuffer: null },
      Create: { Options: 0, ShareAccess: 0 },
    },
    DeviceObject: null,
    FileObject: null,
    CompletionRoutine: null,
    Context: null,
  };
}

export class IRP {
  MdlAddress: MDL | null = null;
  Flags = 0;
  readonly AssociatedIrp: { SystemBuffer: number | null } = { SystemBuffer: null };
  /** The caller's output buffer address (METHOD_NEITHER, and buffered reads' destination). */
  UserBuffer: number | null = null;
  readonly IoStatus: { Status: NtStatus; Information: number } = { Status: STATUS.SUCCESS, Information: 0 };
  RequestorMode: KPROCESSOR_MODE = 'KernelMode';
  PendingReturned = false;
  Cancel = false;
  CancelIrql: Irql = PASSIVE_LEVEL;
  CancelRoutine: DRIVER_CANCEL | null = null;
  readonly Tail: {
    Overlay: {
      /** Four pointers' worth of storage the current owner of the IRP may use. */
      DriverContext: unknown[];
      /** The requesting process (the thread's process on Windows). */
      Thread: Process | null;
      OriginalFileObject: FILE_OBJECT | null;
    };
  };
  readonly StackCount: number;
  /** Index of the current stack location; StackCount until the IRP is first passed to a driver. */
  CurrentLocation: number;
  readonly stack: IO_STACK_LOCATION[];

  // --- I/O manager bookkeeping ------------------------------------------------
  /** IoCompleteRequest has been called. */
  completed = false;
  /** The I/O manager has finished the request (buffers released, caller told). */
  finished = false;
  /** The dispatch routine that received the IRP from the I/O manager has returned. */
  dispatchReturned = false;
  /** The application's record of the request, for IRPs the I/O manager built. */
  request: IoRequest | null = null;
  /** The buffers the I/O manager prepared for the request. */
  buffers: RequestBuffers | null = null;
  /** The driver that allocated the IRP with IoAllocateIrp, if a driver did. */
  allocatedBy: string | null = null;
  /** The driver's IoAllocateIrp call, and its last IoMarkIrpPending (or queue insertion): what a check names for an IRP never freed or a request never completed. */
  allocatedAt: Acquisition | null = null;
  pendingAt: Acquisition | null = null;
  freed = false;
  /** Simulated time the IRP was issued. */
  issuedAtNs = 0;

  constructor(
    /** A number that identifies the IRP in reports and bug-check parameters (its "address"). */
    readonly id: number,
    stackSize: number,
    process: Process | null,
    fileObject: FILE_OBJECT | null,
  ) {
    this.StackCount = stackSize;
    this.CurrentLocation = stackSize;
    this.stack = Array.from({ length: stackSize }, newStackLocation);
    this.Tail = { Overlay: { DriverContext: [null, null, null, null], Thread: process, OriginalFileObject: fileObject } };
  }

  get process(): Process | null {
    return this.Tail.Overlay.Thread;
  }

  get fileObject(): FILE_OBJECT | null {
    return this.Tail.Overlay.OriginalFileObject;
  }
}

export function IoGetCurrentIrpStackLocation(Irp: IRP): IO_STACK_LOCATION {
  const loc = Irp.stack[Irp.CurrentLocation];
  if (!loc) throw new RangeError(`IoGetCurrentIrpStackLocation: IRP #${Irp.id} has not been passed to a driver yet (no current stack location)`);
  return loc;
}

export function IoGetNextIrpStackLocation(Irp: IRP): IO_STACK_LOCATION {
  const loc = Irp.stack[Irp.CurrentLocation - 1];
  if (!loc) throw new RangeError(`IoGetNextIrpStackLocation: IRP #${Irp.id} has no stack location below the current one (StackCount ${Irp.StackCount})`);
  return loc;
}

/** IoMarkIrpPending: the dispatch routine will return STATUS_PENDING and complete the IRP later. */
export function IoMarkIrpPending(Irp: IRP): void {
  IoGetCurrentIrpStackLocation(Irp).Control |= SL_PENDING_RETURNED;
  Irp.PendingReturned = true;
}

/** IoSetCancelRoutine: an atomic exchange; returns the previous routine (null means the IRP is being cancelled or was never cancelable). */
export function IoSetCancelRoutine(Irp: IRP, CancelRoutine: DRIVER_CANCEL | null): DRIVER_CANCEL | null {
  const previous = Irp.CancelRoutine;
  Irp.CancelRoutine = CancelRoutine;
  return previous;
}

/** IoSetCompletionRoutine: the routine runs when the driver below completes the IRP. */
export function IoSetCompletionRoutine(Irp: IRP, CompletionRoutine: IO_COMPLETION_ROUTINE | null, Context: unknown, InvokeOnSuccess = true, InvokeOnError = true, InvokeOnCancel = true): void {
  const next = IoGetNextIrpStackLocation(Irp);
  next.CompletionRoutine = CompletionRoutine;
  next.Context = Context;
  next.Control = (next.Control & ~0xe0) | (InvokeOnSuccess ? 0x40 : 0) | (InvokeOnError ? 0x80 : 0) | (InvokeOnCancel ? 0x20 : 0);
}

export function IoCopyCurrentIrpStackLocationToNext(Irp: IRP): void {
  const cur = IoGetCurrentIrpStackLocation(Irp);
  const next = IoGetNextIrpStackLocation(Irp);
  const readWrite = { ...cur.Parameters.Read };
  Object.assign(next, {
    MajorFunction: cur.MajorFunction,
    MinorFunction: cur.MinorFunction,
    Flags: cur.Flags,
    Control: 0,
    Parameters: { Read: readWrite, Write: readWrite, DeviceIoControl: { ...cur.Parameters.DeviceIoControl }, Create: { ...cur.Parameters.Create } },
    FileObject: cur.FileObject,
    CompletionRoutine: null,
    Context: null,
  });
}

export function IoSkipCurrentIrpStackLocation(Irp: IRP): void {
  Irp.CurrentLocation++;
}
