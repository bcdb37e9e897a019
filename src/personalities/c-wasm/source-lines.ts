/**
 * Where in the driver's C source a code offset lies, so a trap names the C
 * function and file:line. The table is made when the driver is compiled
 * (llvm-symbolizer over every offset of the code section, from the DWARF
 * line table of the -g build) and kept next to the cached .wasm, because a
 * cucumber worker must not run LLVM.
 */
import * as fs from 'node:fs';

export interface SourceLine {
  /** The inlined function the place lies in; '' when it is the stack frame's own function. */
  readonly function: string;
  readonly file: string;
  readonly line: number;
}

/** [code offset, function, file, line] where each run of the same place starts. */
export interface SourceLineTable {
  readonly codeStart: number;
  readonly runs: readonly (readonly [number, string, string, number])[];
}

export function sourceLinesPath(wasmPath: string): string {
  return `${wasmPath}.lines.json`;
}

/** The code section's payload: DWARF addresses in a wasm module count from its start. */
export function codeSection(wasm: Uint8Array): { start: number; size: number } | null {
  let at = 8;
  const leb = () => {
    let r = 0;
    let shift = 0;
    let b: number;
    do {
      b = wasm[at++]!;
      r |= (b & 0x7f) << shift;
      shift += 7;
    } while (b & 0x80);
    return r >>> 0;
  };
  while (at < wasm.length) {
    const id = wasm[at++]!;
    const size = leb();
    if (id === 10) return { start: at, size };
    at += size;
  }
  return null;
}

/**
 * Build the table from llvm-symbolizer's answers, one block per code offset: "function\nfile:line:column",
 * innermost first when code was inlined. Only an inlined function's name is kept (it comes from DWARF);
 * the outermost name comes from a symbol lookup this LLVM gets wrong for wasm, and the trap's stack
 * names that function correctly anyway (''  here).
 */
export function sourceLineTable(codeStart: number, blocks: readonly string[]): SourceLineTable {
  const runs: [number, string, string, number][] = [];
  blocks.forEach((block, offset) => {
    const lines = block.split('\n');
    const fn = lines.length > 2 ? lines[0]! : '';
    const where = lines[1] ?? '??:0:0';
    const m = /^(.*):(\d+):\d+$/.exec(where);
    const file = (m?.[1] ?? '??').replace(/^\//, '');
    const line = Number(m?.[2] ?? 0);
    const last = runs[runs.length - 1];
    if (!last || last[1] !== fn || last[2] !== file || last[3] !== line) runs.push([offset, fn, file, line]);
  });
  return { codeStart, runs };
}

export function readSourceLines(wasmPath: string): SourceLineTable | null {
  try {
    return JSON.parse(fs.readFileSync(sourceLinesPath(wasmPath), 'utf8')) as SourceLineTable;
  } catch {
    return null;
  }
}

/** The source place of a module offset (as V8's stack traces give it), or null when unknown. */
export function sourceLineAt(table: SourceLineTable, moduleOffset: number): SourceLine | null {
  const offset = moduleOffset - table.codeStart;
  let lo = 0;
  let hi = table.runs.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (table.runs[mid]![0] <= offset) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  if (found < 0) return null;
  const [, fn, file, line] = table.runs[found]!;
  return file === '??' || line === 0 ? null : { function: fn, file, line };
}
