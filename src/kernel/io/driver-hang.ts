/**
 * A driver that never finishes something the machine waits for: a request
 * it never completes, a routine that polls or waits forever. The hang guard
 * turns it into this error, naming the driver, instead of an endless loop.
 */
import { SimulationStalled } from '../../machine/clock';

export class DriverHang extends SimulationStalled {
  constructor(readonly driverName: string, readonly what: string, detail: string) {
    super(`driver ${driverName} hangs: ${what}: ${detail}`);
    this.name = 'DriverHang';
  }
}
