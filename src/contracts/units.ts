/** Sizes and addresses. Simulated addresses are plain numbers (exact up to 2^53). */
export const PAGE_SIZE = 4096;
export const PAGE_SHIFT = 12;
export const KiB = 1024;
export const MiB = 1024 * KiB;
export const GiB = 1024 * MiB;

export function pageOf(address: number): number {
  return Math.floor(address / PAGE_SIZE);
}

/**
 * `address % size` for a whole non-negative address and a power-of-two size,
 * exactly, without the floating-point remainder that an address above 2^31
 * costs: the per-request paths of the bus and the devices use it.
 */
export function offsetWithin(address: number, size: number): number {
  return address - Math.floor(address / size) * size;
}

export function byteOffset(address: number): number {
  return address % PAGE_SIZE;
}

/** ADDRESS_AND_SIZE_TO_SPAN_PAGES: how many pages [va, va+length) touches. */
export function ADDRESS_AND_SIZE_TO_SPAN_PAGES(va: number, length: number): number {
  if (length === 0) return 0;
  return pageOf(va + length - 1) - pageOf(va) + 1;
}

export function roundUpToPage(n: number): number {
  return Math.ceil(n / PAGE_SIZE) * PAGE_SIZE;
}

export function formatBytes(n: number): string {
  if (n >= GiB && n % GiB === 0) return `${n / GiB} GiB`;
  if (n >= MiB && n % MiB === 0) return `${n / MiB} MiB`;
  if (n >= KiB && n % KiB === 0) return `${n / KiB} KiB`;
  return `${n} bytes`;
}

export function formatAddress(a: number): string {
  return '0x' + a.toString(16).toUpperCase().padStart(12, '0');
}
