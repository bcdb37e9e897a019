/**
 * PAGE-6: the CPU time a driver spends preparing requests for DMA, two ways
 * (seed 000):
 *
 * - lock per request: for every request allocate an MDL, probe and lock the
 *   buffer, get a scatter/gather list, flush, put the list back, unlock and
 *   free the MDL;
 * - long-lived buffer: do the lock and the list once, flush per request, and
 *   undo the lock and the list once at the end.
 *
 * Only the memory manager's and the HAL's CPU time is counted (the clock's
 * "mm:" and "hal:" accounts): programming the device costs the same both ways.
 */
import { Machine } from '../machine/machine';
import { statusName } from '../machine/ntstatus';
import { Process } from '../kernel/io/process';
import { DmaAdapter } from '../kernel/hal/dma-adapter';
import { MDL } from '../kernel/mm/mdl';
import { getScatterGatherList, putScatterGatherList } from './scatter-gather-calls';

export type LockingStrategy = 'lock per request' | 'long-lived buffer';

export interface LockingCost {
  readonly strategy: LockingStrategy;
  readonly requests: number;
  readonly pages: number;
  /** Memory-manager and HAL CPU time for all the requests. */
  readonly cpuNs: number;
  /** Of which probing, locking and unlocking pages. */
  readonly lockingNs: number;
}

function kernelCpu(machine: Machine): { total: number; locking: number } {
  const c = machine.clock;
  return { total: c.cpuTime('mm:') + c.cpuTime('hal:'), locking: c.cpuTime('mm:probe-and-lock') + c.cpuTime('mm:unlock') };
}

export interface RequestBuffer {
  readonly process: Process;
  readonly va: number;
  readonly length: number;
}

/** Prepare `requests` requests for DMA into `buffer` by `strategy`; returns the CPU time it cost. */
export function prepareRequests(machine: Machine, driver: string, adapter: DmaAdapter, buffer: RequestBuffer, requests: number, strategy: LockingStrategy): LockingCost {
  if (!(Number.isSafeInteger(requests) && requests >= 1)) throw new RangeError(`the number of requests must be a whole number of at least 1, got ${requests}`);
  const inDriver = <T>(fn: () => T): T => machine.cpu.inDriver(driver, () => machine.cpu.inProcess(buffer.process, fn));
  const lock = (): MDL => inDriver(() => {
    const mdl = machine.kernel.mdl.IoAllocateMdl(buffer.va, buffer.length, false, false, null);
    if (!mdl) throw new Error('IoAllocateMdl returned NULL while preparing a request');
    machine.kernel.mdl.MmProbeAndLockPages(mdl, 'UserMode', 'IoWriteAccess');
    return mdl;
  });
  const unlock = (mdl: MDL) => inDriver(() => {
    machine.kernel.mdl.MmUnlockPages(mdl);
    machine.kernel.mdl.IoFreeMdl(mdl);
  });
  const list = (mdl: MDL) => {
    const got = inDriver(() => getScatterGatherList(machine, driver, adapter, { mdl, va: buffer.va, length: buffer.length, writeToDevice: false }));
    if (!got.list) throw new Error(`GetScatterGatherList returned ${statusName(got.status)} while preparing a request`);
    return got.list;
  };
  const before = kernelCpu(machine);
  let pages = 0;
  if (strategy === 'lock per request') {
    for (let i = 0; i < requests; i++) {
      const mdl = lock();
      pages = mdl.pageCount;
      const l = list(mdl);
      inDriver(() => machine.hal.KeFlushIoBuffers(mdl, true, true));
      putScatterGatherList(machine, driver, adapter, l, false);
      unlock(mdl);
    }
  } else {
    const mdl = lock();
    pages = mdl.pageCount;
    const l = list(mdl);
    for (let i = 0; i < requests; i++) inDriver(() => machine.hal.KeFlushIoBuffers(mdl, true, true));
    putScatterGatherList(machine, driver, adapter, l, false);
    unlock(mdl);
  }
  const after = kernelCpu(machine);
  return { strategy, requests, pages, cpuNs: after.total - before.total, lockingNs: after.locking - before.locking };
}
