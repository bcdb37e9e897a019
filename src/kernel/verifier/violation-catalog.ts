/**
 * The DMA verifier's catalog: every violation it detects, the rule it guards
 * (docs/RULES.md), what a real tool reports for it, and where it is detected.
 *
 * In 'bugcheck' mode a finding stops the machine with bug check 0xE6
 * (DRIVER_VERIFIER_DMA_VIOLATION) and `parameter1`. Where Windows has its own
 * parameter 1 the catalog uses it; where no Windows check exists the
 * parameter is one of this project's own, from 0x1000 up (project-codes.ts),
 * and `windows` says "none", so nobody mistakes it for a Windows code.
 */
import { PROJECT_E6_BASE } from './project-codes';
import type { RuleId } from '../../rules/rule-catalog';

export const DRIVER_VERIFIER_DMA_VIOLATION = 0xe6;

/** First parameter-1 value this project uses for checks Windows does not have. */
export const PROJECT_PARAMETER_BASE = PROJECT_E6_BASE;

export interface ViolationEntry {
  readonly id: string;
  readonly title: string;
  /** The rule of the catalog (docs/RULES.md) the check guards; VER-* for the verifier's own checks. */
  readonly rule: RuleId;
  /** Bug check 0xE6 parameter 1 used when the verifier stops the machine. */
  readonly parameter1: number;
  /** What Windows Driver Verifier reports, or "none". */
  readonly windows: string;
  /** What Linux dma-debug (kernel/dma/debug.c) reports, or "none". */
  readonly linux: string;
  /** Meaning of parameters 2..4 in this simulator. */
  readonly parameters: string;
  /** Where and when the simulator detects it. */
  readonly detector: string;
}

