/**
 * A driver routine that never returns (a loop that spins, endless recursion)
 * is stopped by the wall-clock watchdog: the loader instruments the driver's
 * own code, and the run ends with DriverSpinning naming the driver and the
 * routine, within the budget. The suite's own modules are not instrumented.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import { DriverSpinning } from '../../src/kernel/io/driver-spinning';
import { IoManager } from '../../src/kernel/io/io-manager';
import { DEFAULT_DRIVER_TIME_BUDGET_SECONDS, armWallClockWatchdog, disarmWallClockWatchdog, setDriverTimeBudget } from '../../src/kernel/io/wall-clock-watchdog';
import { compileDriverCode, isDriverCode } from '../../src/personalities/wdm/instrumented-require';
import { installDriver, loadDriverModule } from '../../src/personalities/wdm/loader';
import { bootSmallMachine } from '../mm/machine-fixture';

const BUDGET_SECONDS = 0.2;
let dir: string;

function driverSource(name: string, entryBody: string, helpers = ''): string {
  return `${helpers}
export default {
  name: '${name}',
  conformanceClasses: ['read-write-direct'],
  DriverEntry() { ${entryBody} return 0; },
  AddDevice() { return 0; },
  StartDevice() { return 0; },
};
`;
}

function loadFixture(file: string, source: string) {
  fs.writeFileSync(path.join(dir, file), source);
  return loadDriverModule(`./${file}`, dir);
}

function startTimed(file: string, source: string): { error: unknown; seconds: number } {
  const driver = loadFixture(file, source);
  const machine = bootSmallMachine();
  const io = new IoManager(machine.kernel);
  const started = Date.now();
  try {
    installDriver({ kernel: machine.kernel, io, bus: machine.bus }, driver, [machine.bus.functionOf(machine.dmaDevice)]);
    return { error: null, seconds: (Date.now() - started) / 1000 };
  } catch (error) {
    return { error, seconds: (Date.now() - started) / 1000 };
  }
}

describe('the wall-clock watchdog', () => {
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'driver-spinning-'));
    setDriverTimeBudget(BUDGET_SECONDS);
  });
  after(() => {
    setDriverTimeBudget(DEFAULT_DRIVER_TIME_BUDGET_SECONDS);
    fs.rmSync(dir, { recursive: true, force: true });
  });
  afterEach(() => disarmWallClockWatchdog());

  const loops: Record<string, { body: string; helpers?: string }> = {
    'while (true) {}': { body: 'while (true) {}' },
    'a do loop': { body: 'let n = 0; do { n++; } while (n >= 0);' },
    'a for loop without a condition': { body: 'for (let i = 0; ; i++) {}' },
    'a for-of loop over an endless generator': { body: 'for (const _ of endless()) {}', helpers: 'function* endless() { for (;;) yield 1; }' },
    'a for-in loop restarted for ever': { body: 'const o: Record<string, number> = { a: 1 }; for (;;) { for (const k in o) { o[k]!++; } }' },
    'a loop whose body is one statement': { body: 'let n = 0; while (n >= 0) n = n + 1 - 1;' },
  };
  for (const [kind, { body, helpers }] of Object.entries(loops)) {
    it(`stops ${kind} in DriverEntry, naming the driver and the routine, within the budget`, () => {
      const { error, seconds } = startTimed(`spin-${kind.replace(/\W+/g, '-')}.ts`, driverSource('spinner', body, helpers));
      assert.ok(error instanceof DriverSpinning, `expected DriverSpinning, got ${String(error)}`);
      assert.equal(error.message, `the driver spinner did not return: DriverEntry ran more than ${BUDGET_SECONDS} s of wall-clock time`);
      assert.ok(seconds < BUDGET_SECONDS + 2, `the routine was stopped soon after its budget (${seconds} s)`);
    });
  }

  it('stops endless recursion (at function entry) even when the recursion is caught and retried', () => {
    const helpers = 'function deeper(n: number): number { return deeper(n + 1) + 1; }';
    const { error } = startTimed('recursion.ts', driverSource('recurser', 'for (;;) { try { deeper(0); } catch { /* stack overflow: try again */ } }', helpers));
    assert.ok(error instanceof DriverSpinning && error.routine === 'DriverEntry' && error.driverName === 'recurser', String(error));
  });

  it('keeps stopping a driver that catches DriverSpinning and goes on spinning', () => {
    const { error } = startTimed('catches.ts', driverSource('stubborn', 'for (;;) { try { while (true) {} } catch { /* ignore and retry */ } }'));
    assert.ok(error instanceof DriverSpinning, String(error));
  });

  it('stops a loop in the module\'s own initialization', () => {
    fs.writeFileSync(path.join(dir, 'init.ts'), `while (Date.now() > 0) {}\n${driverSource('init', '')}`);
    assert.throws(() => loadDriverModule('./init.ts', dir), (e: unknown) => e instanceof DriverSpinning && e.routine === 'module initialization' && e.driverName === './init.ts');
  });

  it('lets a driver that returns run as before, and instruments the files it imports', () => {
    fs.writeFileSync(path.join(dir, 'helper.ts'), 'export function spin(): void { for (;;) {} }\n');
    const driver = loadFixture('imports.ts', driverSource('importer', '', "import { spin } from './helper';\nvoid spin;"));
    assert.equal(driver.name, 'importer');
    const { spin } = require(path.join(dir, 'helper.ts')) as { spin: () => void };
    armWallClockWatchdog('importer', 'a helper');
    assert.throws(spin, DriverSpinning);
  });

  it('instruments only the driver\'s own files, not the suite\'s modules or packages', () => {
    const root = path.resolve(__dirname, '..', '..');
    assert.equal(isDriverCode(path.join(dir, 'my-driver.ts')), true);
    assert.equal(isDriverCode(path.join(root, 'docs', 'example-driver.ts')), true);
    assert.equal(isDriverCode(path.join(root, 'src', 'conformance', 'read-write-direct', 'reference.ts')), true);
    assert.equal(isDriverCode(path.join(root, 'src', 'personalities', 'wdm', 'driver-kit.ts')), false);
    assert.equal(isDriverCode(path.join(root, 'src', 'contracts', 'units.ts')), false);
    assert.equal(isDriverCode(path.join(root, 'src', 'kernel', 'io', 'io-manager.ts')), false);
    assert.equal(isDriverCode(path.join(root, 'node_modules', 'chai', 'index.js')), false);
  });

  it('puts a guard at every loop back-edge and function entry, none elsewhere', () => {
    const js = compileDriverCode('function f() { while (a) g(); do {} while (b); for (;;) {} for (const x of y) {} for (const k in o) {} return () => 1; }', 'guards.ts');
    assert.equal(js.match(/__dmaConformanceSpinGuard\(\)/g)?.length, 7); // f, the arrow, five loops
  });
});
