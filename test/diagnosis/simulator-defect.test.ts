/** A stop caused by the simulator's own program error is a broken run, not a verdict on the driver. */
import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { simulatorDefectOf } from '../../src/diagnosis/simulator-defect';
import { failureVerdict } from '../../src/diagnosis/failure-verdict';
import { KMODE_EXCEPTION_NOT_HANDLED } from '../../src/kernel/io/driver-execution';
import { BugCheck } from '../../src/machine/bug-check';
import { Clock } from '../../src/machine/clock';
import { RaisedStatus, STATUS } from '../../src/machine/ntstatus';

function stopCausedBy(cause: unknown): BugCheck {
  const stop = new BugCheck(KMODE_EXCEPTION_NOT_HANDLED, STATUS.ACCESS_VIOLATION, 0, 0, 0, 'driver drv: IRP_MJ_READ did not handle an exception');
  (stop as { cause?: unknown }).cause = cause;
  return stop;
}

function thrownBy(fn: () => void): Error {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected the call to throw');
}

describe('a stop the simulator caused', () => {
  it('a program error thrown by simulator source is a defect, worded as broken', () => {
    const error = thrownBy(() => new Clock().schedule(-1, 'bad', () => {}));
    const defect = simulatorDefectOf(stopCausedBy(error));
    assert.ok(defect, 'a RangeError from src/machine is the simulator\'s');
    assert.equal(defect.name, 'SimulatorDefect');
    // It carries no findings, so it is no verdict on the driver.
    assert.equal(failureVerdict({ findings: null, errorType: defect.constructor.name }).kind, 'broken');
    assert.doesNotMatch(defect.message, /with bug check/, 'the report must not file it under the stop code');
  });

  it('a program error in driver code, or a raised status, is the driver\'s', () => {
    const inDriver = new TypeError('Cannot read properties of null');
    inDriver.stack = `TypeError: Cannot read properties of null\n    at Device.start (${path.resolve(__dirname, '../../src/conformance/read-write-direct/faulty/some-driver.ts')}:10:5)`;
    assert.equal(simulatorDefectOf(stopCausedBy(inDriver)), null);
    assert.equal(simulatorDefectOf(stopCausedBy(new RaisedStatus(STATUS.ACCESS_VIOLATION, 'probe'))), null);
    assert.equal(simulatorDefectOf(new BugCheck(0x4e, 0x9a, 0, 0, 0, 'no cause')), null);
  });
});
