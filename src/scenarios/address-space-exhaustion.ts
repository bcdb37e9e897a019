/**
 * CONT-6: a process whose user address space is used up. Reserving address
 * space takes no memory, so the process reserves everything that is left,
 * largest pieces first, down to the allocation granularity (64 KiB); after
 * that nothing more can be mapped into it.
 */
import { Machine } from '../machine/machine';
import { RaisedStatus, STATUS } from '../machine/ntstatus';
import { Process } from '../kernel/io/process';

const GRANULARITY = 64 * 1024;
const LARGEST = 2 ** 42;

/** Reserve every free range of the process's address space; returns the bytes reserved. */
export function reserveAllAddressSpace(machine: Machine, process: Process): number {
  let reserved = 0;
  for (let size = LARGEST; size >= GRANULARITY; ) {
    try {
      machine.mm.allocateVirtual(process.addressSpace, size, { commit: false, label: 'address space reserved to the last byte' });
      reserved += size;
    } catch (e) {
      if (!(e instanceof RaisedStatus && e.status === STATUS.NO_MEMORY)) throw e;
      size /= 2;
    }
  }
  return reserved;
}
