/**
 * The scatter/gather routines called as a driver calls them: at
 * DISPATCH_LEVEL, as the driver that owns the adapter, each result with what
 * the call did to non-paged pool (SG-3: Get allocates from it; SG-4: Build
 * allocates nothing).
 */
import { DISPATCH_LEVEL, PASSIVE_LEVEL } from '../machine/irql';
import { Machine } from '../machine/machine';
import { NtStatus, STATUS } from '../machine/ntstatus';
import { DmaAdapter } from '../kernel/hal/dma-adapter';
import { SCATTER_GATHER_LIST, ScatterGatherListSize } from '../kernel/hal/scatter-gather-list';
import { MDL, MmGetMdlVirtualAddress } from '../kernel/mm/mdl';
import type { DmaCallResult } from './dma-scenario-objects';

export interface ListCallResult extends DmaCallResult {
  /** The list the execution routine received; null when the call failed. */
  readonly list: SCATTER_GATHER_LIST | null;
  /** IRQL the execution routine ran at (-1 when it did not run). */
  readonly routineIrql: number;
}

/** The transfer a list is asked for: bytes of an MDL (chain) from `va` on. */
export interface ListRequest {
  readonly mdl: MDL;
  readonly va: number;
  readonly length: number;
  readonly writeToDevice: boolean;
}

/** The whole of an MDL chain, from the first MDL's first byte. */
export function wholeChain(mdl: MDL, writeToDevice: boolean): ListRequest {
  let length = 0;
  for (let m: MDL | null = mdl; m; m = m.Next) length += m.ByteCount;
  return { mdl, va: MmGetMdlVirtualAddress(mdl), length, writeToDevice };
}

function poolPages(machine: Machine): number {
  return machine.mm.nonPagedPool.usedPages;
}

function withPoolAccounting(machine: Machine, routine: string, call: () => { status: NtStatus; list: SCATTER_GATHER_LIST | null; routineIrql: number }): ListCallResult {
  const before = poolPages(machine);
  const r = call();
  return { routine, ...r, poolPagesBefore: before, poolPagesAfter: poolPages(machine) };
}

/** GetScatterGatherList for the request; the device object stands for the driver's device. */
export function getScatterGatherList(machine: Machine, driver: string, adapter: DmaAdapter, request: ListRequest, deviceObject: object = {}): ListCallResult {
  return withPoolAccounting(machine, 'GetScatterGatherList', () => {
    let list: SCATTER_GATHER_LIST | null = null;
    let routineIrql = -1;
    const status = machine.cpu.inDriver(driver, () => machine.cpu.atIrql(DISPATCH_LEVEL, () =>
      adapter.DmaOperations.GetScatterGatherList(adapter, deviceObject, request.mdl, request.va, request.length, (_d, _i, sg) => {
        list = sg;
        routineIrql = machine.cpu.irql;
      }, null, request.writeToDevice)));
    return { status, list: status === STATUS.SUCCESS ? list : null, routineIrql };
  });
}

/** BuildScatterGatherList into [buffer, buffer + bufferLength), a buffer the driver allocated beforehand. */
export function buildScatterGatherList(machine: Machine, driver: string, adapter: DmaAdapter, request: ListRequest, buffer: number, bufferLength: number, deviceObject: object = {}): ListCallResult {
  return withPoolAccounting(machine, 'BuildScatterGatherList', () => {
    let list: SCATTER_GATHER_LIST | null = null;
    let routineIrql = -1;
    const status = machine.cpu.inDriver(driver, () => machine.cpu.atIrql(DISPATCH_LEVEL, () =>
      adapter.DmaOperations.BuildScatterGatherList(adapter, deviceObject, request.mdl, request.va, request.length, (_d, _i, sg) => {
        list = sg;
        routineIrql = machine.cpu.irql;
      }, null, request.writeToDevice, buffer, bufferLength)));
    return { status, list: status === STATUS.SUCCESS ? list : null, routineIrql };
  });
}

/** PutScatterGatherList, saying the direction `writeToDevice` (which should be the list's). */
export function putScatterGatherList(machine: Machine, driver: string, adapter: DmaAdapter, list: SCATTER_GATHER_LIST, writeToDevice: boolean): DmaCallResult {
  const before = poolPages(machine);
  machine.cpu.inDriver(driver, () => machine.cpu.atIrql(DISPATCH_LEVEL, () => adapter.DmaOperations.PutScatterGatherList(adapter, list, writeToDevice)));
  return { routine: 'PutScatterGatherList', status: STATUS.SUCCESS, poolPagesBefore: before, poolPagesAfter: poolPages(machine) };
}

/** CalculateScatterGatherList for an MDL (chain) or, with `mdl` null, for a start address and length. */
export function calculateScatterGatherList(machine: Machine, driver: string, adapter: DmaAdapter, mdl: MDL | null, va: number, length: number): ScatterGatherListSize {
  return machine.cpu.inDriver(driver, () => machine.cpu.atIrql(PASSIVE_LEVEL, () => adapter.DmaOperations.CalculateScatterGatherList(adapter, mdl, va, length)));
}
