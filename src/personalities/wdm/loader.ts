/**
 * Loading the driver under test: find the module by path (relative to the
 * working directory; TypeScript through ts-node, which the suite registers),
 * check it against the contract, and install it into a machine.
 *
 * A module that cannot be used is rejected before any scenario runs, with ONE
 * error (DriverLoadError) that lists every problem: the path that does not
 * exist (with the path it resolved to), every compiler diagnostic of a module
 * that does not compile, the export that is missing, each
 * member that is missing or of the wrong kind, each unknown conformance class
 * (with the valid ones). A driver whose DriverEntry fails, raises or hangs is
 * reported with its name and what happened (DriverStartFailed, a bug check,
 * DriverHang), never by crashing the runner.
 *
 * The driver's own code is instrumented as it is loaded (instrumented-require.ts)
 * so that a routine that never returns is stopped by the wall-clock watchdog.
 */
import { moduleFramePlaceFinder, placeFinderOf, setPlaceFinderOf } from '../driver-places';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Hal } from '../../kernel/hal/hal';
import type { DEVICE_OBJECT } from '../../kernel/io/device-object';
import type { DRIVER_OBJECT } from '../../kernel/io/driver-object';
import type { IoManager } from '../../kernel/io/io-manager';
import type { Kernel } from '../../kernel/kernel';
import type { AttachedFunction, PciBus } from '../../pci/bus';
import { DriverModule } from './contract';
import { isRuleRef, ruleRefProblem } from '../../rules/rule-ref';
import { CONFORMANCE_CLASS_NAMES, isConformanceClass } from '../../conformance/classes';
import { createKernelApi } from './kernel-api-binding';
import type { KernelApi } from './kernel-api';
import { whileInstalling } from '../installing-kernel';
import { DriverCompileError, requireInstrumented } from './instrumented-require';
import { armWallClockWatchdog, disarmWallClockWatchdog } from '../../kernel/io/wall-clock-watchdog';
import { DriverSpinning } from '../../kernel/io/driver-spinning';

/** Why a module was rejected: it could not be found or loaded, it does not compile, or it does not implement the contract. */
export type DriverLoadFailure = 'module' | 'compile' | 'contract';

const HEADLINES: Record<DriverLoadFailure, string> = {
  module: 'cannot be loaded',
  compile: 'does not compile',
  contract: 'does not implement the driver contract',
};

