/**
 * The suite's own drivers, found in the class folders the class table lists:
 * src/conformance/<class>/reference.ts, the class's reference driver, and
 * src/conformance/<class>/faulty/*.ts, each breaking one rule. Every tool
 * that needs the suite's drivers (the conformance run without --driver, the
 * fuzzer's proof, the mutation check, the sweep's benchmark, replay commands)
 * asks here; nothing else scans a folder for drivers.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DriverModule } from '../personalities/wdm/contract';
import { driverFromModule } from '../personalities/wdm/loader';
import { CONFORMANCE_CLASS_NAMES, ConformanceClass } from './classes';

export const CONFORMANCE_DIRECTORY = __dirname;

export type SuiteDriverKind = 'reference' | 'faulty';

export interface DriverModuleFile {
  /** Absolute path of the module. */
  readonly modulePath: string;
  readonly driver: DriverModule;
  readonly kind: SuiteDriverKind;
  /** The class whose folder holds the module. */
  readonly folderClass: ConformanceClass;
}

/** The module files of one kind of driver in one class's folder, in name order. */
export function driverFilesOf(conformanceClass: ConformanceClass, kind: SuiteDriverKind): string[] {
  const folder = path.join(CONFORMANCE_DIRECTORY, conformanceClass);
  if (kind === 'reference') {
    const file = path.join(folder, 'reference.ts');
    return fs.existsSync(file) ? [file] : [];
  }
  const faulty = path.join(folder, 'faulty');
  if (!fs.existsSync(faulty)) return [];
  return fs.readdirSync(faulty).filter((f) => f.endsWith('.ts')).sort().map((f) => path.join(faulty, f));
}

const loaded = new Map<string, DriverModuleFile>();

function load(modulePath: string, kind: SuiteDriverKind, folderClass: ConformanceClass): DriverModuleFile {
  let file = loaded.get(modulePath);
  if (!file) {
    const exported = require(modulePath) as Record<string, unknown>;
    file = { modulePath, kind, folderClass, driver: driverFromModule(exported, modulePath) };
    loaded.set(modulePath, file);
  }
  return file;
}

/** Every driver of a kind, class by class in the table's order. */
export function driverModulesIn(kind: SuiteDriverKind): DriverModuleFile[] {
  return CONFORMANCE_CLASS_NAMES.flatMap((c) => driverFilesOf(c, kind).map((f) => load(f, kind, c)));
}

/** Every driver of the suite: the reference drivers first, then the faulty ones. */
export function suiteDrivers(): DriverModuleFile[] {
  return [...driverModulesIn('reference'), ...driverModulesIn('faulty')];
}

/** The reference driver of a class; null when its folder has none. */
export function referenceDriverOf(conformanceClass: ConformanceClass): DriverModuleFile | null {
  const [file] = driverFilesOf(conformanceClass, 'reference');
  return file ? load(file, 'reference', conformanceClass) : null;
}

/** A faulty driver of a class by its module's name (the file name without .ts); null when the class's faulty/ has none. */
export function faultyDriverOf(conformanceClass: ConformanceClass, name: string): DriverModuleFile | null {
  const file = driverFilesOf(conformanceClass, 'faulty').find((f) => path.basename(f, '.ts') === name);
  return file ? load(file, 'faulty', conformanceClass) : null;
}

/** The module a driver of the suite was loaded from, found by its name; null for a driver from elsewhere. */
export function suiteModuleOf(driver: DriverModule): string | null {
  return suiteDrivers().find((m) => m.driver.name === driver.name)?.modulePath ?? null;
}
