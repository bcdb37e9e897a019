/**
 * A user process: an address space and the handles it holds. Applications in
 * scenarios and workloads are processes; process exit closes the handles and
 * then checks that no pages are left locked (PAGE-5).
 */
import { ProcessContext } from '../../machine/cpu';
import { AddressSpace } from '../mm/address-space';
import { MmProcess } from '../mm/memory-manager';

export class Process implements MmProcess, ProcessContext {
  exited = false;

  constructor(readonly processId: number, readonly name: string, readonly addressSpace: AddressSpace) {}
}
