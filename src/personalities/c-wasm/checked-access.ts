/**
 * A checked build's access checks: AddressSanitizer's instrumentation calls
 * __asan_loadN / __asan_storeN(address) before every load and store, and the
 * host answers from what it knows of the driver's memory: C's own stack and
 * data, and the host-allocated blocks (device extensions, kernel structures,
 * shared system pages) while they are live. A block the kernel took back (a
 * freed common buffer or pool block, a scatter/gather list put back, the
 * resource list after StartDevice) is a use after free; an address the host
 * never handed out is a wild access; a token is a user address or register.
 * A dereference of NULL, and pageable memory (paged pool) touched at
 * DISPATCH_LEVEL or above (as Driver Verifier's forced IRQL checking makes
 * it fail every time, not only when the page happens to be out), are
 * findings too. The plain build lets all but the tokens pass silently.
 */
import { Granule, LINEAR_MEMORY_LIMIT, LinearMemory } from './linear-memory';

/** How the machine stops for a bad access: 0x50 for memory C may not touch, 0xD1 for pageable memory at DISPATCH_LEVEL or above. */
export type BadAccessKind = 'not-owned' | 'pageable-at-raised-irql';
export type BadAccess = (what: string, address: number, size: number, write: boolean, kind?: BadAccessKind) => never;
/** Why an access of live memory is wrong now (pageable memory touched at DISPATCH_LEVEL), or null. */
export type RaisedIrqlCheck = (address: number, size: number) => string | null;

/**
 * The first page: C's NULL (and small offsets from it). The stack sits at the bottom of linear memory
 * (--stack-first) and grows down from 64 KiB, so no live object of the driver is ever in it.
 */
const NULL_PAGE = 4096;

type EnvImport = (...args: number[]) => number | void;

/** The "env" imports of a module built with CHECKED_BUILD_FLAGS (an empty object for a plain build). */
export function checkedAccessImports(module: WebAssembly.Module, linear: () => LinearMemory, bad: BadAccess, raisedIrql: RaisedIrqlCheck = () => null): Record<string, EnvImport> {
  const imports: Record<string, EnvImport> = {};
  for (const entry of WebAssembly.Module.imports(module)) {
    if (entry.module !== 'env' || entry.kind !== 'function') continue;
    const sized = /^__asan_(load|store)(\d+)(?:_noabort)?$/.exec(entry.name);
    const variable = /^__asan_(load|store)N(?:_noabort)?$/.exec(entry.name);
    if (sized) {
      const write = sized[1] === 'store';
      const size = Number(sized[2]);
      imports[entry.name] = (address: number) => check(linear(), address >>> 0, size, write, bad, raisedIrql);
    } else if (variable) {
      const write = variable[1] === 'store';
      imports[entry.name] = (address: number, size: number) => check(linear(), address >>> 0, size >>> 0, write, bad, raisedIrql);
    } else if (entry.name === '__asan_memcpy' || entry.name === '__asan_memmove') {
      // The instrumentation calls these instead of memcpy/memmove: check both ranges, then copy.
      imports[entry.name] = (destination: number, source: number, length: number) => {
        const m = linear();
        const n = length >>> 0;
        if (n > 0) {
          check(m, source >>> 0, n, false, bad, raisedIrql);
          check(m, destination >>> 0, n, true, bad, raisedIrql);
          m.bytes.copyWithin(destination >>> 0, source >>> 0, (source >>> 0) + n);
        }
        return destination;
      };
    } else if (entry.name === '__asan_memset') {
      imports[entry.name] = (destination: number, value: number, length: number) => {
        const m = linear();
        const n = length >>> 0;
        if (n > 0) {
          check(m, destination >>> 0, n, true, bad, raisedIrql);
          m.bytes.fill(value & 0xff, destination >>> 0, (destination >>> 0) + n);
        }
        return destination;
      };
    } else if (entry.name.startsWith('__asan_')) {
      imports[entry.name] = () => 0; // the runtime's set-up and bookkeeping calls: nothing to do here
    } else {
      imports[entry.name] = () => { throw new Error(`the C driver calls ${entry.name}, which neither the driver nor include/wdm.h defines`); };
    }
  }
  return imports;
}

function check(linear: LinearMemory, address: number, size: number, write: boolean, bad: BadAccess, raisedIrql: RaisedIrqlCheck): void {
  if (address >= LINEAR_MEMORY_LIMIT) bad('a user address or a register, which C must pass to the kernel instead of dereferencing', address, size, write);
  if (address < NULL_PAGE) bad('a NULL pointer (the first page of memory)', address, size, write);
  const state = linear.stateOf(address, size);
  if (state === Granule.Live) {
    const why = raisedIrql(address, size);
    if (why) bad(why, address, size, write, 'pageable-at-raised-irql');
    return;
  }
  bad(state === Granule.Freed ? 'memory the driver no longer owns (freed, put back or unmapped): a use after free' : 'memory no one allocated', address, size, write);
}
