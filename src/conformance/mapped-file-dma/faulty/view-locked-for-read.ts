/**
 * Faulty variant of the mapped-file reference driver, breaking PAGE-4: it
 * locks every view for read access, also a view the device is to fill. The
 * device's data lands in the view's frames, but a device write sets no dirty
 * bit, and unlocking a lock for read access marks nothing modified, so the
 * flush finds the pages clean and the file never gets what the device wrote.
 */
import type { LOCK_OPERATION } from '../../../personalities/wdm/contract';
import { MappedFileDevice, MappedFileRequest, mappedFileDriver } from '../reference';

class ViewLockedForRead extends MappedFileDevice {
  protected override lockOperation(_request: MappedFileRequest): LOCK_OPERATION {
    return 'IoReadAccess';
  }
}

export default mappedFileDriver({
  name: 'mapped-file-view-locked-for-read',
  breaksRule: 'PAGE-4',
  description: 'Locks the view with IoReadAccess when the device is to write into it, so what the device wrote never reaches the file.',
}, ViewLockedForRead);
