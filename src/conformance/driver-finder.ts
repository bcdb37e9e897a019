/**
 * The suite's own drivers, found in the class folders the class table lists:
 * src/conformance/<class>/reference.ts and reference.c, the class's reference
 * drivers (TypeScript, and C as its writers ship it),
 * src/conformance/<class>/conforming/*.ts or *.c, correct drivers that take
 * a choice the contract allows and the references do not (whole drivers of
 * their own, a .c compiled alone like reference.c): they prove that the
 * scenarios judge the rule, not the references' way of keeping it, and are
 * held to everything a reference is held to; and
 * src/conformance/<class>/faulty/*.ts or *.c, each breaking one rule. A
 * faulty .c is a variant of the class's reference.c (include/wdm.h,
 * DMA_CONFORMANCE_REPLACEABLE): compiled together with it, it replaces the
 * routine that carries the bug and declares DMA_CONFORMANCE_FAULTY_DRIVER
 * (a class without reference.c has whole-driver faulty .c files). A C
 * driver loads from its compiled module, so a tool compiles the suite's C
 * drivers once, in its main process, before it loads or spreads drivers
 * (compileSuiteCDrivers, scripts/prepare-drivers.cjs). Every tool
 * that needs the suite's drivers (the conformance run without --driver, the
 * fuzzer's proof, the mutation check, the sweep's benchmark, replay commands)
 * asks here; nothing else scans a folder for drivers.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DriverModule } from '../personalities/wdm/contract';
import { driverFromModule } from '../personalities/wdm/loader';
import { loadCDriver } from '../personalities/c-wasm/loader';
import { PROJECT_ROOT, cachedWasmPath, compileCDriver } from '../personalities/c-wasm/compiler';
import { CONFORMANCE_CLASS_NAMES, ConformanceClass } from './classes';

export const CONFORMANCE_DIRECTORY = __dirname;

export type SuiteDriverKind = 'reference' | 'conforming' | 'faulty';

/** The kinds of correct drivers: every proof that a correct driver passes runs both. */
export const CORRECT_DRIVER_KINDS = ['reference', 'conforming'] as const satisfies readonly SuiteDriverKind[];

const SUITE_DRIVER_KINDS = [...CORRECT_DRIVER_KINDS, 'faulty'] as const satisfies readonly SuiteDriverKind[];

export interface DriverModuleFile {
  /** Absolute path of the module (a .ts module or a .c source). */
  readonly modulePath: string;
  /** The path to run it by (a world's `driver` parameter, the fuzzer's module): the compiled .wasm of a C driver, modulePath otherwise. */
  readonly runPath: string;
  readonly driver: DriverModule;
  readonly kind: SuiteDriverKind;
  /** The class whose folder holds the module. */
  readonly folderClass: ConformanceClass;
}

/** The module files of one kind of driver in one class's folder, in name order. */
export function driverFilesOf(conformanceClass: ConformanceClass, kind: SuiteDriverKind): string[] {
  const folder = path.join(CONFORMANCE_DIRECTORY, conformanceClass);
  if (kind === 'reference') return ['reference.ts', 'reference.c'].map((f) => path.join(folder, f)).filter((f) => fs.existsSync(f));
  const drivers = path.join(folder, kind);
  if (!fs.existsSync(drivers)) return [];
  return fs.readdirSync(drivers).filter((f) => f.endsWith('.ts') || f.endsWith('.c')).sort().map((f) => path.join(drivers, f));
}

/** Whether a driver file of the suite is C source. */
export function isCDriverFile(modulePath: string): boolean {
  return modulePath.endsWith('.c');
}

/** The module's name: its file name without .ts or .c. */
export function driverFileName(modulePath: string): string {
  return path.basename(modulePath).replace(/\.(ts|c)$/, '');
}

/** The C driver files of every class folder (references, conforming drivers, then faulty drivers), in the table's order. */
export function suiteCDriverFiles(): string[] {
  return SUITE_DRIVER_KINDS.flatMap((kind) => CONFORMANCE_CLASS_NAMES.flatMap((c) => driverFilesOf(c, kind))).filter(isCDriverFile);
}

