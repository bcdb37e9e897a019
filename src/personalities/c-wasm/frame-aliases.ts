/**
 * System memory C dereferences (pool, common buffers, MDL system mappings,
 * METHOD_BUFFERED system buffers) shared byte for byte with the simulated
 * frames: each page of the range gets a 4 KiB block of linear memory holding
 * its contents, and that block BECOMES the frame's contents. The device's DMA,
 * the kernel's reads and writes, the verifier and C's loads and stores then
 * touch the same bytes, at no cost per access. Copying at every call boundary
 * would cost O(shared bytes) per crossing and clobber DMA done meanwhile.
 */
import { PAGE_SIZE, formatAddress } from '../../contracts/units';
import type { MemoryManager } from '../../kernel/mm/memory-manager';
import { FrameFlag } from '../../kernel/mm/physical-memory';
import type { LinearMemory } from './linear-memory';

interface AliasedRange {
  readonly linear: number;
  readonly va: number;
  readonly pfns: readonly number[];
}

export class FrameAliases {
  private readonly byLinearPage = new Map<number, AliasedRange>();
  private readonly byVaPage = new Map<number, AliasedRange>();
  private readonly aliasedFrames = new Map<number, number>();

  constructor(private readonly mm: MemoryManager, private readonly linear: LinearMemory) {
    linear.whenGrown(() => this.rebind());
  }

  /** The linear address of system address `va`, aliasing its pages (`length` bytes from `va`) on first use. */
  alias(va: number, length: number): number {
    const known = this.linearOf(va);
    if (known !== null && this.linearOf(va + Math.max(length, 1) - 1) === known + Math.max(length, 1) - 1) return known;
    const first = Math.floor(va / PAGE_SIZE);
    const pages = Math.floor((va + Math.max(length, 1) - 1) / PAGE_SIZE) - first + 1;
    const pfns: number[] = [];
    for (let i = 0; i < pages; i++) {
      const pageVa = (first + i) * PAGE_SIZE;
      let pa = this.mm.physicalAddressOf(pageVa);
      // Paged pool is brought in when it is handed to C, and kept in while C shares it (FrameFlag.SharedWithDriverCode).
      if (pa < 0 && this.mm.systemSpace.regionAt(pageVa)?.kind === 'paged-pool') pa = this.mm.resolvePage(pageVa, true, this.mm.systemSpace) * PAGE_SIZE;
      if (pa < 0) throw new Error(`system address ${formatAddress(pageVa)} handed to C is not resident`);
      const pfn = Math.floor(pa / PAGE_SIZE);
      if (this.aliasedFrames.has(pfn)) this.forgetIfFreed(pfn);
      if (this.aliasedFrames.has(pfn)) throw new Error(`frame ${pfn} behind ${formatAddress((first + i) * PAGE_SIZE)} is already shared with C at another address: a second system mapping of the same pages is not supported`);
      pfns.push(pfn);
    }
    const block = this.linear.allocate(pages * PAGE_SIZE, PAGE_SIZE);
    const range: AliasedRange = { linear: block, va: first * PAGE_SIZE, pfns };
    pfns.forEach((pfn, i) => {
      const view = this.linear.slice(block + i * PAGE_SIZE, PAGE_SIZE);
      const old = this.mm.physical.peekPage(pfn);
      if (old) view.set(old);
      this.mm.physical.setPage(pfn, view);
      this.mm.physical.flags[pfn]! |= FrameFlag.SharedWithDriverCode;
      this.aliasedFrames.set(pfn, block + i * PAGE_SIZE);
      this.byLinearPage.set(block / PAGE_SIZE + i, range);
      this.byVaPage.set(first + i, range);
    });
    return block + (va - first * PAGE_SIZE);
  }

  /** Whether a system address lies in device memory mapped by MmMapIoSpace: it has no frames to share with C. */
  isIoSpace(va: number): boolean {
    return this.mm.systemSpace.regionAt(va)?.kind === 'io-space';
  }

  /** The linear address of an aliased system address, or null. */
  linearOf(va: number): number | null {
    const range = this.byVaPage.get(Math.floor(va / PAGE_SIZE));
    return range ? range.linear + (va - range.va) : null;
  }

  /** The system address behind a linear address, or null when it is C's own memory. */
  systemOf(linear: number): number | null {
    const range = this.byLinearPage.get(Math.floor(linear / PAGE_SIZE));
    return range ? range.va + (linear - range.linear) : null;
  }

  /** The frame's contents are C's block at `linear` (not a fresh array the memory manager gave it after a free). */
  private showsBlock(pfn: number, linear: number): boolean {
    const page = this.mm.physical.peekPage(pfn);
    return page !== undefined && page.buffer === this.linear.memory.buffer && page.byteOffset === linear;
  }

  /** The range is no longer C's (freed or unmapped): each frame gets its own copy back, the block is reused. */
  unalias(va: number): void {
    const range = this.byVaPage.get(Math.floor(va / PAGE_SIZE));
    if (!range) return;
    range.pfns.forEach((pfn, i) => {
      // Only a frame that still shows C's block gets the block's bytes: one freed meanwhile (and maybe reused) has its own now.
      if (this.showsBlock(pfn, range.linear + i * PAGE_SIZE)) this.mm.physical.setPage(pfn, this.linear.slice(range.linear + i * PAGE_SIZE, PAGE_SIZE).slice());
      this.mm.physical.flags[pfn]! &= ~FrameFlag.SharedWithDriverCode;
      this.aliasedFrames.delete(pfn);
      this.byLinearPage.delete(range.linear / PAGE_SIZE + i);
      this.byVaPage.delete(range.va / PAGE_SIZE + i);
    });
    this.linear.release(range.linear, range.pfns.length * PAGE_SIZE, PAGE_SIZE);
  }

  /**
   * A frame aliased for a range the kernel freed behind C's back (a METHOD_BUFFERED system buffer the I/O
   * manager freed at completion) and now mapped again: the old range is gone, so its alias goes, without
   * writing C's stale copy over the frame's new contents.
   */
  private forgetIfFreed(pfn: number): void {
    const range = this.byLinearPage.get(Math.floor(this.aliasedFrames.get(pfn)! / PAGE_SIZE));
    if (!range || range.pfns.every((f, i) => this.mm.physicalAddressOf(range.va + i * PAGE_SIZE) === f * PAGE_SIZE)) return;
    range.pfns.forEach((f, i) => {
      if (this.aliasedFrames.get(f) === range.linear + i * PAGE_SIZE) this.aliasedFrames.delete(f);
      this.byLinearPage.delete(range.linear / PAGE_SIZE + i);
      if (this.byVaPage.get(range.va / PAGE_SIZE + i) === range) this.byVaPage.delete(range.va / PAGE_SIZE + i);
    });
    this.linear.release(range.linear, range.pfns.length * PAGE_SIZE, PAGE_SIZE);
  }

  /** After memory.grow: every aliased frame gets a view of the new buffer. */
  private rebind(): void {
    for (const [pfn, linear] of this.aliasedFrames) {
      // A frame freed and reused behind C's back holds a fresh array now, not a view of the old (detached) buffer: leave it.
      if (this.mm.physical.peekPage(pfn)?.byteLength === 0) this.mm.physical.setPage(pfn, this.linear.slice(linear, PAGE_SIZE));
    }
  }
}
