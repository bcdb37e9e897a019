/**
 * Faulty variant of the direct-I/O driver (MDL-4): its length check is one
 * off at the class's largest request. It refuses a read or write of exactly
 * READ_WRITE_DIRECT_LARGEST_REQUEST (8 MiB), which the class's applications
 * make, with STATUS_INVALID_PARAMETER; every shorter request is served as
 * the reference serves it.
 */
import { READ_WRITE_DIRECT_LARGEST_REQUEST } from '../interface';
import { DirectIoDevice, directIoDriver } from '../reference';

class LargestRequestRefused extends DirectIoDevice {
  protected override takesLength(length: number): boolean {
    return length < READ_WRITE_DIRECT_LARGEST_REQUEST;
  }
}

export default directIoDriver({
  name: 'direct-io-largest-request-refused',
  breaksRule: 'MDL-4',
  description: 'Checks the request\'s length one off at the class\'s largest request: a read or write of exactly 8 MiB is refused with STATUS_INVALID_PARAMETER.',
}, LargestRequestRefused);
