/**
 * CONT-6: a driver maps a DMA buffer it holds in system space (a common
 * buffer) into a process: an MDL built for the non-paged memory, then
 * MmMapLockedPagesSpecifyCache in user mode in that process's context. The
 * mapping needs a free range of the process's virtual address space; when
 * there is none the call raises STATUS_INSUFFICIENT_RESOURCES, and the driver
 * frees the MDL before passing the failure on.
 */
import { Machine } from '../machine/machine';
import { RaisedStatus } from '../machine/ntstatus';
import { Process } from '../kernel/io/process';
import { MDL } from '../kernel/mm/mdl';

export interface UserMapping {
  readonly process: Process;
  readonly userAddress: number;
  readonly mdl: MDL;
}

export function mapIntoProcess(machine: Machine, driver: string, process: Process, systemVa: number, length: number): UserMapping {
  return machine.cpu.inDriver(driver, () => {
    const mdl = machine.kernel.mdl.IoAllocateMdl(systemVa, length, false, false, null);
    if (!mdl) throw new Error(`IoAllocateMdl returned NULL for the ${length}-byte buffer to map into ${process.name}`);
    machine.kernel.mdl.MmBuildMdlForNonPagedPool(mdl);
    try {
      const userAddress = machine.cpu.inProcess(process, () => machine.kernel.mdl.MmMapLockedPagesSpecifyCache(mdl, 'UserMode', 'MmNonCached', null, false));
      if (userAddress === null) throw new Error('MmMapLockedPagesSpecifyCache(UserMode) returned NULL; it reports failure by raising');
      return { process, userAddress, mdl };
    } catch (e) {
      if (e instanceof RaisedStatus) machine.kernel.mdl.IoFreeMdl(mdl);
      throw e;
    }
  });
}
