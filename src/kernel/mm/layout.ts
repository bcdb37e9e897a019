/**
 * The simulated virtual address layout. Addresses are plain numbers, so the
 * layout stays below 2^44 (16 TiB) instead of using sign-extended kernel
 * addresses: every virtual page number then fits the PFN database's 32-bit
 * owner-page field. User space and system space keep Windows' split and names.
 */
import { GiB } from '../../contracts/units';

const TiB = 1024 * GiB;

export const MM_LOWEST_USER_ADDRESS = 0x10000;
/** The first address a user-mode probe rejects (MmUserProbeAddress). */
export const MM_USER_PROBE_ADDRESS = 8 * TiB - 0x10000;
export const MM_SYSTEM_RANGE_START = 8 * TiB;

export const NONPAGED_POOL_BASE = 9 * TiB;
export const PAGED_POOL_BASE = 10 * TiB;
/** System PTEs map MDLs, I/O space and contiguous memory into system space. */
export const SYSTEM_PTE_BASE = 11 * TiB;
export const SYSTEM_RANGE_END = 16 * TiB;

/** User allocations are aligned to 64 KiB, as VirtualAlloc's allocation granularity. */
export const ALLOCATION_GRANULARITY = 0x10000;

export function isSystemAddress(va: number): boolean {
  return va >= MM_SYSTEM_RANGE_START;
}
