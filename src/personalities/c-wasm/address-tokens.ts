/**
 * Addresses C may hold but not dereference: user buffers (an MDL's StartVa,
 * Irp->UserBuffer) and device registers (MmMapIoSpace). Each is handed to C
 * as a token above the end of linear memory, so pointer arithmetic on it
 * works, any load or store through it traps (reported as a bug check), and
 * passed back to the kernel it means the simulated address again.
 */
import { PAGE_SIZE } from '../../contracts/units';
import { LINEAR_MEMORY_LIMIT } from './linear-memory';

export type TokenKind = 'user' | 'register';

interface TokenRange {
  readonly token: number;
  readonly address: number;
  readonly span: number;
  readonly kind: TokenKind;
}

/** A range covers at least this much, so a transfer's pieces stay inside the token of its buffer. */
const MINIMUM_SPAN = 16 * 1024 * 1024;
const TOKEN_END = 0x1_0000_0000;

export class AddressTokens {
  private readonly ranges: TokenRange[] = [];
  private next = LINEAR_MEMORY_LIMIT;

  /** The token for simulated `address`, valid for arithmetic over `length` bytes from it. */
  tokenOf(address: number, length: number, kind: TokenKind): number {
    const found = this.ranges.find((r) => r.kind === kind && address >= r.address && address + length <= r.address + r.span);
    if (found) return found.token + (address - found.address);
    const base = Math.floor(address / PAGE_SIZE) * PAGE_SIZE;
    const span = Math.ceil(Math.max(MINIMUM_SPAN, address + length - base) / PAGE_SIZE) * PAGE_SIZE;
    if (this.next + span > TOKEN_END) throw new RangeError(`no 32-bit token left for address 0x${address.toString(16)}: the C driver was handed more distinct user buffers and register ranges than fit in 2 GiB of tokens`);
    const range = { token: this.next, address: base, span, kind };
    this.ranges.push(range);
    this.next += span + PAGE_SIZE; // a guard page between ranges
    return range.token + (address - base);
  }

  /** The simulated address behind a token, or null when `pointer` is no token. */
  decode(pointer: number): { address: number; kind: TokenKind } | null {
    if (pointer < LINEAR_MEMORY_LIMIT) return null;
    for (const r of this.ranges) {
      if (pointer >= r.token && pointer < r.token + r.span) return { address: r.address + (pointer - r.token), kind: r.kind };
    }
    return null;
  }
}
