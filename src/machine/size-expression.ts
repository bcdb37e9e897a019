/**
 * Sizes as a driver writer says them in a feature: "8 MiB", "4 KiB + 12 bytes",
 * "4 GiB - 1 page", "2 pages", "1 byte", "0x2000 bytes". A malformed size is an error that names
 * the text and says what is accepted.
 */
import { GiB, KiB, MiB, PAGE_SIZE } from '../contracts/units';

const UNIT: Record<string, number> = {
  byte: 1, bytes: 1, b: 1,
  kib: KiB, kb: KiB,
  mib: MiB, mb: MiB,
  gib: GiB, gb: GiB,
  page: PAGE_SIZE, pages: PAGE_SIZE,
};

export class MalformedSize extends Error {
  constructor(text: string, why: string) {
    super(`malformed size "${text}": ${why}. Write sizes like "8 MiB", "4 KiB + 12 bytes", "4 GiB - 1 page", "3 pages" or "0x2000 bytes" (units: bytes, KiB, MiB, GiB, pages)`);
    this.name = 'MalformedSize';
  }
}

const TERM = /^\s*(0x[0-9a-fA-F]+|\d+(?:\.\d+)?)\s*([A-Za-z]+)\s*$/;

export function parseSize(text: string): number {
  if (text.trim() === '') throw new MalformedSize(text, 'it is empty');
  let total = 0;
  // Terms joined by " + " or " - "; a sign belongs to the term after it.
  const terms = text.split(/\s*([+-])\s*/);
  for (let i = 0; i < terms.length; i += 2) {
    const part = terms[i]!;
    const sign = i === 0 ? 1 : terms[i - 1] === '-' ? -1 : 1;
    const m = TERM.exec(part);
    if (!m) throw new MalformedSize(text, `"${part.trim()}" is not a number followed by a unit`);
    const unit = UNIT[m[2]!.toLowerCase()];
    if (unit === undefined) throw new MalformedSize(text, `unknown unit "${m[2]}"`);
    const value = m[1]!.startsWith('0x') ? parseInt(m[1]!, 16) : Number(m[1]);
    const bytes = value * unit;
    if (!Number.isSafeInteger(bytes)) throw new MalformedSize(text, `"${part.trim()}" is not a whole number of bytes`);
    total += sign * bytes;
  }
  if (total < 0) throw new MalformedSize(text, 'it comes to less than zero bytes');
  return total;
}
