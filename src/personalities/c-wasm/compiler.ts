/**
 * Compiling a C driver to WebAssembly with @yowasp/clang (Clang/LLD built to
 * WebAssembly: nothing to install, nothing downloaded at run time).
 *
 * The .wasm is cached under .cache/c-drivers/, keyed by a hash of the
 * sources, the shipped headers (include/) and the flags: compiling costs
 * seconds of CPU (the first compile in a process also compiles LLVM itself),
 * so the scripts compile once in their main process and the cucumber workers
 * only load the cached file.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { codeSection, sourceLineTable, sourceLinesPath } from './source-lines';
import { writeCompiledSources } from './compiled-sources';

/** The project root: the folder holding include/ and .cache/. */
export const PROJECT_ROOT = path.resolve(__dirname, '../../..');
export const C_INCLUDE_DIR = path.join(PROJECT_ROOT, 'include');
// DMA_CONFORMANCE_C_DRIVER_CACHE gives a run a cache of its own, so it compiles every driver it
// loads (scripts/node-lines.cjs: each Node.js line runs Clang itself).
const C_DRIVER_CACHE_DIR = process.env.DMA_CONFORMANCE_C_DRIVER_CACHE
  ? path.resolve(process.env.DMA_CONFORMANCE_C_DRIVER_CACHE)
  : path.join(PROJECT_ROOT, '.cache', 'c-drivers');

/** Freestanding wasm32; the exports let the host call function pointers and restore C's shadow stack after a bug check; the coverage hooks make a spinning routine stoppable. */
export const C_DRIVER_FLAGS: readonly string[] = [
  '--target=wasm32-unknown-unknown', '-O2', '-g', '-ffreestanding', '-nostdlib', '-fno-builtin',
  '-Wall', '-Wextra', '-Werror', '-Wno-unused-parameter',
  // wchar_t is 16-bit on Windows, so L"..." fits a PWSTR as it does with the WDK.
  '-fshort-wchar',
  '-Wl,--no-entry', '-Wl,--export-table', '-Wl,--export=__stack_pointer', '-Wl,--export=__heap_base',
  '-Wl,--stack-first', '-Wl,-z,stack-size=65536',
  // Every edge of the driver's control flow counts towards the wall-clock watchdog's check (include/wdm.h).
  '-fsanitize-coverage=trace-pc-guard,no-prune',
];

/**
 * A checked build (`--checked`): AddressSanitizer's instrumentation makes every load and store call
 * an imported __asan_loadN/__asan_storeN(address), which the host answers from what it knows is live
 * (checked-access.ts); the driver-level -fsanitize flag is refused for wasm32, the cc1 one is not.
 */
export const CHECKED_BUILD_FLAGS: readonly string[] = [
  '-Xclang', '-fsanitize=address', '-mllvm', '-asan-instrumentation-with-call-threshold=0',
  '-mllvm', '-asan-globals=0', '-mllvm', '-asan-stack=0', '-Wl,--allow-undefined',
];

export interface CompileOptions {
  /** Instrument every memory access (a checked build). */
  readonly checked?: boolean;
}

function flagsFor(options: CompileOptions): readonly string[] {
  return options.checked ? [...C_DRIVER_FLAGS, ...CHECKED_BUILD_FLAGS] : C_DRIVER_FLAGS;
}

/** The compiler rejected the sources; the message is its diagnostics, each with file and line. */
export class CCompileError extends Error {
  constructor(readonly sources: readonly string[], readonly diagnostics: string) {
    super(`C driver ${sources.join(' ')} does not compile:\n${diagnostics.trimEnd()}`);
    this.name = 'CCompileError';
  }
}

export interface CompiledCDriver {
  readonly wasmPath: string;
  /** False when this call ran the compiler. */
  readonly cached: boolean;
}

