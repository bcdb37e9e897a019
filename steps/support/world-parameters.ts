/**
 * The run-wide settings given on the command line with
 * `--world-parameters '{"driver":"./my-driver.ts","seed":7,"ram":"16 GiB"}'`.
 * Every key is checked: a misspelt or mistyped parameter stops the run with
 * a message naming it, instead of being ignored.
 */
import * as path from 'node:path';
import { parseSize } from '../../src/machine/size-expression';

export interface WorldParameters {
  /** Absolute path of the driver-under-test module; absent when none was named. */
  readonly driver?: string;
  /** Seed of every machine booted in the run (the boot configuration's default when absent). */
  readonly seed?: number;
  /** Installed RAM of every machine booted in the run, unless a scenario says otherwise. */
  readonly ramBytes?: number;
  /** Wall-clock seconds one call into driver code may run before it is stopped as spinning (the watchdog's default when absent). */
  readonly driverTimeBudget?: number;
}

export class InvalidWorldParameters extends Error {
  constructor(problems: readonly string[]) {
    super(`invalid --world-parameters: ${problems.join('; ')}`);
    this.name = 'InvalidWorldParameters';
  }
}

/** What each accepted key means, for error messages and documentation. */
export const WORLD_PARAMETER_KEYS = {
  driver: 'module path of the driver under test, relative to the working directory',
  seed: 'integer seed of the simulated machines',
  ram: 'installed RAM as a size ("16 GiB") or a number of bytes',
  driverTimeBudget: 'wall-clock seconds one call into driver code may run before the run stops it as spinning (default 10)',
} as const;

export function readWorldParameters(raw: unknown, workingDirectory: string = process.cwd()): WorldParameters {
  if (raw === undefined || raw === null) return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new InvalidWorldParameters(['expected a JSON object']);
  const given = raw as Record<string, unknown>;
  const problems: string[] = [];
  const result: { driver?: string; seed?: number; ramBytes?: number; driverTimeBudget?: number } = {};

  for (const key of Object.keys(given)) {
    if (!(key in WORLD_PARAMETER_KEYS)) {
      problems.push(`unknown parameter "${key}" (accepted: ${Object.keys(WORLD_PARAMETER_KEYS).join(', ')})`);
    }
  }

  if (given.driver !== undefined) {
    if (typeof given.driver !== 'string' || given.driver.trim() === '') {
      problems.push(`"driver" must be a module path, got ${JSON.stringify(given.driver)}`);
    } else {
      const absolute = path.resolve(workingDirectory, given.driver);
      try {
        result.driver = require.resolve(absolute);
      } catch {
        problems.push(`"driver": no module at ${given.driver} (looked for ${absolute})`);
      }
    }
  }

  if (given.seed !== undefined) {
    if (typeof given.seed !== 'number' || !Number.isSafeInteger(given.seed)) {
      problems.push(`"seed" must be an integer, got ${JSON.stringify(given.seed)}`);
    } else {
      result.seed = given.seed;
    }
  }

  if (given.ram !== undefined) {
    if (typeof given.ram === 'number' && Number.isSafeInteger(given.ram) && given.ram > 0) {
      result.ramBytes = given.ram;
    } else if (typeof given.ram === 'string') {
      try {
        result.ramBytes = parseSize(given.ram);
      } catch (e) {
        problems.push(`"ram": ${(e as Error).message}`);
      }
    } else {
      problems.push(`"ram" must be a size such as "16 GiB" or a number of bytes, got ${JSON.stringify(given.ram)}`);
    }
  }

  if (given.driverTimeBudget !== undefined) {
    if (typeof given.driverTimeBudget === 'number' && Number.isFinite(given.driverTimeBudget) && given.driverTimeBudget > 0) {
      result.driverTimeBudget = given.driverTimeBudget;
    } else {
      problems.push(`"driverTimeBudget" must be a positive number of seconds, got ${JSON.stringify(given.driverTimeBudget)}`);
    }
  }

  if (problems.length > 0) throw new InvalidWorldParameters(problems);
  return result;
}
