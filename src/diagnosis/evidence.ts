/**
 * What a reviewer looks at besides the failure itself, read off the machine
 * of a workload at the moment a finding is judged: how the device addresses
 * memory and how the driver described it, what the device and the clock are
 * doing, which DMA calls failed, what the driver still holds, and who owns a
 * frame. Plain data (and one lookup), so a diagnosis can be tested on crafted
 * evidence without a machine.
 */
import type { FailedDmaCall } from '../kernel/hal/failed-dma-calls';
import type { FailedAllocation } from '../kernel/mm/failed-allocations';
import { AddressSpace } from '../kernel/mm/address-space';
import { STATUS } from '../machine/ntstatus';
import { PAGE_SIZE } from '../contracts/units';
import type { DmaErrorCode } from '../contracts/dma-test-device-registers';
import type { Workload } from '../workload/workload';

export type FrameOwnerEvidence =
  | { readonly kind: 'free' }
  /** Kernel memory: pool, contiguous memory, a common buffer, a file section. */
  | { readonly kind: 'system' }
  | { readonly kind: 'process'; readonly name: string; readonly workingSetRaised: boolean };

export interface AdapterEvidence {
  readonly label: string;
  /** The driver described the device as addressing 64 bits (DEVICE_DESCRIPTION.Dma64BitAddresses). */
  readonly describedAs64Bit: boolean;
  readonly listsOutstanding: number;
  /** Lists not put back whose MDL has been freed: their request completed, the list outlived its transfer. */
  readonly listsOutlivingTheirMdl: number;
  readonly channelsHeld: number;
  readonly mapRegistersHeld: number;
  /** The map registers IoGetDmaAdapter granted the adapter. */
  readonly mapRegistersGranted: number;
  readonly failedCalls: readonly FailedDmaCall[];
}

export interface DeviceErrorEvidence {
  readonly code: DmaErrorCode;
  readonly address: number;
  readonly atNs: number;
}

export interface Evidence {
  readonly deviceAddressBits: 32 | 64;
  readonly iommu: boolean;
  readonly adapters: readonly AdapterEvidence[];
  readonly device: { readonly status: 'idle' | 'busy' | 'done' | 'error'; readonly removed: boolean; readonly errors: readonly DeviceErrorEvidence[] };
  /** Events the clock still has to run: device progress, timers, DPCs. None means nothing will ever happen by itself. */
  readonly eventsPending: number;
  /** Requests of the driver not completed yet. */
  readonly requestsOutstanding: number;
  /** Of those, the ones in a cancelable queue (a cancel routine set): waiting for something, not dropped. */
  readonly requestsQueued: number;
  readonly freeBytes: number;
  /** Applications of the workload that raised their working set (SetProcessWorkingSetSize). */
  readonly workingSetRaisedBy: readonly string[];
  /** Applications of the workload that cancelled a request (CancelIo) which then ended cancelled: buffers they took back from the driver. */
  readonly cancelledRequestsOf: readonly string[];
  /** The memory manager's allocations that failed, with why (fragmentation, no PTEs, pool limit, injected). */
  readonly failedAllocations: readonly FailedAllocation[];
  /** Allocations made to fail so far (fault injection), besides the DMA calls that failed on their own. */
  readonly allocationFailuresInjected: number;
  frameOwner(pfn: number): FrameOwnerEvidence;
  /** The process whose user buffer MDL `mdlId` locked (freed since or not), or null. */
  processOfMdl(mdlId: number): string | null;
  /** The driver's request not completed yet whose IRP carries MDL `mdlId` (in its chain), named; null when none does. */
  outstandingRequestOfMdl(mdlId: number): string | null;
  /** The adapter goes through bounce pages: a 32-bit device, RAM above 4 GiB, no IOMMU (SG-6). */
  readonly bounces: boolean;
  /**
   * The request whose stretch of the device's stream holds `streamOffset`,
   * when it completed before the device finished the transfer that moved
   * those bytes: completing unlocked its buffer while the device still used it.
   */
  completedBeforeDevice(streamOffset: number): { readonly label: string; readonly completedAtNs: number; readonly deviceEndedNs: number } | null;
}

