/**
 * Parameter types for step text:
 *
 *   {size}   "8 MiB", "4 KiB + 12 bytes", "3 pages", "0x2000 bytes", "1 byte"  -> bytes (number)
 *   {hex}    "0x4E"                                                         -> number
 *   {count}  "12"                                                           -> number
 *
 * A malformed value fails its step with a message that names the problem.
 */
import { defineParameterType } from '@cucumber/cucumber';
import { COUNT_PATTERN, HEX_PATTERN, SIZE_PATTERN, parseCount, parseHex, parseSize } from './step-value-parsers';

defineParameterType({ name: 'size', regexp: SIZE_PATTERN, transformer: (text: string) => parseSize(text), useForSnippets: true });
defineParameterType({ name: 'hex', regexp: HEX_PATTERN, transformer: (text: string) => parseHex(text), useForSnippets: true });
defineParameterType({ name: 'count', regexp: COUNT_PATTERN, transformer: (text: string) => parseCount(text), useForSnippets: false });
