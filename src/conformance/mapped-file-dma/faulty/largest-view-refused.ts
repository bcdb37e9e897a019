/**
 * Faulty variant of reference driver 6 (mapped-file), breaking PAGE-4: its
 * length check is one off at the class's largest request. It refuses a view
 * of exactly MAPPED_FILE_MAXIMUM_REQUEST (64 MiB), which the class's
 * interface allows, so the device never fills it and the file never gets
 * the data. Every shorter view is served as the reference serves it.
 */
import { MAPPED_FILE_MAXIMUM_REQUEST } from '../interface';
import { MappedFileDevice, mappedFileDriver } from '../reference';

class LargestViewRefused extends MappedFileDevice {
  protected override takesLength(length: number): boolean {
    return length < MAPPED_FILE_MAXIMUM_REQUEST;
  }
}

export default mappedFileDriver({
  name: 'mapped-file-largest-view-refused',
  breaksRule: 'PAGE-4',
  description: 'Checks the view\'s length one off at the class\'s largest request: a view of exactly 64 MiB is refused with STATUS_INVALID_PARAMETER.',
}, LargestViewRefused);
