/**
 * Faulty variant of the direct-I/O driver (DEV-3): it waits for the
 * device's completion interrupt and nothing else. A device that hangs never
 * interrupts, and the requests on it never complete.
 */
import { DirectIoDevice, DirectIoTransfer, directIoDriver } from '../reference';

class NoTimeoutDevice extends DirectIoDevice {
  protected override transferStarted(_transfer: DirectIoTransfer): void {
    // no timer: completion is only ever signalled by the interrupt
  }
}

export default directIoDriver({
  name: 'direct-io-no-transfer-timeout',
  breaksRule: 'DEV-3',
  description: 'Relies on the completion interrupt alone, so a hung device leaves its requests pending forever.',
}, NoTimeoutDevice);
