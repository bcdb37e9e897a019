/**
 * Loading the driver under test by path, whatever its personality: a
 * TypeScript module (.ts) through the WDM loader, C sources (.c, several
 * comma-separated) or a compiled module (.wasm) through the C personality.
 * Both give the same DriverModule, so the rest of the suite does not care.
 */
import type { DriverModule } from './wdm/contract';
import { loadDriverModule as loadTypeScriptDriver } from './wdm/loader';
import { isCDriverPath, loadCDriver } from './c-wasm/loader';

export function loadDriverModule(modulePath: string, workingDirectory: string = process.cwd()): DriverModule {
  return typeof modulePath === 'string' && isCDriverPath(modulePath) ? loadCDriver(modulePath, workingDirectory) : loadTypeScriptDriver(modulePath, workingDirectory);
}

/** The driver named by the cucumber world parameters ({"driver": "./my-driver.c"}), or null when none was named. */
export function loadDriverFromWorldParameters(parameters: { readonly driver?: string } | undefined, workingDirectory: string = process.cwd()): DriverModule | null {
  const modulePath = parameters?.driver;
  return modulePath === undefined ? null : loadDriverModule(modulePath, workingDirectory);
}
