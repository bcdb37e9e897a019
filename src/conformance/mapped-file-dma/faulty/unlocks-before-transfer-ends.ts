/**
 * Faulty variant of reference driver 6 (mapped-file), breaking PAGE-1: once
 * the device has been given the view's addresses it unlocks the view, as if
 * the device only needed them at the start. The view is pageable again while
 * the device still writes: memory pressure takes its frames, and the
 * device's data lands in frames that now belong to nobody or somebody else.
 */
import { MappedFileDevice, MappedFileRequest, mappedFileDriver } from '../reference';

class UnlocksBeforeTransferEnds extends MappedFileDevice {
  protected override transferStarted(request: MappedFileRequest): void {
    super.transferStarted(request);
    this.unlockView(request);
  }
}

export default mappedFileDriver({
  name: 'mapped-file-unlocks-before-transfer-ends',
  breaksRule: 'PAGE-1',
  description: 'Unlocks the mapped view as soon as the device is programmed, while the device is still writing into it.',
}, UnlocksBeforeTransferEnds);