/** The .h files under a folder (and its subfolders), as [path relative to it with '/', text], in a stable order. */
function headersUnder(folder: string, recursive: boolean): [string, string][] {
  if (!fs.existsSync(folder)) return [];
  const found: [string, string][] = [];
  for (const entry of fs.readdirSync(folder, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const full = path.join(folder, entry.name);
    if (entry.isDirectory() && recursive) found.push(...headersUnder(full, true).map(([name, text]): [string, string] => [`${entry.name}/${name}`, text]));
    else if (entry.isFile() && entry.name.endsWith('.h')) found.push([entry.name, fs.readFileSync(full, 'utf8')]);
  }
  return found;
}

/** The headers shipped with the suite (include/ and its subfolders: <wdm.h>, <dma-conformance/...>), by name, in a stable order. */
function shippedHeaders(): [string, string][] {
  return headersUnder(C_INCLUDE_DIR, true);
}

/**
 * The driver's own headers: every .h beside one of its sources, so that `#include "driver.h"` (and a
 * variant's `#include "../reference.h"`) finds them; absolute path -> text, in a stable order.
 */
function headersBesideSources(absoluteSources: readonly string[]): [string, string][] {
  const folders = [...new Set(absoluteSources.map((s) => path.dirname(s)))].sort();
  return folders.flatMap((folder) => headersUnder(folder, false).map(([name, text]): [string, string] => [path.join(folder, name), text]));
}

/**
 * The compiler's file system (@yowasp/clang's) skips a `..` in a path, so a
 * source's `#include "../reference.h"` is looked up as `reference.h` in the
 * source's own folder. Each header beside a source is therefore also placed,
 * by the same name, in the folders below it that hold another source (where
 * none of that name is): tree name -> text.
 */
export function parentHeaderCopies(sourceNames: readonly string[], headers: readonly [string, string][]): [string, string][] {
  const taken = new Set(headers.map(([name]) => name));
  const copies: [string, string][] = [];
  for (const folder of [...new Set(sourceNames.map((n) => path.posix.dirname(n)))].sort()) {
    for (const [name, text] of headers) {
      const copy = path.posix.join(folder, path.posix.basename(name));
      if (folder.startsWith(`${path.posix.dirname(name)}/`) && !taken.has(copy)) {
        taken.add(copy);
        copies.push([copy, text]);
      }
    }
  }
  return copies;
}

/** How a source is named inside the compiler's file tree, and so in its diagnostics: relative to the working directory when inside it. */
function nameInTree(absolute: string, workingDirectory: string, index: number): string {
  const relative = path.relative(workingDirectory, absolute);
  return relative.startsWith('..') || path.isAbsolute(relative) ? `driver${index}/${path.basename(absolute)}` : relative.split(path.sep).join('/');
}

/** The index of the first source in the header's folder: a header outside the working directory sits beside that source in the tree. */
function folderIndex(absoluteSources: readonly string[], header: string): number {
  return Math.max(0, absoluteSources.findIndex((s) => path.dirname(s) === path.dirname(header)));
}

/** The cache path a set of sources compiles to (whether or not it exists yet). */
export function cachedWasmPath(sourcePaths: readonly string[], workingDirectory: string = process.cwd(), options: CompileOptions = {}): string {
  const absolute = sourcePaths.map((p) => path.resolve(workingDirectory, p));
  const hash = crypto.createHash('sha256');
  hash.update(JSON.stringify(flagsFor(options)));
  for (const [name, text] of shippedHeaders()) hash.update(`\0header ${name}\0${text}`);
  absolute.forEach((p, i) => hash.update(`\0source ${nameInTree(p, workingDirectory, i)}\0${fs.readFileSync(p, 'utf8')}`));
  for (const [file, text] of headersBesideSources(absolute)) hash.update(`\0own header ${nameInTree(file, workingDirectory, folderIndex(absolute, file))}\0${text}`);
  const stem = path.basename(absolute[0]!, '.c');
  return path.join(C_DRIVER_CACHE_DIR, `${stem}${options.checked ? '-checked' : ''}-${hash.digest('hex').slice(0, 16)}.wasm`);
}

type Tree = { [name: string]: Tree | string | Uint8Array };
type RunOptions = { stdin?: (length: number) => Uint8Array | null; stderr?: (b: Uint8Array | null) => void; stdout?: (b: Uint8Array | null) => void; fetchProgress?: () => void };
type Command = (args: string[] | null, files: Tree, options: RunOptions) => Promise<Tree> | Tree | undefined;

// A dynamic import that ts-node's CommonJS output keeps as one: @yowasp/clang is an ES module.
const importEsm = new Function('specifier', 'return import(specifier)') as (specifier: string) => Promise<{ runClang: Command; runLLVM: Command; commands: Record<string, Command> }>;

/** Collects a tool's output as text. */
function textSink(): { write: (b: Uint8Array | null) => void; readonly text: string } {
  const decoder = new TextDecoder();
  let text = '';
  return { write: (b) => { if (b) text += decoder.decode(b, { stream: true }); }, get text() { return text; } };
}

/** Compile one or several .c files into one driver module (cached). Throws CCompileError with the diagnostics. */
export async function compileCDriver(sourcePaths: readonly string[], workingDirectory: string = process.cwd(), options: CompileOptions = {}): Promise<CompiledCDriver> {
  if (sourcePaths.length === 0) throw new Error('compileCDriver: no C source given');
  const absolute = sourcePaths.map((p) => path.resolve(workingDirectory, p));
  const wasmPath = cachedWasmPath(sourcePaths, workingDirectory, options);
  if (fs.existsSync(wasmPath)) {
    writeCompiledSources(wasmPath, { sources: absolute, checked: options.checked === true });
    return { wasmPath, cached: true };
  }

  const tree: Tree = {};
  const place = (name: string, text: string): void => {
    const parts = name.split('/');
    let folder = tree;
    for (const part of parts.slice(0, -1)) folder = (folder[part] ??= {}) as Tree;
    folder[parts[parts.length - 1]!] = text;
  };
  for (const [name, text] of shippedHeaders()) place(`include/${name}`, text);
  const names = absolute.map((p, i) => nameInTree(p, workingDirectory, i));
  absolute.forEach((p, i) => place(names[i]!, fs.readFileSync(p, 'utf8')));
  const own = headersBesideSources(absolute).map(([file, text]): [string, string] => [nameInTree(file, workingDirectory, folderIndex(absolute, file)), text]);
  for (const [name, text] of own) place(name, text);
  for (const [name, text] of parentHeaderCopies(names, own)) place(name, text);
  const { runClang, runLLVM, commands } = await importEsm('@yowasp/clang');
  await runLLVM(null, {}, { fetchProgress: () => undefined }); // load LLVM without its progress lines
  const diagnostics = textSink();
  let out: Tree | undefined;
  try {
    out = await runClang(['clang', ...flagsFor(options), '-Iinclude', ...names, '-o', 'driver.wasm'], tree, { stderr: diagnostics.write, stdout: diagnostics.write });
  } catch (e) {
    if (e && typeof e === 'object' && 'code' in e) throw new CCompileError(sourcePaths, diagnostics.text || String(e));
    throw e;
  }
  const wasm = out?.['driver.wasm'];
  if (!(wasm instanceof Uint8Array)) throw new CCompileError(sourcePaths, diagnostics.text || 'the compiler produced no driver.wasm');
  fs.mkdirSync(C_DRIVER_CACHE_DIR, { recursive: true });
  const code = codeSection(wasm);
  if (code) {
    // Every code offset's C function and file:line, looked up now: the workers that run the driver must not run LLVM.
    // The offsets go in on standard input: the command line's argument area is too small for a large driver's.
    const answers = textSink();
    const input = new TextEncoder().encode(Array.from({ length: code.size }, (_, i) => `0x${i.toString(16)}\n`).join(''));
    let read = 0;
    const stdin = (length: number): Uint8Array | null => {
      if (read >= input.length) return null;
      const chunk = input.subarray(read, read + length);
      read += chunk.length;
      return chunk;
    };
    await commands.symbolizer!(['--obj=driver.wasm'], { 'driver.wasm': wasm }, { stdin, stdout: answers.write, stderr: () => undefined });
    const blocks = answers.text.trim().split('\n\n');
    if (blocks.length !== code.size) throw new Error(`internal: the symbolizer answered for ${blocks.length} of ${code.size} code offsets`);
    fs.writeFileSync(sourceLinesPath(wasmPath), JSON.stringify(sourceLineTable(code.start, blocks)));
  }
  const temporary = `${wasmPath}.${process.pid}.tmp`;
  fs.writeFileSync(temporary, wasm);
  fs.renameSync(temporary, wasmPath); // atomic: a concurrent run never loads half a file
  writeCompiledSources(wasmPath, { sources: absolute, checked: options.checked === true });
  return { wasmPath, cached: false };
}
