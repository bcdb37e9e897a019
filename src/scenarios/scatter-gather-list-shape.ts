/**
 * What a scatter/gather list must look like (SG-7): (device address, length)
 * elements in transfer order whose lengths add up to the transfer, each
 * covering the frames the MDL (chain) records for those bytes, and
 * physically adjacent pages merged into one element. Each check returns null
 * when the list is right, else a sentence saying where it is wrong.
 */
import { FOUR_GIB } from '../machine/boot-config';
import { PAGE_SIZE, formatAddress } from '../contracts/units';
import { SCATTER_GATHER_ELEMENT } from '../kernel/hal/scatter-gather-list';
import { MDL, MmGetMdlVirtualAddress } from '../kernel/mm/mdl';

/** One page (or part of one) of the transfer, with the physical address the MDL records for it. */
export interface TransferPiece {
  /** Offset of the piece in the transfer. */
  readonly at: number;
  readonly physicalAddress: number;
  readonly length: number;
}

/** The pieces of [va, va + length) of the MDL chain starting at `mdl`, page by page, in transfer order. */
export function transferPieces(mdl: MDL, va: number, length: number): TransferPiece[] {
  const pieces: TransferPiece[] = [];
  let m: MDL | null = mdl;
  let at = va;
  let done = 0;
  while (done < length) {
    if (!m) throw new RangeError(`the MDL chain from MDL #${mdl.id} ends ${length - done} byte(s) before the transfer does`);
    const start = MmGetMdlVirtualAddress(m);
    const end = start + m.ByteCount;
    if (at < start || at >= end) {
      m = m.Next;
      if (m) at = MmGetMdlVirtualAddress(m);
      continue;
    }
    const inMdl = m.ByteOffset + (at - start);
    const pfn = m.PfnArray[Math.floor(inMdl / PAGE_SIZE)];
    if (pfn === undefined) throw new Error(`MDL #${m.id} records no frame for byte ${at - start}: its pages are not locked`);
    const n = Math.min(PAGE_SIZE - (inMdl % PAGE_SIZE), end - at, length - done);
    pieces.push({ at: done, physicalAddress: pfn * PAGE_SIZE + (inMdl % PAGE_SIZE), length: n });
    at += n;
    done += n;
  }
  return pieces;
}

/** Physically contiguous runs of the transfer: pieces merged where one ends where the next begins. */
export function physicalRuns(pieces: readonly TransferPiece[]): { physicalAddress: number; length: number }[] {
  const runs: { physicalAddress: number; length: number }[] = [];
  for (const p of pieces) {
    const last = runs[runs.length - 1];
    if (last && last.physicalAddress + last.length === p.physicalAddress) last.length += p.length;
    else runs.push({ physicalAddress: p.physicalAddress, length: p.length });
  }
  return runs;
}

/**
 * The elements, read in order, name exactly the transfer's bytes in order:
 * element k byte j is the physical address of the next byte of the transfer.
 * `translate` turns a device address into a physical one (identity without an IOMMU).
 */
export function coverageMismatch(elements: readonly SCATTER_GATHER_ELEMENT[], pieces: readonly TransferPiece[], translate: (deviceAddress: number) => number = (a) => a): string | null {
  const total = pieces.reduce((n, p) => n + p.length, 0);
  const sum = elements.reduce((n, e) => n + e.Length, 0);
  if (sum !== total) return `the element lengths add up to ${sum} bytes, the transfer is ${total} bytes`;
  let e = 0;
  let inElement = 0;
  for (const p of pieces) {
    for (let done = 0; done < p.length; ) {
      const element = elements[e];
      if (!element) return `the elements end before byte ${p.at + done} of the transfer`;
      const expected = p.physicalAddress + done;
      const got = translate(element.Address + inElement);
      if (got !== expected) return `byte ${p.at + done} of the transfer is at ${formatAddress(expected)}, but element ${e} names ${formatAddress(got)} for it`;
      // Advance to the end of this page piece or of the element, whichever comes first.
      const n = Math.min(p.length - done, element.Length - inElement, PAGE_SIZE - ((element.Address + inElement) % PAGE_SIZE));
      done += n;
      inElement += n;
      if (inElement === element.Length) {
        e++;
        inElement = 0;
      }
    }
  }
  return null;
}

/** Two neighbouring elements that one element could have covered, or null. */
export function unmergedNeighbours(elements: readonly SCATTER_GATHER_ELEMENT[]): string | null {
  for (let i = 1; i < elements.length; i++) {
    const a = elements[i - 1]!;
    const b = elements[i]!;
    if (a.Address + a.Length === b.Address) return `elements ${i - 1} and ${i} are adjacent (${formatAddress(a.Address)} + ${a.Length} bytes, then ${formatAddress(b.Address)}) and were not merged`;
  }
  return null;
}

/** An element a device that drives only 32 address bits cannot reach, or null. */
export function elementAbove4GiB(elements: readonly SCATTER_GATHER_ELEMENT[]): string | null {
  const i = elements.findIndex((e) => e.Address + e.Length > FOUR_GIB);
  return i < 0 ? null : `element ${i} (${formatAddress(elements[i]!.Address)} + ${elements[i]!.Length} bytes) reaches above 4 GiB`;
}
