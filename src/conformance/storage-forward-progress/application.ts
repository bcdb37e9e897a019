/**
 * The application side of the storage-forward-progress class: the plain
 * reads and writes of read-write-direct, judged by one more rule: the
 * driver finishes every request it was given while its own allocations fail.
 */
import { ClassProtocol, readWriteTransfers } from '../class-protocol';
import { forwardProgressOracle } from '../../oracles/forward-progress-oracle';

/**
 * A storage driver must also finish every request it was given while its
 * allocations fail (SG-5). The forward-progress oracle excuses no failure for
 * lack of resources, so failures are injected where the class's rule speaks:
 * the driver's own scatter/gather lists and pool. A request the I/O manager
 * fails before the driver sees it is not the driver's to finish.
 */
export const storageForwardProgressProtocol: ClassProtocol = {
  conformanceClass: 'storage-forward-progress',
  bootOptions: {},
  unalignedStarts: true,
  pageInErrorsFailRequests: true,
  overlappingReads: true,
  failurePoints: ['GetScatterGatherList', 'ExAllocatePoolWithTag:NonPagedPool'],
  failureSites: ['driver'],
  poolExhaustion: false,
  endOracles: [forwardProgressOracle],
  afterOpen: () => true,
  ...readWriteTransfers,
};

