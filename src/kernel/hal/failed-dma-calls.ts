/**
 * The DMA routines that can fail, and a record of each failure on the adapter
 * it was called on: which routine, the status (or NULL), how many map
 * registers it needed against the adapter's grant, and when. A request that
 * ends in an error status can then be traced to the call that failed, the way
 * a reviewer reads a driver's log (SG-1, SG-3, SG-4, CONT-2).
 */
import type { NtStatus } from '../../machine/ntstatus';
import { NT_SUCCESS } from '../../machine/ntstatus';
import { PAGE_SIZE } from '../../contracts/units';
import type { DMA_ADAPTER, DMA_OPERATIONS, DmaAdapter } from './dma-adapter';

export interface FailedDmaCall {
  readonly routine: 'AllocateCommonBuffer' | 'AllocateAdapterChannel' | 'GetScatterGatherList' | 'BuildScatterGatherList';
  /** The status returned; null for a routine that returned NULL. */
  readonly status: NtStatus | null;
  /** Bytes the call asked for (the buffer, or the transfer to map). */
  readonly length: number;
  /** Map registers the call needed, when it maps a transfer. */
  readonly mapRegistersNeeded: number | null;
  /** Map registers the adapter was granted. */
  readonly mapRegistersGranted: number;
  readonly atNs: number;
}

/** Failures kept per adapter; a driver that keeps failing shows with the first ones. */
const KEPT = 64;

function pagesSpanned(currentVa: number, length: number): number {
  return Math.ceil(((currentVa % PAGE_SIZE) + length) / PAGE_SIZE);
}

/** The operations table with every failure of the routines that can fail recorded on its adapter. */
export function recordingFailures(ops: DMA_OPERATIONS, adapterOf: (a: DMA_ADAPTER) => DmaAdapter): DMA_OPERATIONS {
  const note = (a: DMA_ADAPTER, call: Omit<FailedDmaCall, 'mapRegistersGranted' | 'atNs'>) => {
    const adapter = adapterOf(a);
    if (adapter.failedCalls.length < KEPT) adapter.failedCalls.push({ ...call, mapRegistersGranted: adapter.numberOfMapRegisters, atNs: adapter.kernel.clock.now });
  };
  return {
    ...ops,
    AllocateCommonBuffer: (a, length, logical, cacheEnabled) => {
      const va = ops.AllocateCommonBuffer(a, length, logical, cacheEnabled);
      if (va === null) note(a, { routine: 'AllocateCommonBuffer', status: null, length, mapRegistersNeeded: null });
      return va;
    },
    AllocateAdapterChannel: (a, deviceObject, n, routine, context) => {
      const status = ops.AllocateAdapterChannel(a, deviceObject, n, routine, context);
      if (!NT_SUCCESS(status)) note(a, { routine: 'AllocateAdapterChannel', status, length: n * PAGE_SIZE, mapRegistersNeeded: n });
      return status;
    },
    GetScatterGatherList: (a, deviceObject, mdl, currentVa, length, routine, context, writeToDevice) => {
      const status = ops.GetScatterGatherList(a, deviceObject, mdl, currentVa, length, routine, context, writeToDevice);
      if (!NT_SUCCESS(status)) note(a, { routine: 'GetScatterGatherList', status, length, mapRegistersNeeded: pagesSpanned(currentVa, length) });
      return status;
    },
    BuildScatterGatherList: (a, deviceObject, mdl, currentVa, length, routine, context, writeToDevice, buffer, bufferLength) => {
      const status = ops.BuildScatterGatherList(a, deviceObject, mdl, currentVa, length, routine, context, writeToDevice, buffer, bufferLength);
      if (!NT_SUCCESS(status)) note(a, { routine: 'BuildScatterGatherList', status, length, mapRegistersNeeded: pagesSpanned(currentVa, length) });
      return status;
    },
  };
}
