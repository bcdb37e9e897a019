/**
 * Requiring a driver module with its own code instrumented: while the driver
 * is loaded, each of its module files (the driver's file and the files it
 * imports that are not the suite's own modules or packages) is compiled here
 * with the TypeScript compiler API and the spin-guard transform, so the
 * wall-clock watchdog can stop a routine that never returns. The suite's own
 * modules (src/personalities/wdm, src/contracts, the kernel...) and packages
 * are loaded as usual, uninstrumented.
 *
 * A file that does not compile is rejected with every diagnostic (file, line,
 * column, the compiler's text): DriverCompileError.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ts from 'typescript';
import { spinGuardTransformer } from './spin-guard-transformer';

const SUITE_ROOT = path.resolve(__dirname, '..', '..', '..');
const SUITE_SOURCES = path.join(SUITE_ROOT, 'src');
/** Drivers of the suite (reference and faulty) live here; they are driver code like a user's. */
const SUITE_DRIVERS = path.join(SUITE_SOURCES, 'conformance');
const WATCHDOG_MODULE = require.resolve('../../kernel/io/wall-clock-watchdog');
const INSTRUMENTED_EXTENSIONS = ['.ts', '.js'] as const;

export class DriverCompileError extends Error {
  constructor(readonly file: string, readonly diagnostics: readonly string[]) {
    super(`${file} does not compile:\n${diagnostics.join('\n')}`);
    this.name = 'DriverCompileError';
  }
}

const under = (file: string, dir: string): boolean => file.startsWith(dir + path.sep);

/** Whether a file loaded while loading a driver is the driver's own code. */
export function isDriverCode(file: string): boolean {
  if (file.split(path.sep).includes('node_modules')) return false;
  return !under(file, SUITE_SOURCES) || under(file, SUITE_DRIVERS);
}

const formatHost: ts.FormatDiagnosticsHost = {
  getCurrentDirectory: () => process.cwd(),
  getCanonicalFileName: (f) => f,
  getNewLine: () => '\n',
};

/** The module's JavaScript, instrumented; throws DriverCompileError with every diagnostic. */
export function compileDriverCode(source: string, file: string): string {
  const output = ts.transpileModule(source, {
    fileName: file,
    reportDiagnostics: true,
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true, allowJs: true, inlineSourceMap: true, inlineSources: true },
    transformers: { before: [spinGuardTransformer(WATCHDOG_MODULE)] },
  });
  const errors = (output.diagnostics ?? []).filter((d) => d.category === ts.DiagnosticCategory.Error);
  if (errors.length > 0) throw new DriverCompileError(file, errors.map((d) => ts.formatDiagnostic(d, formatHost).trimEnd()));
  return output.outputText;
}

/**
 * The JavaScript of each driver file compiled here, by path. ts-node's source-map support reads a file's
 * inline source map from what it compiled itself; these it is handed through its retrieveFile option, so a
 * driver's stack frames (a finding's place in the driver) name its TypeScript lines, not the compiled ones.
 */
const compiledDrivers = new Map<string, string>();
let sourceMapsInstalled = false;

function keepForSourceMaps(file: string, code: string): void {
  compiledDrivers.set(file, code);
  if (sourceMapsInstalled) return;
  sourceMapsInstalled = true;
  try {
    const support = require(require.resolve('@cspotcode/source-map-support', { paths: [path.dirname(require.resolve('ts-node'))] })) as { install(options: object): void };
    support.install({ environment: 'node', retrieveFile: (p: string) => compiledDrivers.get(p) ?? null });
  } catch {
    // Without ts-node's source-map support, frames name the compiled lines.
  }
}

type Loader = (module: NodeJS.Module & { _compile(code: string, file: string): void }, file: string) => void;

/** require(file) with the driver's own files instrumented; the usual loaders are restored afterwards. */
export function requireInstrumented(file: string): unknown {
  const extensions = require.extensions as unknown as Record<string, Loader | undefined>;
  const previous = new Map(INSTRUMENTED_EXTENSIONS.map((ext) => [ext, extensions[ext]] as const));
  for (const [ext, usual] of previous) {
    extensions[ext] = (module, filename) => {
      if (!isDriverCode(filename) && usual) return usual(module, filename);
      const code = compileDriverCode(fs.readFileSync(filename, 'utf8'), filename);
      keepForSourceMaps(filename, code);
      module._compile(code, filename);
    };
  }
  try {
    return require(file);
  } finally {
    for (const [ext, usual] of previous) {
      if (usual) extensions[ext] = usual;
      else delete extensions[ext];
    }
  }
}
