/**
 * Which C sources a cached module was compiled from, kept beside it
 * (`<module>.sources.json`), so that a command which ran the cached module
 * (the scripts compile before any scenario and hand the run the .wasm) can
 * still tell the user what to run again: their sources, which they may have
 * edited since, not a file in the cache.
 */
import * as fs from 'node:fs';

export interface CompiledSources {
  /** Absolute paths of the .c files, in the order given. */
  readonly sources: readonly string[];
  readonly checked: boolean;
}

export function compiledSourcesPath(wasmPath: string): string {
  return `${wasmPath}.sources.json`;
}

export function writeCompiledSources(wasmPath: string, compiled: CompiledSources): void {
  fs.writeFileSync(compiledSourcesPath(wasmPath), JSON.stringify(compiled));
}

/** The sources of a cached module, or null (a module built elsewhere, or before the cache kept them). */
export function compiledSourcesOf(wasmPath: string): CompiledSources | null {
  try {
    const read = JSON.parse(fs.readFileSync(compiledSourcesPath(wasmPath), 'utf8')) as CompiledSources;
    return Array.isArray(read.sources) && read.sources.every((s) => typeof s === 'string') ? read : null;
  } catch {
    return null;
  }
}