export function evidenceOf(workload: Workload): Evidence {
  const { machine } = workload;
  const device = machine.dmaDevice;
  const adapters = workload.machine.hal.liveAdapters(workload.driverName);
  const all = [...new Set([...(workload.session?.adapters ?? []), ...adapters])];
  const liveMdls = new Set(machine.kernel.mdl.liveMdls().map((m) => m.id));
  const outstanding = machine.io.outstandingRequests(workload.driverName);
  const raised = (as: AddressSpace) => as.workingSetMinimumPages > machine.config.workingSetMinimumPages;
  return {
    deviceAddressBits: device.addressBits,
    iommu: machine.iommu !== null,
    adapters: all.map((a) => {
      const o = a.outstanding();
      return {
        label: a.label,
        describedAs64Bit: a.description.Dma64BitAddresses === true,
        listsOutstanding: o.scatterGatherLists,
        listsOutlivingTheirMdl: a.lists.outstandingMdlIds().filter((id) => id !== 0 && !liveMdls.has(id)).length,
        channelsHeld: o.channels,
        mapRegistersHeld: o.mapRegisters,
        mapRegistersGranted: a.numberOfMapRegisters,
        failedCalls: a.failedCalls,
      };
    }),
    device: {
      status: device.status,
      removed: device.removed,
      errors: device.transferLog.errors().map((r) => ({ code: r.errorCode as DmaErrorCode, address: r.errorAddress, atNs: r.endedNs })),
    },
    eventsPending: machine.clock.pending,
    requestsOutstanding: outstanding.length,
    requestsQueued: outstanding.filter((r) => r.irp?.CancelRoutine).length,
    freeBytes: machine.physical.freeFrames * PAGE_SIZE,
    workingSetRaisedBy: [...workload.applications.values()].filter((a) => raised(a.process.addressSpace)).map((a) => a.name),
    cancelledRequestsOf: [...workload.applications.values()]
      .filter((a) => workload.ledger.requests.some((t) => t.request.process === a.process && t.disturbances.has('cancelled') && t.request.done && t.request.status === STATUS.CANCELLED))
      .map((a) => a.name),
    failedAllocations: machine.mm.failedAllocations,
    allocationFailuresInjected: [...machine.kernel.faults.injected.values()].reduce((n, v) => n + v, 0),
    bounces: all.some((a) => a.mapRegisters.bouncing),
    processOfMdl(mdlId) {
      return machine.kernel.mdl.lockedForProcess.get(mdlId) ?? null;
    },
    outstandingRequestOfMdl(mdlId) {
      const carries = (r: (typeof outstanding)[number]) => {
        for (let m = r.irp?.MdlAddress ?? null; m; m = m.Next) if (m.id === mdlId) return true;
        return false;
      };
      const r = outstanding.find(carries);
      return r ? `${r.operation} request #${r.id} of ${r.process.name}` : null;
    },
    completedBeforeDevice(streamOffset) {
      const t = workload.ledger.requests.find((r) => r.stream && r.request.done && streamOffset >= r.stream.offset && streamOffset < r.stream.offset + r.stream.length);
      const moved = device.transferLog.records.find((r) => streamOffset >= r.streamStart && streamOffset < r.streamEnd);
      if (!t || !moved || t.request.completedAtNs === null || t.request.completedAtNs >= moved.endedNs) return null;
      return { label: t.label, completedAtNs: t.request.completedAtNs, deviceEndedNs: moved.endedNs };
    },
    frameOwner(pfn) {
      const owner = machine.physical.ownerOf(pfn);
      if (!owner) return { kind: 'free' };
      if (owner instanceof AddressSpace && !owner.isSystem) {
        return { kind: 'process', name: owner.ownerName, workingSetRaised: raised(owner) };
      }
      return { kind: 'system' };
    },
  };
}
