/**
 * Parameter types for step text.
 *
 *   {size}   "8 MiB", "4 KiB + 12 bytes", "3 pages", "0x2000 bytes", "1 byte"  -> bytes
 *   {hex}    "0x4E"                                                         -> number
 *   {count}  "12"                                                           -> number
 *
 * The patterns are deliberately wider than the valid forms ("8 MeB", "1,000
 * bytes", "0xZZ") so that a mistyped value still reaches its step and fails
 * with a message naming the problem, rather than leaving the step undefined.
 */
import { defineParameterType } from '@cucumber/cucumber';
import { parseSize } from '../../src/machine/size-expression';

/** A number-like word: decimal, hexadecimal or mistyped ("1,000", "0x", "8.5"). */
const NUMBER_LIKE = String.raw`(?:0[xX][0-9A-Za-z]*|\d[\d.,_]*)`;
const SIZE_TERM = String.raw`${NUMBER_LIKE}\s*[A-Za-z]+`;
export const SIZE_PATTERN = new RegExp(String.raw`${SIZE_TERM}(?:\s*\+\s*${SIZE_TERM})*`);
export const HEX_PATTERN = /0[xX][0-9A-Za-z]*/;
export const COUNT_PATTERN = /\d[\d,_]*/;

export class MalformedNumber extends Error {
  constructor(text: string, expected: string) {
    super(`malformed ${expected} "${text}"`);
    this.name = 'MalformedNumber';
  }
}

export function parseHex(text: string): number {
  if (!/^0[xX][0-9A-Fa-f]+$/.test(text)) throw new MalformedNumber(text, 'hexadecimal number: write it like 0x4E');
  const value = parseInt(text.slice(2), 16);
  if (!Number.isSafeInteger(value)) throw new MalformedNumber(text, 'hexadecimal number: it is above 2^53');
  return value;
}

export function parseCount(text: string): number {
  if (!/^\d+$/.test(text)) throw new MalformedNumber(text, 'count: write it as digits only, like 12');
  const value = Number(text);
  if (!Number.isSafeInteger(value)) throw new MalformedNumber(text, 'count: it is above 2^53');
  return value;
}

defineParameterType({ name: 'size', regexp: SIZE_PATTERN, transformer: (text: string) => parseSize(text), useForSnippets: true });
defineParameterType({ name: 'hex', regexp: HEX_PATTERN, transformer: (text: string) => parseHex(text), useForSnippets: true });
defineParameterType({ name: 'count', regexp: COUNT_PATTERN, transformer: (text: string) => parseCount(text), useForSnippets: false });
