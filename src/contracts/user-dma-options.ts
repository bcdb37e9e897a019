/**
 * Option flags and status codes of the user-mode DMA library, with the values
 * of the vendor toolkit it follows (seed 002; REFERENCES.md "WinDriver (seed
 * 002) facts"). The boot-time preallocation configuration uses the same flags.
 */
export const DMA_OPTION = {
  /** The library allocates the buffer in the kernel (contiguous buffers). */
  KERNEL_BUFFER_ALLOC: 0x1,
  /** Allocate below 16 MiB. */
  KBUF_BELOW_16M: 0x2,
  /** The low-level lock may describe more than 256 pages. */
  LARGE_BUFFER: 0x4,
  /** A cached buffer; without it DMA buffers are non-cached (CONT-7). */
  ALLOW_CACHE: 0x8,
  FROM_DEVICE: 0x20,
  TO_DEVICE: 0x40,
  /** The device may be given addresses above 4 GiB. */
  ALLOW_64BIT_ADDRESS: 0x80,
  /** Only a boot-time preallocated buffer will do; fail otherwise. */
  GET_PREALLOCATED_BUFFERS_ONLY: 0x1000,
  /** The buffer belongs to a transaction (set by the transaction calls). */
  TRANSACTION: 0x2000,
  /** The buffer is GPU memory from the GPU's allocator (DEV-7). */
  GPUDIRECT: 0x4000,
} as const;

export const USER_DMA_STATUS = {
  SUCCESS: 0x0,
  INSUFFICIENT_RESOURCES: 0x20000005,
  /** GPU-direct with ordinary host memory, among others (seed 002). */
  SYSTEM_INTERNAL_ERROR: 0x20000007,
  INVALID_PARAMETER: 0x2000001b,
  /** The transaction has transfers left [inferred: the toolkit reuses the NT value]. */
  MORE_PROCESSING_REQUIRED: 0xc0000016,
} as const;

export type UserDmaStatus = (typeof USER_DMA_STATUS)[keyof typeof USER_DMA_STATUS];

/** Pages one low-level lock describes without LARGE_BUFFER (DEV-8). */
export const PAGES_PER_LOW_LEVEL_LOCK = 256;

/** Preallocated buffers per direction at most (CONT-3). */
export const MAXIMUM_PREALLOCATED_PER_DIRECTION = 256;

export function userDmaStatusName(s: number): string {
  for (const [k, v] of Object.entries(USER_DMA_STATUS)) if (v === s) return k;
  return `0x${s.toString(16)}`;
}

export function optionNames(options: number): string {
  const names = Object.entries(DMA_OPTION).filter(([, v]) => (options & v) !== 0).map(([k]) => k);
  return names.length ? names.join(' | ') : '0';
}
