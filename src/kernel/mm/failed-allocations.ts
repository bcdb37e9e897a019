/**
 * The memory manager's allocations that failed, each with why: the record a
 * reviewer reads beside the HAL's failed DMA calls (src/kernel/hal/failed-
 * dma-calls.ts) when a request ends for lack of resources. A contiguous
 * allocation that failed for fragmentation after the driver started breaks
 * CONT-2, whatever class the driver claims; one made to fail on purpose says
 * nothing about the driver.
 */
export type FailedAllocationReason =
  /** Made to fail on purpose (fault injection). */
  | 'injected'
  /** No run of free frames long enough, though enough frames were free in all. */
  | 'fragmented'
  /** Not enough free memory at all. */
  | 'no-memory'
  /** No run of system PTEs long enough to map it (CONT-5). */
  | 'no-system-ptes'
  /** The pool's limit was reached (CONT-4). */
  | 'pool-exhausted';

export interface FailedAllocation {
  readonly routine: 'MmAllocateContiguousMemorySpecifyCache' | 'ExAllocatePoolWithTag:NonPagedPool' | 'ExAllocatePoolWithTag:PagedPool';
  readonly bytes: number;
  readonly reason: FailedAllocationReason;
  /** The driver that asked, or null for the kernel itself. */
  readonly driver: string | null;
  readonly atNs: number;
}

/** Failures kept; a driver that keeps failing shows with the first ones. */
export const FAILED_ALLOCATIONS_KEPT = 64;
