/**
 * Loading a C driver: a compiled .wasm, or .c sources (comma-separated for
 * several files) whose compiled module is already in the cache. Compiling is
 * the scripts' job, once, in their main process (compiler.ts); a cucumber
 * worker only loads.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DriverModule } from '../wdm/contract';
import { DriverLoadError, contractProblems } from '../wdm/loader';
import { cDriverModule } from './c-driver-module';
import { cachedWasmPath } from './compiler';

/** Whether a driver path names a C driver (.c sources or a compiled .wasm). */
export function isCDriverPath(modulePath: string): boolean {
  return cSourcesOf(modulePath) !== null || modulePath.endsWith('.wasm');
}

/** The .c files a driver path names ("a.c" or "a.c,b.c"), or null. */
export function cSourcesOf(modulePath: string): string[] | null {
  const parts = modulePath.split(',').map((p) => p.trim());
  return parts.length > 0 && parts.every((p) => p.endsWith('.c')) ? parts : null;
}

export function loadCDriver(modulePath: string, workingDirectory: string = process.cwd()): DriverModule {
  const sources = cSourcesOf(modulePath);
  let wasmPath: string;
  if (sources) {
    const missing = sources.map((s) => path.resolve(workingDirectory, s)).filter((s) => !fs.existsSync(s));
    if (missing.length > 0) throw new DriverLoadError(modulePath, missing.map((m) => `no C source at ${m}`));
    wasmPath = cachedWasmPath(sources, workingDirectory);
    if (!fs.existsSync(wasmPath)) throw new DriverLoadError(modulePath, [`not compiled yet (no ${wasmPath}): run it through npm run conformance, fuzz or sweep, which compile it first`]);
  } else {
    wasmPath = path.resolve(workingDirectory, modulePath);
    if (!fs.existsSync(wasmPath)) throw new DriverLoadError(modulePath, [`no compiled driver at that path (resolved to ${wasmPath})`]);
  }
  let loaded: ReturnType<typeof cDriverModule>;
  try {
    loaded = cDriverModule(wasmPath);
  } catch (e) {
    throw new DriverLoadError(modulePath, [`${wasmPath} is not a loadable WebAssembly driver: ${e instanceof Error ? e.message : String(e)}`]);
  }
  const problems = [...loaded.problems, ...(loaded.problems.length > 0 ? [] : contractProblems(loaded.driver))];
  if (problems.length > 0) throw new DriverLoadError(modulePath, problems, 'contract');
  return loaded.driver;
}