export class DriverLoadError extends Error {
  constructor(readonly modulePath: string, readonly problems: readonly string[], readonly failure: DriverLoadFailure = 'module') {
    super(failure === 'module'
      ? `driver ${modulePath}: ${problems.join('; ')}`
      : `driver ${modulePath} ${HEADLINES[failure]}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'DriverLoadError';
  }
}

const REQUIRED_ROUTINES = {
  DriverEntry: '(DriverObject, Kernel) => NTSTATUS',
  AddDevice: '(DriverObject, PhysicalDeviceObject) => NTSTATUS',
  StartDevice: '(DeviceObject, Resources) => NTSTATUS',
} as const;

const OPTIONAL_ROUTINES = {
  RemoveDevice: '(DeviceObject) => void',
  InterruptService: '(Interrupt, ServiceContext) => boolean',
  DpcForIsr: '(Dpc, DeviceObject, Irp, Context) => void',
  DriverUnload: '(DriverObject) => void',
} as const;

const MEMBERS = new Set(['name', 'conformanceClasses', 'breaksRule', 'description', ...Object.keys(REQUIRED_ROUTINES), ...Object.keys(OPTIONAL_ROUTINES)]);

function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return `the string ${JSON.stringify(v)}`;
  return `a ${typeof v}`;
}

/** Every way `candidate` falls short of the contract; empty when it conforms. */
export function contractProblems(candidate: unknown): string[] {
  if (typeof candidate !== 'object' || candidate === null || Array.isArray(candidate)) {
    return [`the exported driver is ${describeValue(candidate)}, not an object implementing the contract`];
  }
  const d = candidate as Record<string, unknown>;
  const problems: string[] = [];

  if (!('name' in d) || d.name === undefined) problems.push('missing name: a non-empty string that names the driver');
  else if (typeof d.name !== 'string' || d.name.trim() === '') problems.push(`name must be a non-empty string, got ${describeValue(d.name)}`);

  const valid = `valid: ${CONFORMANCE_CLASS_NAMES.join(', ')}`;
  if (!('conformanceClasses' in d) || d.conformanceClasses === undefined) {
    problems.push(`missing conformanceClasses: the list of classes the driver claims (${valid})`);
  } else if (!Array.isArray(d.conformanceClasses)) {
    problems.push(`conformanceClasses must be an array of class names, got ${describeValue(d.conformanceClasses)} (${valid})`);
  } else if (d.conformanceClasses.length === 0) {
    problems.push(`conformanceClasses is empty: claim at least one class (${valid})`);
  } else {
    const seen = new Set<unknown>();
    for (const c of d.conformanceClasses) {
      if (!isConformanceClass(c)) problems.push(`unknown conformance class ${JSON.stringify(c)} (${valid})`);
      else if (seen.has(c)) problems.push(`conformance class "${c}" is listed twice`);
      seen.add(c);
    }
  }

  for (const [routine, shape] of Object.entries(REQUIRED_ROUTINES)) {
    if (d[routine] === undefined) problems.push(`missing ${routine}: a function ${shape}`);
    else if (typeof d[routine] !== 'function') problems.push(`${routine} must be a function ${shape}, got ${describeValue(d[routine])}`);
  }
  for (const [routine, shape] of Object.entries(OPTIONAL_ROUTINES)) {
    if (d[routine] !== undefined && typeof d[routine] !== 'function') problems.push(`${routine} must be a function ${shape} when present, got ${describeValue(d[routine])}`);
  }

  if (d.breaksRule !== undefined && !isRuleRef(d.breaksRule)) {
    problems.push(`breaksRule must name a rule of the catalog such as PAGE-5, or a verifier catalog entry such as VER-SG-DOUBLE-PUT: ${ruleRefProblem(d.breaksRule)}`);
  }
  if (d.description !== undefined && typeof d.description !== 'string') problems.push(`description must be a string when present, got ${describeValue(d.description)}`);

  for (const key of Object.keys(d)) {
    if (!MEMBERS.has(key)) problems.push(`unknown member "${key}" (the contract has: ${[...MEMBERS].join(', ')})`);
  }
  return problems;
}

/** The driver a loaded module exports (default export, or `driver`), checked against the contract. */
export function driverFromModule(moduleExports: unknown, modulePath: string): DriverModule {
  const m = (typeof moduleExports === 'object' || typeof moduleExports === 'function') && moduleExports !== null ? (moduleExports as Record<string, unknown>) : {};
  const candidate = m.default ?? m.driver;
  if (candidate === undefined) {
    const exported = Object.keys(m).filter((k) => k !== '__esModule');
    throw new DriverLoadError(modulePath, [`the module has no default export and no export named "driver" (it exports: ${exported.length > 0 ? exported.join(', ') : 'nothing'}); write "export default driver" or "export const driver = ..."`]);
  }
  const problems = contractProblems(candidate);
  if (problems.length > 0) throw new DriverLoadError(modulePath, problems, 'contract');
  if (!placeFinderOf(candidate as DriverModule)) setPlaceFinderOf(candidate as DriverModule, moduleFramePlaceFinder(modulePath));
  return candidate as DriverModule;
}

/**
 * Load a driver module by path, relative to `workingDirectory`. The path may
 * omit the extension when the module system can resolve it.
 */
export function loadDriverModule(modulePath: string, workingDirectory: string = process.cwd()): DriverModule {
  if (typeof modulePath !== 'string' || modulePath.trim() === '') throw new DriverLoadError(String(modulePath), ['no module path given']);
  const absolute = path.resolve(workingDirectory, modulePath);
  let resolved: string;
  try {
    resolved = require.resolve(absolute);
  } catch {
    throw new DriverLoadError(modulePath, [`no module at that path (resolved to ${absolute})`]);
  }
  if (!fs.statSync(resolved).isFile()) throw new DriverLoadError(modulePath, [`${resolved} is not a file`]);
  let exported: unknown;
  // Code a module runs as it loads is driver code too: a loop there must not hang the run.
  const armed = armWallClockWatchdog(modulePath, 'module initialization');
  try {
    exported = requireInstrumented(resolved);
  } catch (e) {
    if (e instanceof DriverCompileError) throw new DriverLoadError(modulePath, e.diagnostics, 'compile');
    if (e instanceof DriverSpinning) throw e;
    const hint = resolved.endsWith('.ts') && !require.extensions['.ts'] ? ' (a TypeScript driver needs ts-node: run it through the suite\'s commands, or node --require ts-node/register)' : '';
    throw new DriverLoadError(modulePath, [`the module at ${resolved} failed to load: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}${hint}`]);
  } finally {
    if (armed) disarmWallClockWatchdog();
  }
  return driverFromModule(exported, modulePath);
}

/** The driver named by the cucumber world parameters ({"driver": "./my-driver.ts"}), or null when none was named. */
export function loadDriverFromWorldParameters(parameters: { readonly driver?: string } | undefined, workingDirectory: string = process.cwd()): DriverModule | null {
  const modulePath = parameters?.driver;
  if (modulePath === undefined) return null;
  return loadDriverModule(modulePath, workingDirectory);
}

/** A machine's parts a driver is installed into. */
export interface DriverHost {
  readonly kernel: Kernel;
  readonly io: IoManager;
  readonly hal?: Hal | null;
  readonly bus?: PciBus | null;
}

export interface InstalledDriver {
  readonly driver: DriverModule;
  readonly driverObject: DRIVER_OBJECT;
  readonly devices: readonly DEVICE_OBJECT[];
  readonly kernelApi: KernelApi;
}

/**
 * Load the driver into the machine (DriverEntry) and start it on each PCI
 * function (AddDevice, StartDevice). Failures are DriverStartFailed, a bug
 * check, or DriverHang, each naming the driver.
 */
export function installDriver(host: DriverHost, driver: DriverModule, functions: readonly AttachedFunction[]): InstalledDriver {
  const kernelApi = createKernelApi({ kernel: host.kernel, io: host.io, hal: host.hal ?? null, bus: host.bus ?? null });
  const finder = placeFinderOf(driver);
  if (finder) host.kernel.driverPlaceFinders.set(driver.name, finder);
  const driverObject = whileInstalling(host.kernel, () => host.io.loadDriver(driver, kernelApi));
  const devices = functions.map((fn) => host.io.addDevice(driverObject, fn));
  return { driver, driverObject, devices, kernelApi };
}
