/**
 * The ranges mapped for one device, as the DMA verifier looks them up: which
 * mapping covers a device access, whether any mapping there allows its
 * direction, and which mapped range is nearest to an access outside them all.
 *
 * Each range is indexed under every 64 KiB stretch of bus addresses it
 * touches (an access looks at one or two), so a range of many pages costs one
 * entry per stretch, not per page. A device runs through a scatter/gather
 * list element after element, so the index also remembers where in its two
 * most recently used mappings the last access fell and tries the range there
 * and the next one first: when a mapping overlaps no other range, an access
 * inside one of its ranges is covered by that range alone, which is what the
 * full lookup would find.
 */
import type { DeviceMapping } from './dma-verifier';

/** One mapped range in the index. */
export interface IndexedRange {
  readonly start: number;
  readonly end: number;
  readonly m: DeviceMapping;
  readonly registration: Registration;
  /** Its place among its mapping's indexed ranges. */
  readonly index: number;
}

/** A mapping while it is registered. */
export interface Registration {
  /** The device has moved data through it (the verifier keeps that beyond the registration). */
  reached: boolean;
  /** Its ranges of at least one byte, in the mapping's order. */
  readonly pieces: IndexedRange[];
  /** Some range of it overlaps a range of itself or of another mapping registered with it (never cleared: a conservative mark). */
  overlapped: boolean;
  /** Where its last access fell: the first of its ranges to try next time. */
  cursor: number;
  /** The stretch lists its ranges went into (a list once per range in it), so removing it looks none of them up. */
  readonly lists: StretchList[];
}

/** Bytes of bus address space per index entry of the mapped ranges. */
const STRETCH_BYTES = 64 * 1024;

/** Empty stretch lists the index keeps before it drops them (and more while at least as many are in use). */
const MAX_EMPTY_STRETCHES = 4096;

/**
 * The ranges indexed under one stretch: the first `count` of `pieces`. The
 * array keeps its length when ranges go (the slots past `count` are cleared,
 * so they keep no mapping alive): a list emptied and filled again, transfer
 * after transfer, is not reallocated each time.
 */
interface StretchList {
  readonly pieces: (IndexedRange | undefined)[];
  count: number;
}

const NO_RANGES: StretchList = { pieces: [], count: 0 };

function stretchOf(address: number): number {
  return Math.floor(address / STRETCH_BYTES);
}

/** A common buffer goes both ways; a streaming mapping lets the device only read (WriteToDevice) or only write. */
export function allowsDirection(m: DeviceMapping, write: boolean): boolean {
  return m.writeToDevice === null || m.writeToDevice !== write;
}

export class MappedRangeIndex {
  /** The registered mappings, in the order they were registered. */
  private readonly all = new Map<DeviceMapping, Registration>();
  /**
   * A stretch's list stays when its last range goes: the next transfer into
   * the same pages (a driver reusing its buffers) fills it again without the
   * map growing and shrinking page by page. `emptyStretches` counts such
   * lists, so they are dropped once they outnumber the ones in use.
   */
  private readonly byStretch = new Map<number, StretchList>();
  private emptyStretches = 0;
  /** The two mappings accessed last, most recent first. */
  private recent: Registration | null = null;
  private previous: Registration | null = null;

  /** Mappings registered now, oldest first. */
  mappings(): DeviceMapping[] {
    return [...this.all.keys()];
  }

  add(m: DeviceMapping): void {
    if (this.all.has(m)) throw new Error(`internal: mapping "${m.label}" registered twice`);
    const registration: Registration = { reached: false, pieces: [], overlapped: false, cursor: 0, lists: [] };
    this.all.set(m, registration);
    for (const r of m.ranges) {
      if (r.length <= 0) continue;
      const piece: IndexedRange = { start: r.address, end: r.address + r.length, m, registration, index: registration.pieces.length };
      registration.pieces.push(piece);
      for (let k = stretchOf(piece.start); k <= stretchOf(piece.end - 1); k++) {
        const list = this.byStretch.get(k);
        if (!list) {
          const created: StretchList = { pieces: [piece], count: 1 };
          this.byStretch.set(k, created);
          registration.lists.push(created);
          continue;
        }
        registration.lists.push(list);
        for (let j = 0; j < list.count; j++) {
          const other = list.pieces[j]!;
          if (other.start < piece.end && other.end > piece.start) other.registration.overlapped = registration.overlapped = true;
        }
        if (list.count === 0) this.emptyStretches--;
        list.pieces[list.count++] = piece;
      }
    }
  }

  /** False when the mapping is not registered. */
  remove(m: DeviceMapping): boolean {
    const registration = this.all.get(m);
    if (!registration) return false;
    this.all.delete(m);
    if (this.recent === registration) {
      this.recent = this.previous;
      this.previous = null;
    } else if (this.previous === registration) {
      this.previous = null;
    }
    // A list holding a range of a registered mapping is never dropped: these are all in the index.
    for (const list of registration.lists) {
      if (list.count === 0) continue;
      const { pieces } = list;
      let kept = 0;
      for (let j = 0; j < list.count; j++) if (pieces[j]!.m !== m) pieces[kept++] = pieces[j]!;
      pieces.fill(undefined, kept, list.count);
      list.count = kept;
      if (kept === 0) this.emptyStretches++;
    }
    if (this.emptyStretches > MAX_EMPTY_STRETCHES + this.byStretch.size / 2) this.dropEmptyStretches();
    return true;
  }

