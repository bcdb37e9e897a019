/**
 * The driver as a replay command names it: relative to the working directory
 * when it lies below it, and, for a module the C compiler cached, the C
 * sources it was compiled from (comma-separated, as --driver takes them).
 * A checked build keeps its module path: its sources alone would rebuild it
 * unchecked.
 */
import * as path from 'node:path';
import { compiledSourcesOf } from './c-wasm/compiled-sources';

function asGiven(modulePath: string): string {
  const relative = path.relative(process.cwd(), path.resolve(modulePath));
  return relative.startsWith('..') || path.isAbsolute(relative) ? modulePath : relative;
}

export function driverPathForReplay(modulePath: string): string {
  const compiled = modulePath.endsWith('.wasm') ? compiledSourcesOf(path.resolve(modulePath)) : null;
  if (compiled && !compiled.checked) return compiled.sources.map(asGiven).join(',');
  return asGiven(modulePath);
}
