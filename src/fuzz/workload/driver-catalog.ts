/**
 * The suite's own drivers, by module: the reference drivers and the faulty
 * ones (src/drivers/reference, src/drivers/faulty). The fuzzer proves itself
 * on them, and names a reference driver's module in a replay command.
 * Modules that export no driver (shared parts) are passed over.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DriverModule } from '../../drivers/contract';
import { driverFromModule } from '../../drivers/loader';

export const DRIVERS_DIRECTORY = path.resolve(__dirname, '..', '..', 'drivers');

export interface DriverModuleFile {
  /** Absolute path of the module. */
  readonly modulePath: string;
  readonly driver: DriverModule;
}

export function driverModulesIn(kind: 'reference' | 'faulty', directory: string = path.join(DRIVERS_DIRECTORY, kind)): DriverModuleFile[] {
  if (!fs.existsSync(directory)) return [];
  const found: DriverModuleFile[] = [];
  for (const file of fs.readdirSync(directory).filter((f) => f.endsWith('.ts')).sort()) {
    const modulePath = path.join(directory, file);
    const exported = require(modulePath) as Record<string, unknown>;
    if (exported.default === undefined && exported.driver === undefined) continue;
    found.push({ modulePath, driver: driverFromModule(exported, modulePath) });
  }
  return found;
}

/** The module a driver of the suite was loaded from, found by its name; null for a driver from elsewhere. */
export function suiteModuleOf(driver: DriverModule): string | null {
  for (const kind of ['reference', 'faulty'] as const) {
    const hit = driverModulesIn(kind).find((m) => m.driver.name === driver.name);
    if (hit) return hit.modulePath;
  }
  return null;
}