  /**
   * The range whose mapping covers the access: the overlapping range that
   * starts first (the earliest registered of those that start there) when it
   * holds the whole access, else, for an access straddling adjacent ranges,
   * the one holding its first byte; null when the access is not covered.
   */
  covering(address: number, length: number): IndexedRange | null {
    const end = address + length;
    const near = length > 0 ? this.nearLastAccess(address, end) : null;
    if (near) return near;
    const found = this.lookUp(address, end);
    if (found && !found.registration.overlapped) this.remember(found);
    return found;
  }

  /**
   * Some mapping overlapping the access lets the device move data that way:
   * a common buffer goes both ways, a streaming mapping only in the direction
   * the driver gave the HAL. Overlapping mappings of one buffer in both
   * directions (a buffer mapped for a read and a write at once) allow both.
   */
  allows(address: number, length: number, write: boolean): boolean {
    const end = address + length;
    for (let k = stretchOf(address); k <= stretchOf(end - 1); k++) {
      const list = this.byStretch.get(k) ?? NO_RANGES;
      for (let j = 0; j < list.count; j++) {
        const p = list.pieces[j]!;
        if (p.start < end && p.end > address && allowsDirection(p.m, write)) return true;
      }
    }
    return false;
  }

  /** The mapped range nearest to an address outside all of them: whether the address lies below it, and where it starts. */
  nearest(address: number): { below: boolean; start: number } | null {
    let nearest = Infinity;
    let found: { below: boolean; start: number } | null = null;
    // An access that starts inside a range and was not covered ran past its end.
    let startedInside: number | null = null;
    for (const m of this.all.keys()) {
      for (const r of m.ranges) {
        const distBelow = r.address - address; // positive: access is below this range
        const distAbove = address - (r.address + r.length - 1);
        if (distBelow > 0 && distBelow < nearest) { nearest = distBelow; found = { below: true, start: r.address }; }
        if (distAbove > 0 && distAbove < nearest) { nearest = distAbove; found = { below: false, start: r.address }; }
        if (distBelow <= 0 && distAbove <= 0) startedInside = r.address;
      }
    }
    if (startedInside !== null) return { below: false, start: startedInside };
    return found;
  }

  /** The range at, or right after, where the last access to a recent mapping fell, when it alone holds [address, end). */
  private nearLastAccess(address: number, end: number): IndexedRange | null {
    const p = this.nearCursor(this.recent, address, end) ?? this.nearCursor(this.previous, address, end);
    if (p) this.remember(p);
    return p;
  }

  private nearCursor(registration: Registration | null, address: number, end: number): IndexedRange | null {
    if (registration === null || registration.overlapped) return null;
    const { pieces, cursor } = registration;
    for (let i = cursor; i < cursor + 2 && i < pieces.length; i++) {
      const p = pieces[i]!;
      if (p.start <= address && end <= p.end) return p;
    }
    return null;
  }

  private remember(p: IndexedRange): void {
    const registration = p.registration;
    registration.cursor = p.index;
    if (this.recent === registration) return;
    this.previous = this.recent;
    this.recent = registration;
  }

  private lookUp(address: number, end: number): IndexedRange | null {
    // Usually one range holds the whole access: the overlapping range that starts first (the earliest registered
    // of those that start there), when it covers the access, is the answer the sweep below would give.
    let firstPiece: IndexedRange | null = null;
    for (let k = stretchOf(address); k <= stretchOf(end - 1); k++) {
      const list = this.byStretch.get(k) ?? NO_RANGES;
      for (let j = 0; j < list.count; j++) {
        const p = list.pieces[j]!;
        if (p.start < end && p.end > address && (firstPiece === null || p.start < firstPiece.start)) firstPiece = p;
      }
    }
    if (firstPiece === null || firstPiece.start > address) return null;
    if (firstPiece.end >= end) return firstPiece;
    const pieces: IndexedRange[] = [];
    for (let k = stretchOf(address); k <= stretchOf(end - 1); k++) {
      const list = this.byStretch.get(k) ?? NO_RANGES;
      for (let j = 0; j < list.count; j++) {
        const p = list.pieces[j]!;
        if (p.start < end && p.end > address) pieces.push(p);
      }
    }
    // The access may straddle adjacent ranges (of one or several mappings): sweep their union.
    pieces.sort((x, y) => x.start - y.start);
    let reached = address;
    let first: IndexedRange | null = null;
    for (const p of pieces) {
      if (p.start > reached) break;
      if (p.end > reached) {
        if (first === null) first = p;
        reached = p.end;
      }
      if (reached >= end) return first;
    }
    return null;
  }

  private dropEmptyStretches(): void {
    for (const [k, list] of this.byStretch) if (list.count === 0) this.byStretch.delete(k);
    this.emptyStretches = 0;
  }
}
