/**
 * The application side of the read-write-direct class: ReadFile and
 * WriteFile on the device, of any size up to the class's largest request and
 * starting anywhere in a page, synchronous or overlapped, with hostile
 * buffers (a kernel address, a freed buffer, a buffer too short for the
 * request). Every failure point is injected, at the driver's and the I/O
 * manager's calls.
 */
import { ALL_FAILURES, ClassProtocol, readWriteTransfers } from '../class-protocol';

export const readWriteDirectProtocol: ClassProtocol = {
  conformanceClass: 'read-write-direct',
  bootOptions: {},
  unalignedStarts: true,
  pageInErrorsFailRequests: true,
  overlappingReads: true,
  ...ALL_FAILURES,
  endOracles: [],
  afterOpen: () => true,
  ...readWriteTransfers,
};

