/**
 * Faulty variant of reference driver 6 (mapped-file), breaking PAGE-3: it
 * probes and locks the caller's view without catching the exception
 * MmProbeAndLockPages raises for an address the caller does not own. A view
 * the application already unmapped then stops the machine (0x1E) instead of
 * failing the request.
 */
import { STATUS } from '../../../personalities/wdm/contract';
import type { NtStatus } from '../../../personalities/wdm/contract';
import { MappedFileDevice, MappedFileRequest, mappedFileDriver } from '../reference';

class UnguardedProbe extends MappedFileDevice {
  protected override lockView(request: MappedFileRequest): NtStatus {
    const mdl = this.k.IoAllocateMdl(request.view, request.length, false, false, null);
    if (!mdl) return STATUS.INSUFFICIENT_RESOURCES;
    this.k.MmProbeAndLockPages(mdl, request.irp.RequestorMode, this.lockOperation(request));
    request.mdl = mdl;
    return STATUS.SUCCESS;
  }
}

export default mappedFileDriver({
  name: 'mapped-file-unguarded-probe',
  breaksRule: 'PAGE-3',
  description: 'Calls MmProbeAndLockPages on the caller\'s view outside a try block, so a bad view address raises through the driver.',
}, UnguardedProbe);
