/**
 * Telling a defect of the simulator from a verdict on the driver. Driver code
 * that throws stops the machine with 0x1E KMODE_EXCEPTION_NOT_HANDLED, as on
 * Windows; but when the program error was thrown by the simulator itself
 * (the kernel, the HAL, the bus, the workload, not a driver module), the stop
 * says nothing about the driver: it is a broken run and must surface as the
 * error it is, never as a rule the driver broke.
 */
import * as path from 'node:path';
import { BugCheck } from '../machine/bug-check';
import { RaisedStatus } from '../machine/ntstatus';
import { detectionEnabled } from '../kernel/detections/detection-switch';

const SOURCE = path.resolve(__dirname, '..');
/** The driver kit the suite's drivers are built from is driver code too. */
const DRIVER_KIT = path.join(SOURCE, 'personalities', 'wdm', 'driver-kit.ts');

/** Driver code inside the source tree: each class's reference.ts and faulty/ drivers, and their kit. */
function isDriverCode(file: string): boolean {
  const [top, , inClass] = path.relative(SOURCE, file).split(path.sep);
  return (top === 'conformance' && (inClass === 'reference.ts' || inClass === 'faulty')) || file === DRIVER_KIT;
}

export class SimulatorDefect extends Error {
  constructor(readonly bugCheck: BugCheck, readonly defect: Error) {
    // Worded so the report files it as broken, not under the stop code it caused.
    super(`the simulator failed (not a verdict on the driver): ${defect.name}: ${defect.message} (raised as stop code 0x${bugCheck.code.toString(16).toUpperCase()} while driver code ran)`);
    this.name = 'SimulatorDefect';
    this.stack = `${this.name}: ${this.message}\n${(defect.stack ?? '').split('\n').slice(1).join('\n')}`;
  }
}

/** The file of the innermost stack frame of `error` that has one. */
function thrownFrom(error: Error): string | null {
  for (const line of (error.stack ?? '').split('\n').slice(1)) {
    const m = /\(?((?:[A-Za-z]:)?[^():]+\.[cm]?[jt]s):\d+:\d+\)?\s*$/.exec(line.trim());
    if (m) return path.resolve(m[1]!);
  }
  return null;
}

/** True when a program error (not a raised status) was thrown by simulator source rather than driver code. */
export function isSimulatorError(error: unknown): error is Error {
  if (!(error instanceof Error) || error instanceof RaisedStatus || error instanceof BugCheck || !detectionEnabled('SIMULATOR-DEFECT-CLASSIFICATION')) return false;
  const file = thrownFrom(error);
  if (!file || !file.startsWith(SOURCE + path.sep)) return false;
  return !isDriverCode(file);
}

/** The defect behind a stop, when the stop is the simulator's own failure; null for a verdict on the driver. */
export function simulatorDefectOf(error: unknown): SimulatorDefect | null {
  if (!(error instanceof BugCheck)) return null;
  const cause = (error as { cause?: unknown }).cause;
  return isSimulatorError(cause) ? new SimulatorDefect(error, cause) : null;
}
