/**
 * How the HAL reads an MDL (chain) for a transfer: which bytes of which MDL,
 * page by page, with their frames. Mapping a transfer starts at CurrentVa in
 * the first MDL and continues into the chained MDLs (MDL-5) until Length
 * bytes are covered.
 */
import { ADDRESS_AND_SIZE_TO_SPAN_PAGES, PAGE_SIZE, pageOf } from '../../contracts/units';
import type { TransferPosition } from '../fault-injector';
import { MDL, MDL_PAGES_LOCKED, MDL_PARTIAL, MDL_SOURCE_IS_NONPAGED_POOL, MmGetMdlVirtualAddress } from '../mm/mdl';

/** The part of one MDL a transfer covers. */
export interface MdlPiece {
  readonly mdl: MDL;
  readonly va: number;
  readonly length: number;
}

/** One page (or part of one) of a transfer. */
export interface PageChunk {
  readonly mdl: MDL;
  readonly va: number;
  /** Offset of `va` in its page. */
  readonly offset: number;
  readonly length: number;
  /** The frame the MDL records for this page, or -1 when the MDL describes none (never locked). */
  readonly pfn: number;
}

export type ChainWalk =
  | { readonly ok: true; readonly pieces: readonly MdlPiece[]; readonly pages: number }
  /** `outsideVa`: the first address of the range that no MDL of the chain describes. */
  | { readonly ok: false; readonly why: string; readonly outsideVa: number };

/** The pieces of the MDL chain that [currentVa, currentVa+length) covers. */
export function walkMdlChain(mdl: MDL, currentVa: number, length: number): ChainWalk {
  const start = MmGetMdlVirtualAddress(mdl);
  if (currentVa < start || currentVa >= start + mdl.ByteCount) {
    return { ok: false, why: `CurrentVa 0x${currentVa.toString(16)} is not inside MDL #${mdl.id} (0x${start.toString(16)} + ${mdl.ByteCount} bytes)`, outsideVa: currentVa };
  }
  const pieces: MdlPiece[] = [];
  let pages = 0;
  let remaining = length;
  let m: MDL | null = mdl;
  let va = currentVa;
  let reached = currentVa;
  while (remaining > 0 && m) {
    const end = MmGetMdlVirtualAddress(m) + m.ByteCount;
    const n = Math.min(remaining, end - va);
    pieces.push({ mdl: m, va, length: n });
    reached = va + n;
    pages += ADDRESS_AND_SIZE_TO_SPAN_PAGES(va, n);
    remaining -= n;
    m = m.Next;
    if (m) va = MmGetMdlVirtualAddress(m);
  }
  if (remaining > 0) return { ok: false, why: `the MDL chain from MDL #${mdl.id} ends ${remaining} byte(s) before CurrentVa + Length`, outsideVa: reached };
  return { ok: true, pieces, pages };
}

/**
 * Where a walked transfer lies in the buffer it maps: past the first byte,
 * and whether it reaches the last. The buffer is the MDL chain, or for a
 * partial MDL (a driver that maps a piece at a time through one) the MDL it
 * was built from.
 */
export function transferPosition(mdl: MDL, currentVa: number, pieces: readonly MdlPiece[]): TransferPosition {
  const end = pieces[pieces.length - 1];
  let buffer = mdl;
  while (buffer.MdlFlags & MDL_PARTIAL && buffer.parent && buffer.Next === null) buffer = buffer.parent;
  const tail = buffer === mdl ? end?.mdl : buffer;
  const last = end !== undefined && tail !== undefined && tail.Next === null && end.va + end.length === MmGetMdlVirtualAddress(tail) + tail.ByteCount;
  return { later: currentVa !== MmGetMdlVirtualAddress(buffer), last };
}

/**
 * Visit the pages of the pieces, in transfer order, until `visit` returns
 * false. A callback rather than a generator: the HAL walks every page of
 * every transfer this way, and a generator's step costs several times more.
 * For the same reason the chunk is one object, refilled for each page: a
 * visitor copies what it keeps.
 */
export function forEachPageChunk(pieces: readonly MdlPiece[], visit: (chunk: PageChunk) => boolean | void): void {
  const chunk: { -readonly [K in keyof PageChunk]: PageChunk[K] } = { mdl: pieces[0]?.mdl as MDL, va: 0, offset: 0, length: 0, pfn: -1 };
  for (const p of pieces) {
    let va = p.va;
    const end = p.va + p.length;
    const firstPage = pageOf(p.mdl.StartVa);
    chunk.mdl = p.mdl;
    while (va < end) {
      const offset = va % PAGE_SIZE;
      const n = Math.min(PAGE_SIZE - offset, end - va);
      chunk.va = va;
      chunk.offset = offset;
      chunk.length = n;
      chunk.pfn = p.mdl.PfnArray[pageOf(va) - firstPage] ?? -1;
      if (visit(chunk) === false) return;
      va += n;
    }
  }
}

/**
 * The MDL's pages are held for I/O: locked by MmProbeAndLockPages, built for
 * non-paged memory, or a partial MDL over such an MDL.
 */
export function mdlPagesAreLocked(mdl: MDL): boolean {
  if (mdl.freed) return false;
  if (mdl.MdlFlags & (MDL_PAGES_LOCKED | MDL_SOURCE_IS_NONPAGED_POOL)) return true;
  if (mdl.MdlFlags & MDL_PARTIAL) return mdl.parent !== null && mdlPagesAreLocked(mdl.parent);
  return false;
}

/** The first MDL of the pieces whose pages are not held, if any. */
export function firstUnlockedMdl(pieces: readonly MdlPiece[]): MDL | null {
  for (const p of pieces) if (!mdlPagesAreLocked(p.mdl)) return p.mdl;
  return null;
}
