/**
 * What a faulting access touched, and from where: the evidence a stop or a
 * raised access violation carries, so the diagnosis reads the fault itself
 * instead of guessing the rule from the stop code.
 */
export type MemoryFaultReason =
  /** A user address touched where no process is current (a DPC, an ISR, a system thread). */
  | 'no-process-context'
  /** A user address locked at DISPATCH_LEVEL or above, where user memory (always pageable) cannot be locked. */
  | 'user-memory-at-raised-irql'
  /** A system address that was an MDL's system mapping, released since (by MmUnlockPages, MmUnmapLockedPages or IoFreeMdl). */
  | 'released-system-mapping'
  /** Any other address that is not valid for the access. */
  | 'invalid-address';

export interface MemoryFault {
  readonly address: number;
  readonly write: boolean;
  readonly space: 'user' | 'system';
  readonly reason: MemoryFaultReason;
  /** The MDL whose released mapping the address was, for 'released-system-mapping'. */
  readonly mdlId?: number;
}