const entries = [
  {
    id: 'VER-UNLOCKED-DMA',
    title: 'DMA to or from memory that is neither locked nor non-paged',
    rule: 'PAGE-1',
    parameter1: 0x0e,
    windows: '0xE6 P1=0x0E (DMA on an unlocked, paged buffer)',
    linux: 'none (dma-debug checks the address at map time only: "device driver maps memory from stack/vmalloc/invalid area")',
    parameters: 'P2 MDL (0 when no mapping names one), P3 page frame number (0 when found at map time), P4 1 for a device write to memory, 0 for a read',
    detector: 'Bus observer, before every device access to a RAM frame: the frame has lock count 0 and is not non-paged. Also the HAL at map time (GetScatterGatherList, BuildScatterGatherList, MapTransfer) when the MDL is not locked, and at a bounce-buffer copy when the original frame is no longer locked.',
  },
  {
    id: 'VER-DMA-OUTSIDE-BUFFER',
    title: 'Device DMA outside every buffer currently mapped for that device',
    rule: 'VER-*',
    parameter1: 0x0f,
    windows: '0xE6 P1=0x0F (driver or hardware wrote outside its DMA buffer)',
    linux: 'none',
    parameters: 'P2 sub-code as documented, chosen [inferred]: 0x04 padding before a buffer modified (the access lies before the nearest mapped range; P3 that range\'s start, P4 the bus address hit), 0x05 padding after a buffer modified (after the nearest range, or running past its end; P3 its start, P4 the bus address hit), 0x03 free map register overwritten (nothing is mapped for the device, or nothing decodes the address; P3 the bus address hit, P4 0)',
    detector: 'Bus observer, before every device access to a RAM frame: the bus address is not covered by a scatter/gather list, MapTransfer element or common buffer the HAL has registered for that device; also a device request to an address nothing decodes.',
  },
  {
    id: 'VER-SG-DOUBLE-PUT',
    title: 'Scatter/gather list put back more than once',
    rule: 'SG-3',
    parameter1: 0x06,
    windows: '0xE6 P1=0x06 (scatter/gather list freed too many times)',
    linux: 'DMA-API: device driver tries to free DMA memory it has not allocated',
    parameters: 'P2 lists allocated by the adapter, P3 lists freed (counting this one), P4 adapter',
    detector: 'HAL PutScatterGatherList: the list is not outstanding on the adapter.',
  },
  {
    id: 'VER-COMMON-BUFFER-DOUBLE-FREE',
    title: 'Common buffer freed more than once',
    rule: 'VER-*',
    parameter1: 0x03,
    windows: '0xE6 P1=0x03 (common buffer freed too many times)',
    linux: 'DMA-API: device driver tries to free DMA memory it has not allocated',
    parameters: 'P2 extra frees (1), P3 virtual address, P4 adapter',
    detector: 'HAL FreeCommonBuffer: no outstanding common buffer of the adapter starts at the virtual address.',
  },
  {
    id: 'VER-CHANNEL-DOUBLE-FREE',
    title: 'Adapter channel freed when it is not held',
    rule: 'SG-2',
    parameter1: 0x04,
    windows: '0xE6 P1=0x04 (adapter channel freed too many times)',
    linux: 'none',
    parameters: 'P2 extra frees (1), P3 adapter, P4 0',
    detector: 'HAL FreeAdapterChannel: the adapter has no channel allocated (never granted, released already, or released by the execution routine\'s DeallocateObject).',
  },
  {
    id: 'VER-MAP-REGISTERS-DOUBLE-FREE',
    title: 'Map registers freed when they are not held',
    rule: 'SG-2',
    parameter1: 0x05,
    windows: '0xE6 P1=0x05 (map registers freed too many times)',
    linux: 'none',
    parameters: 'P2 map registers being freed, P3 map registers the base holds (0 once freed), P4 adapter',
    detector: 'HAL FreeMapRegisters: the map register base is not outstanding (freed already, or kept with the channel by KeepObject).',
  },
  {
    id: 'VER-ADAPTER-RELEASED-WITH-COMMON-BUFFERS',
    title: 'Adapter released with common buffers outstanding',
    rule: 'SG-1',
    parameter1: 0x07,
    windows: '0xE6 P1=0x07 (adapter released with outstanding common buffers)',
    linux: 'DMA-API: device driver has pending DMA allocations while released from device',
    parameters: 'P2 adapter, P3 outstanding common buffers, P4 0',
    detector: 'HAL PutDmaAdapter.',
  },
  {
    id: 'VER-ADAPTER-RELEASED-WITH-CHANNELS',
    title: 'Adapter released with an adapter channel held or requested',
    rule: 'SG-1',
    parameter1: 0x08,
    windows: '0xE6 P1=0x08 (adapter released with outstanding adapter channels)',
    linux: 'none',
    parameters: 'P2 adapter, P3 channels held or queued, P4 0',
    detector: 'HAL PutDmaAdapter.',
  },
  {
    id: 'VER-ADAPTER-RELEASED-WITH-MAP-REGISTERS',
    title: 'Adapter released with map registers outstanding',
    rule: 'SG-1',
    parameter1: 0x09,
    windows: '0xE6 P1=0x09 (adapter released with outstanding map registers)',
    linux: 'none',
    parameters: 'P2 adapter, P3 outstanding map registers, P4 0',
    detector: 'HAL PutDmaAdapter.',
  },
  {
    id: 'VER-ADAPTER-RELEASED-WITH-SG-LISTS',
    title: 'Adapter released with scatter/gather lists outstanding',
    rule: 'SG-1',
    parameter1: 0x0a,
    windows: '0xE6 P1=0x0A (adapter released with outstanding scatter/gather lists)',
    linux: 'DMA-API: device driver has pending DMA allocations while released from device',
    parameters: 'P2 adapter, P3 outstanding lists, P4 0',
    detector: 'HAL PutDmaAdapter.',
  },
  {
    id: 'VER-ADAPTER-USED-AFTER-RELEASE',
    title: 'DMA routine called on an adapter after PutDmaAdapter',
    rule: 'SG-1',
    parameter1: 0x18,
    windows: '0xE6 P1=0x18 (adapter used after release)',
    linux: 'none',
    parameters: 'P2 adapter, P3 0, P4 0',
    detector: 'Every DMA_OPERATIONS routine.',
  },
  {
    id: 'VER-MULTIPLE-CHANNELS',
    title: 'A device requests a second adapter channel while it holds or awaits one',
    rule: 'SG-2',
    parameter1: 0x0b,
    windows: '0xE6 P1=0x0B (more than one adapter channel at a time)',
    linux: 'none',
    parameters: 'P2 channels the device holds or awaits, P3 adapter, P4 0',
    detector: 'HAL AllocateAdapterChannel: the same device object already holds the channel or waits in its queue.',
  },
  {
    id: 'VER-TOO-MANY-MAP-REGISTERS',
    title: 'More map registers requested or used than the adapter granted',
    rule: 'SG-1',
    parameter1: 0x0c,
    windows: '0xE6 P1=0x0C (too many map registers at once)',
    linux: 'DMA-API: mapping sg segment longer than device claims to support',
    parameters: 'P2 map registers required, P3 map registers allowed, P4 adapter',
    detector: 'HAL AllocateAdapterChannel (request above the grant; the routine then returns STATUS_INSUFFICIENT_RESOURCES) and MapTransfer (a page beyond the registers the base holds).',
  },
  {
    id: 'VER-MAP-REGISTERS-BEYOND-GRANT',
    title: 'A scatter/gather list asked for that spans more pages than the adapter has map registers',
    rule: 'SG-1',
    parameter1: 0x15,
    windows: '0xE6 P1=0x15 (more map registers than allowed)',
    linux: 'DMA-API: mapping sg segment longer than device claims to support',
    parameters: 'P2 map registers the transfer needs (pages it spans), P3 map registers IoGetDmaAdapter granted, P4 adapter',
    detector: 'HAL GetScatterGatherList and BuildScatterGatherList: the transfer spans more pages than the grant; the routine then returns STATUS_INSUFFICIENT_RESOURCES, as Windows does.',
  },
  {
    id: 'VER-NOT-FLUSHED',
    title: 'Map registers or channel freed before the mapped transfer was flushed',
    rule: 'SG-6',
    parameter1: 0x0d,
    windows: '0xE6 P1=0x0D (adapter buffers not flushed)',
    linux: 'DMA-API: device driver has pending DMA allocations while released from device',
    parameters: 'P2 transfers mapped and not flushed, P3 adapter, P4 0',
    detector: 'HAL FreeMapRegisters and FreeAdapterChannel: MapTransfer elements remain that no FlushAdapterBuffers covered.',
  },
  {
    id: 'VER-SYNC-OUTSIDE-MAPPING',
    title: 'Flush or sync of a buffer that is not mapped',
    rule: 'VER-*',
    parameter1: 0x16,
    windows: '0xE6 P1=0x16 (flushed an unmapped buffer)',
    linux: 'DMA-API: device driver tries to sync DMA memory it has not allocated',
    parameters: 'P2 MDL (0 for a library buffer), P3 start address of the flush, P4 length',
    detector: 'HAL FlushAdapterBuffers (no MapTransfer element of that MDL and base overlaps the range), KeFlushIoBuffers (MDL not locked), user DMA library syncCpu/syncIo (buffer unlocked).',
  },
  {
    id: 'VER-UNMAP-MISMATCH',
    title: 'Put, flush or free with a size, direction or list other than the mapping\'s',
    rule: 'VER-*',
    parameter1: PROJECT_PARAMETER_BASE + 0x00,
    windows: 'none',
    linux: 'DMA-API: device driver frees DMA memory with different size / with different direction / frees DMA sg list with different entry count',
    parameters: 'P2 what differs (1 size, 2 direction, 3 list from another adapter, 4 logical address, 5 cache type), P3 value the mapping has, P4 value given',
    detector: 'HAL PutScatterGatherList (direction, list of another adapter), FlushAdapterBuffers (direction), FreeMapRegisters (count), FreeCommonBuffer (length, logical address, cache type).',
  },
  {
    id: 'VER-ADDRESS-NOT-IN-MDL',
    title: 'Mapped range not inside the MDL (chain)',
    rule: 'SG-7',
    parameter1: 0x1b,
    windows: '0xE6 P1=0x1B (address not within the MDL)',
    linux: 'none',
    parameters: 'P2 the virtual address out of the MDL\'s bounds (CurrentVa, or the first byte past the end of the chain), P3 MDL, P4 0',
    detector: 'HAL GetScatterGatherList, BuildScatterGatherList, CalculateScatterGatherList, MapTransfer: CurrentVa outside the MDL, or the chain ends before Length bytes.',
  },
  {
    id: 'VER-ZERO-LENGTH-MAP',
    title: 'Mapping of zero bytes',
    rule: 'SG-7',
    parameter1: 0x21,
    windows: '0xE6 P1=0x21 (zero-length map)',
    linux: 'none',
    parameters: 'P2 MDL, P3 CurrentVa, P4 0',
    detector: 'HAL GetScatterGatherList, BuildScatterGatherList, MapTransfer.',
  },
  {
    id: 'VER-WRONG-IRQL',
    title: 'DMA routine called above the IRQL its documentation allows',
    rule: 'VER-*',
    parameter1: 0x13,
    windows: '0xE6 P1=0x13 (DMA routine at wrong IRQL)',
    linux: 'none',
    parameters: 'P2 sub-code as documented: 0x01 IRQL other than expected (routines that must run at PASSIVE_LEVEL; P3 expected IRQL), 0x02 IRQL higher than expected (the others; P3 expected maximum IRQL) [inferred which applies]; P4 current IRQL',
    detector: 'HAL: IoGetDmaAdapter, PutDmaAdapter, AllocateCommonBuffer and FreeCommonBuffer above PASSIVE_LEVEL; the other DMA routines above DISPATCH_LEVEL.',
  },
  {
    id: 'VER-SG-BUFFER-IN-USE',
    title: 'BuildScatterGatherList into a buffer that still holds a live list',
    rule: 'SG-5',
    parameter1: PROJECT_PARAMETER_BASE + 0x03,
    windows: 'none (the live list\'s private data is overwritten and the HAL corrupts later)',
    linux: 'none',
    parameters: 'P2 buffer address, P3 the MDL of the list the buffer holds, P4 how far that list\'s transfer got: 1 its execution routine, deferred by the HAL, has not run; 2 the routine ran but the device has moved no byte through the list; 0 the device has moved bytes through it',
    detector: 'HAL BuildScatterGatherList: the caller\'s buffer overlaps one holding a list not yet put back.',
  },
  {
    id: 'VER-BUS-MASTER-OFF',
    title: 'Device DMA while its bus-master bit is clear',
    rule: 'DEV-1',
    parameter1: PROJECT_PARAMETER_BASE + 0x01,
    windows: 'none (the request is master-aborted)',
    linux: 'none',
    parameters: 'P2 requester ID, P3 bus address, P4 length',
    detector: 'Bus observer: a DMA fault of kind bus-master-disabled.',
  },
  {
    id: 'VER-IOMMU-FAULT',
    title: 'Device DMA the IOMMU blocked',
    rule: 'VER-*',
    parameter1: 0x26,
    windows: '0xE6 P1=0x26 (IOMMU-detected DMA violation)',
    linux: 'none (the IOMMU driver logs the fault)',
    parameters: 'P2 requester ID, P3 bus address, P4 1 for a device write, 0 for a read',
    detector: 'Bus observer: a DMA fault of kind iommu-blocked.',
  },
  {
    id: 'VER-DIRECTION-MISMATCH',
    title: 'The device moved data against the direction the buffer was mapped for',
    rule: 'VER-*',
    parameter1: PROJECT_PARAMETER_BASE + 0x10,
    windows: 'none (with DMA remapping the write to a read-only mapping is 0xE6 P1=0x26; without, data written into a bounce buffer mapped toward the device is never copied back)',
    linux: 'DMA-API: device driver syncs DMA memory with different direction (with swiotlb, what the device wrote into a DMA_TO_DEVICE mapping is lost at unmap)',
    parameters: 'P2 requester ID, P3 bus address, P4 1 the device wrote memory mapped for a transfer to the device, 0 it read memory mapped for a transfer from the device',
    detector: 'Bus observer, before every device access to a RAM frame: no streaming mapping (scatter/gather list, MapTransfer element) covering the address allows the access\'s direction (WriteToDevice TRUE: the device may only read; FALSE: only write). Common buffers go both ways. Behind an IOMMU, which maps a streaming mapping for its direction only, the request the IOMMU refused where such a mapping covers the address.',
  },
  {
    id: 'VER-LEAK-AT-UNLOAD',
    title: 'Driver unloads with DMA resources outstanding',
    rule: 'VER-*',
    parameter1: PROJECT_PARAMETER_BASE + 0x02,
    windows: 'none',
    linux: 'DMA-API: device driver has pending DMA allocations while released from device',
    parameters: 'P2 adapters not released, P3 common buffers, P4 scatter/gather lists and map register bases',
    detector: 'HAL checkDriverUnload, called by the I/O manager when a driver unloads.',
  },
] as const satisfies readonly ViolationEntry[];

export type ViolationId = (typeof entries)[number]['id'];

/**
 * P4 of VER-SG-BUFFER-IN-USE: how far the transfer of the list the buffer
 * holds got. Only a list the device has moved bytes through may have outlived
 * its transfer; the others are still waiting for theirs.
 */
export const LIST_IN_BUFFER = { moved: 0, routineDeferred: 1, notStarted: 2 } as const;

export const VIOLATION_CATALOG: readonly ViolationEntry[] = entries;

const byId = new Map<string, ViolationEntry>(entries.map((e) => [e.id, e]));

export function violationEntry(id: ViolationId): ViolationEntry {
  return byId.get(id)!;
}

export function isViolationId(id: string): id is ViolationId {
  return byId.has(id);
}

/** The entry behind a verifier stop: bug check 0xE6 whose parameter 1 is the entry's; null for any other stop. */
export function entryOfVerifierStop(stop: { readonly code: number; readonly parameters: readonly number[] }): ViolationEntry | null {
  if (stop.code !== DRIVER_VERIFIER_DMA_VIOLATION) return null;
  return entries.find((e) => e.parameter1 === stop.parameters[0]) ?? null;
}
