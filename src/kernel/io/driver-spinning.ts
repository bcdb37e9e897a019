/**
 * Driver code that did not return: a routine that spun (a loop that never
 * ends, endless recursion) for longer than the wall-clock budget. It is a
 * verdict on the driver, not a rule it broke: the routine never came back to
 * the kernel, so no rule could be judged.
 */
export class DriverSpinning extends Error {
  constructor(readonly driverName: string, readonly routine: string, readonly budgetSeconds: number) {
    super(`the driver ${driverName} did not return: ${routine} ran more than ${budgetSeconds} s of wall-clock time`);
    this.name = 'DriverSpinning';
  }
}
