/**
 * A C driver routine that never returns is stopped by the wall-clock
 * watchdog, as a TypeScript one is: the suite compiles C with coverage hooks
 * on every control-flow edge (include/wdm.h), which ask the host whether the
 * routine's budget is spent. The run ends with DriverSpinning naming the
 * driver and the routine, and C's stack is left as it was before the call.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import { DriverSpinning } from '../../src/kernel/io/driver-spinning';
import { IoManager } from '../../src/kernel/io/io-manager';
import { DEFAULT_DRIVER_TIME_BUDGET_SECONDS, disarmWallClockWatchdog, setDriverTimeBudget } from '../../src/kernel/io/wall-clock-watchdog';
import { compileCDriver } from '../../src/personalities/c-wasm/compiler';
import { loadDriverModule } from '../../src/personalities/driver-loader';
import { installDriver } from '../../src/personalities/wdm/loader';
import { bootSmallMachine } from '../mm/machine-fixture';
import { minimalCDriver } from './minimal-c-driver';

const BUDGET_SECONDS = 0.2;
let dir: string;

const spinningDriver = (loop: string): string => minimalCDriver('c-spinner', 'A driver whose DriverEntry never returns.', `  ${loop}`);

describe('the wall-clock watchdog and C drivers', () => {
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'c-driver-spinning-'));
    setDriverTimeBudget(BUDGET_SECONDS);
  });
  after(() => {
    setDriverTimeBudget(DEFAULT_DRIVER_TIME_BUDGET_SECONDS);
    fs.rmSync(dir, { recursive: true, force: true });
  });
  afterEach(() => disarmWallClockWatchdog());

  const loops: Record<string, string> = {
    'for (;;) {}': 'for (;;) {}',
    'a loop over a volatile counter': 'volatile ULONG spins = 0; while (spins != 0xffffffffu) spins = spins * 1u;',
  };
  for (const [kind, loop] of Object.entries(loops)) {
    it(`stops ${kind} in DriverEntry, naming the driver and the routine`, async () => {
      const file = path.join(dir, `spin-${kind.replace(/\W+/g, '-')}.c`);
      fs.writeFileSync(file, spinningDriver(loop));
      await compileCDriver([file], dir);
      const driver = loadDriverModule(file, dir);
      const machine = bootSmallMachine();
      const io = new IoManager(machine.kernel);
      assert.throws(
        () => installDriver({ kernel: machine.kernel, io, bus: machine.bus }, driver, [machine.bus.functionOf(machine.dmaDevice)]),
        (e: unknown) => e instanceof DriverSpinning && e.message === `the driver c-spinner did not return: DriverEntry ran more than ${BUDGET_SECONDS} s of wall-clock time`,
      );
    });
  }
});
