/**
 * Faulty variant of the shared-buffer driver (PAGE-3): it probes and locks
 * the queue region the application names without handling the exception
 * the probe raises for an address the application does not own.
 */
import { STATUS } from '../../../personalities/wdm/contract';
import type { MDL, NtStatus } from '../../../personalities/wdm/contract';
import { SharedBufferDevice, sharedBufferDriver } from '../reference';

class UnguardedProbeDevice extends SharedBufferDevice {
  protected override lockQueue(mdl: MDL): NtStatus {
    this.k.MmProbeAndLockPages(mdl, 'UserMode', 'IoWriteAccess'); // no __try/__except
    return STATUS.SUCCESS;
  }
}

export default sharedBufferDriver({
  name: 'shared-buffer-unguarded-probe',
  breaksRule: 'PAGE-3',
  description: 'Probes the application\'s queue region without catching the exception a bad address raises.',
}, UnguardedProbeDevice);