/** The sources a suite C driver compiles from: a faulty variant links its class's reference.c first. */
export function cSourcesOfSuiteDriver(modulePath: string): string[] {
  const reference = path.join(path.dirname(path.dirname(modulePath)), 'reference.c');
  const isVariant = path.basename(path.dirname(modulePath)) === 'faulty' && fs.existsSync(reference);
  return isVariant ? [reference, modulePath] : [modulePath];
}

/**
 * Compile every C driver of the class folders (cached by hash in .cache/c-drivers/), so that
 * loading them, here or in a worker, finds the compiled module. Resolves with source -> .wasm.
 */
export async function compileSuiteCDrivers(onCompiled: (source: string, wasmPath: string, cached: boolean) => void = () => undefined): Promise<Map<string, string>> {
  const compiled = new Map<string, string>();
  for (const source of suiteCDriverFiles()) {
    const { wasmPath, cached } = await compileCDriver(cSourcesOfSuiteDriver(source), PROJECT_ROOT);
    compiled.set(source, wasmPath);
    onCompiled(source, wasmPath, cached);
  }
  return compiled;
}

const loaded = new Map<string, DriverModuleFile>();

function load(modulePath: string, kind: SuiteDriverKind, folderClass: ConformanceClass): DriverModuleFile {
  let file = loaded.get(modulePath);
  if (!file) {
    if (isCDriverFile(modulePath)) {
      const sources = cSourcesOfSuiteDriver(modulePath);
      file = { modulePath, runPath: cachedWasmPath(sources, PROJECT_ROOT), kind, folderClass, driver: loadCDriver(sources.join(','), PROJECT_ROOT) };
    } else {
      const exported = require(modulePath) as Record<string, unknown>;
      file = { modulePath, runPath: modulePath, kind, folderClass, driver: driverFromModule(exported, modulePath) };
    }
    loaded.set(modulePath, file);
  }
  return file;
}

/** Every driver of a kind, class by class in the table's order. */
export function driverModulesIn(kind: SuiteDriverKind): DriverModuleFile[] {
  return CONFORMANCE_CLASS_NAMES.flatMap((c) => driverFilesOf(c, kind).map((f) => load(f, kind, c)));
}

/** The correct drivers of the suite: the references, then the conforming drivers. */
export function correctDriverModules(): DriverModuleFile[] {
  return CORRECT_DRIVER_KINDS.flatMap((kind) => driverModulesIn(kind));
}

/** Every driver of the suite: the correct drivers first (references, conforming), then the faulty ones. */
export function suiteDrivers(): DriverModuleFile[] {
  return SUITE_DRIVER_KINDS.flatMap((kind) => driverModulesIn(kind));
}

/** The reference driver of a class; null when its folder has none. */
export function referenceDriverOf(conformanceClass: ConformanceClass): DriverModuleFile | null {
  const [file] = driverFilesOf(conformanceClass, 'reference');
  return file ? load(file, 'reference', conformanceClass) : null;
}

/** A faulty driver of a class by its module's name (the file name without .ts or .c); null when the class's faulty/ has none. */
export function faultyDriverOf(conformanceClass: ConformanceClass, name: string): DriverModuleFile | null {
  const file = driverFilesOf(conformanceClass, 'faulty').find((f) => driverFileName(f) === name);
  return file ? load(file, 'faulty', conformanceClass) : null;
}

/** The module a driver of the suite was loaded from, found by its name; null for a driver from elsewhere. */
export function suiteModuleOf(driver: DriverModule): string | null {
  // The references first, and one file at a time: a C driver is loaded (from its compiled module) only when no earlier one matched.
  for (const kind of SUITE_DRIVER_KINDS) {
    for (const c of CONFORMANCE_CLASS_NAMES) {
      for (const f of driverFilesOf(c, kind)) if (load(f, kind, c).driver.name === driver.name) return f;
    }
  }
  return null;
}
