/**
 * A user process: an address space and the handles it holds. Applications in
 * scenarios and workloads are processes; process exit closes the handles and
 * then checks that no pages are left locked (PAGE-5).
 */
import { ProcessContext } from '../../machine/cpu';
import { AddressSpace } from '../mm/address-space';
import { MmProcess } from '../mm/memory-manager';
import type { UserMapping } from '../mm/mdl';
import type { FILE_OBJECT } from './file-object';

/** Handle values start at 4 and step by 4, as Windows hands them out. */
const HANDLE_STEP = 4;

export class Process implements MmProcess, ProcessContext {
  exited = false;
  /** The process has begun exiting: no new handles or requests. */
  exiting = false;
  /** User mappings of MDLs still in place when the address space went (no driver undid them). */
  userMappingsAtExit: readonly Omit<UserMapping, 'process'>[] = [];
  /** Open handles to file objects, by handle value. */
  readonly handles = new Map<number, FILE_OBJECT>();
  private nextHandle = 0;

  constructor(readonly processId: number, readonly name: string, readonly addressSpace: AddressSpace) {}

  /** Enter a file object in the handle table; returns the new handle value. */
  insertHandle(fileObject: FILE_OBJECT): number {
    this.nextHandle += HANDLE_STEP;
    this.handles.set(this.nextHandle, fileObject);
    return this.nextHandle;
  }

  /** Remove a handle; returns the file object it referred to, or undefined for an unknown handle. */
  removeHandle(handle: number): FILE_OBJECT | undefined {
    const fileObject = this.handles.get(handle);
    this.handles.delete(handle);
    return fileObject;
  }
}

/** PEPROCESS: a process as a driver holds it (IoGetCurrentProcess). */
export type PEPROCESS = Process;

/** KAPC_STATE: the context KeStackAttachProcess left, for KeUnstackDetachProcess to return to. */
export class KAPC_STATE {
  /** The process attached to before; undefined while not attached. */
  previous: ProcessContext | null | undefined = undefined;
}
