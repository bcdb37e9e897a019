/**
 * Faulty variant of the direct-I/O driver (PAGE-1): it describes the
 * caller's buffer with an MDL of its own, built over Irp.UserBuffer, and maps
 * that for DMA without ever locking it; the MDL the I/O manager locked goes
 * unused. Nothing keeps the pages the device is given resident.
 */
import type { IRP } from '../../../personalities/wdm/contract';
import { DirectIoDevice, DirectIoRequest, directIoDriver } from '../reference';

class UnlockedMdlDevice extends DirectIoDevice {
  protected override requestFor(irp: IRP): DirectIoRequest {
    const request = super.requestFor(irp);
    const mdl = this.k.IoAllocateMdl(irp.UserBuffer!, request.length, false, false, null)!; // never MmProbeAndLockPages
    return { ...request, mdl, va: this.k.MmGetMdlVirtualAddress(mdl) };
  }
}

export default directIoDriver({
  name: 'direct-io-unlocked-mdl',
  breaksRule: 'PAGE-1',
  description: 'Maps for DMA an MDL of its own over the caller\'s buffer that it never locked.',
}, UnlockedMdlDevice);
