/**
 * A page's contents kept away from any frame: in a file on disk or in a
 * paging-file slot. Bytes, or, for a page that held a stretch of a pattern's
 * stream, that stretch (a few numbers instead of 4 KiB), or nothing for a
 * page of zeros. A page written by the device and flushed to its file, or
 * paged out and back in, stays a stretch the whole way; its bytes are made
 * only when something reads them.
 */
import { PAGE_SIZE } from '../../contracts/units';
import type { PagePattern } from './pattern-pages';

/** Bytes [from, to) of the page are the pattern's stream from `base + from`; the rest are zeros. */
export interface PatternImage {
  readonly pattern: PagePattern;
  /** The stream offset of the page's byte 0. */
  readonly base: number;
  readonly from: number;
  readonly to: number;
}

export type PageImage = Uint8Array | PatternImage | undefined;

export function isPatternImage(image: PageImage): image is PatternImage {
  return image !== undefined && !(image instanceof Uint8Array);
}

/** Bytes [offset, offset + into.length) of the page into `into`. */
export function readImage(image: PageImage, offset: number, into: Uint8Array): void {
  if (image === undefined) {
    into.fill(0);
  } else if (image instanceof Uint8Array) {
    into.set(image.subarray(offset, offset + into.length));
  } else {
    const from = Math.max(image.from, offset);
    const to = Math.min(image.to, offset + into.length);
    if (to <= from) {
      into.fill(0);
      return;
    }
    into.fill(0, 0, from - offset);
    image.pattern.fill(image.base + from, into.subarray(from - offset, to - offset));
    into.fill(0, to - offset);
  }
}

/** The whole page as bytes, a new array (undefined for zeros). */
export function imageBytes(image: PageImage): Uint8Array | undefined {
  if (!isPatternImage(image)) return image?.slice();
  const bytes = new Uint8Array(PAGE_SIZE);
  readImage(image, 0, bytes);
  return bytes;
}

/** A copy the caller may keep: bytes are copied, a stretch is immutable and shared. */
export function copyImage(image: PageImage): PageImage {
  return image instanceof Uint8Array ? image.slice() : image;
}

/**
 * Whether bytes [offset, offset + length) of the page are known to be the
 * pattern's stream from `streamOffset` without making them: the image is
 * that very stretch of a pattern of the same seed.
 */
export function imageHolds(image: PageImage, offset: number, length: number, pattern: PagePattern, streamOffset: number): boolean {
  return isPatternImage(image) && image.pattern.seed === pattern.seed && image.base === streamOffset - offset && image.from <= offset && image.to >= offset + length;
}
