/**
 * How step text becomes values: the patterns the parameter types match and
 * the parsers that turn the matched text into numbers (see parameter-types.ts).
 *
 * The patterns are deliberately wider than the valid forms ("8 MeB", "1,000
 * bytes", "0xZZ") so that a mistyped value still reaches its step and fails
 * with a message naming the problem, rather than leaving the step undefined.
 */
export { parseSize, MalformedSize } from '../../src/machine/size-expression';

/** A number-like word: decimal, hexadecimal or mistyped ("1,000", "0x", "8.5"). */
const NUMBER_LIKE = String.raw`(?:0[xX][0-9A-Za-z]*|\d[\d.,_]*)`;
const SIZE_TERM = String.raw`${NUMBER_LIKE}\s*[A-Za-z]+`;

/** "8 MiB", "4 KiB + 12 bytes", "4 GiB - 1 page", "3 pages", "0x2000 bytes", "1 byte" (and plausible mistakes). */
export const SIZE_PATTERN = new RegExp(String.raw`${SIZE_TERM}(?:\s*[+-]\s*${SIZE_TERM})*`);
/** "0x4E" (and plausible mistakes such as "0xZZ"). */
export const HEX_PATTERN = /0[xX][0-9A-Za-z]*/;
/** "12" (and plausible mistakes such as "1,000"). */
export const COUNT_PATTERN = /\d[\d,_]*/;

export class MalformedNumber extends Error {
  constructor(text: string, what: string, why: string) {
    super(`malformed ${what} "${text}": ${why}`);
    this.name = 'MalformedNumber';
  }
}

export function parseHex(text: string): number {
  if (!/^0[xX][0-9A-Fa-f]+$/.test(text)) throw new MalformedNumber(text, 'hexadecimal number', 'write 0x and hexadecimal digits, like 0x4E');
  const value = parseInt(text.slice(2), 16);
  if (!Number.isSafeInteger(value)) throw new MalformedNumber(text, 'hexadecimal number', 'it is above 2^53, the largest exact number');
  return value;
}

export function parseCount(text: string): number {
  if (!/^\d+$/.test(text)) throw new MalformedNumber(text, 'count', 'write digits only, like 12');
  const value = Number(text);
  if (!Number.isSafeInteger(value)) throw new MalformedNumber(text, 'count', 'it is above 2^53, the largest exact number');
  return value;
}
