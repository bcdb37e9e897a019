/**
 * Common buffers (CONT-1, CONT-7): memory the CPU and the device share for
 * the life of the driver, contiguous in both the system's virtual space and
 * the device's address space, non-cached unless the caller allows caching.
 * FreeCommonBuffer must repeat the allocation's parameters exactly.
 *
 * KeFlushIoBuffers lives here too: on the simulated x64 machine DMA is cache
 * coherent, so it moves no data; it still requires a locked MDL.
 */
import { COST } from '../../machine/cost-model';
import { DISPATCH_LEVEL, PASSIVE_LEVEL } from '../../machine/irql';
import { formatAddress } from '../../contracts/units';
import type { MDL } from '../mm/mdl';
import type { DeviceMapping } from '../verifier/dma-verifier';
import type { Acquisition } from '../../machine/driver-place';
import type { DmaVerifier } from '../verifier/dma-verifier';
import type { Kernel } from '../kernel';
import type { DmaAdapter, PHYSICAL_ADDRESS } from './dma-adapter';
import { MmGetMdlVirtualAddress } from '../mm/mdl';
import { pagePieces } from './device-address-space';
import { mdlPagesAreLocked } from './mdl-pages';

interface CommonBufferRecord {
  readonly va: number;
  readonly length: number;
  readonly logicalAddress: number;
  readonly cacheEnabled: boolean;
  readonly mapping: DeviceMapping;
  readonly release: () => void;
  readonly driver: string | null;
  /** The driver's AllocateCommonBuffer call, for a buffer never freed. */
  readonly acquired: Acquisition | null;
}

export class CommonBuffers {
  private readonly live = new Map<number, CommonBufferRecord>();

  constructor(private readonly adapter: DmaAdapter) {}

  get outstandingCount(): number {
    return this.live.size;
  }

  outstanding(): { va: number; length: number; logicalAddress: number; cacheEnabled: boolean }[] {
    return [...this.live.values()].map(({ va, length, logicalAddress, cacheEnabled }) => ({ va, length, logicalAddress, cacheEnabled }));
  }

  /** Where the driver allocated each buffer not yet freed, oldest first. */
  outstandingAcquisitions(): (Acquisition | null)[] {
    return [...this.live.values()].map((r) => r.acquired);
  }

  /**
   * AllocateCommonBuffer: the system virtual address, or null when no
   * contiguous run the device can reach is free (later in uptime only small
   * requests succeed, CONT-2). `logicalAddress` receives the device address.
   */
  AllocateCommonBuffer(length: number, logicalAddress: PHYSICAL_ADDRESS, cacheEnabled: boolean): number | null {
    const a = this.adapter;
    if (!a.enter('AllocateCommonBuffer', PASSIVE_LEVEL)) return null;
    if (!(Number.isSafeInteger(length) && length > 0)) return null;
    const callSite = a.kernel.cpu.currentDriver ?? '';
    if (a.kernel.faults.shouldFail('AllocateCommonBuffer', callSite)) return null;
    const acquired = a.kernel.cpu.acquisition('AllocateCommonBuffer');
    const va = a.kernel.faults.onBehalf(() => a.kernel.mm.MmAllocateContiguousMemorySpecifyCache(length, 0, a.mapRegisters.highestAddress, 0, cacheEnabled ? 'MmCached' : 'MmNonCached', callSite, acquired));
    if (va === null) return null;
    const device = a.addressing.map(pagePieces(a.kernel.mm.physicalAddressOf(va), length), true);
    if (!device) {
      a.kernel.mm.MmFreeContiguousMemory(va);
      return null;
    }
    const logical = device.addresses[0]!;
    const mapping = a.map('common-buffer', [{ address: logical, length }], 0, null, `common buffer at ${formatAddress(va)}`);
    this.live.set(va, { va, length, logicalAddress: logical, cacheEnabled, mapping, release: device.release, driver: a.kernel.cpu.currentDriver, acquired });
    logicalAddress.QuadPart = logical;
    return va;
  }

  FreeCommonBuffer(length: number, logicalAddress: PHYSICAL_ADDRESS, virtualAddress: number, cacheEnabled: boolean): void {
    const a = this.adapter;
    if (!a.enter('FreeCommonBuffer', PASSIVE_LEVEL)) return;
    const r = this.live.get(virtualAddress);
    if (!r) {
      a.verifier.report('VER-COMMON-BUFFER-DOUBLE-FREE', 1, virtualAddress, a.id, `FreeCommonBuffer of ${formatAddress(virtualAddress)} on ${a.label}: no common buffer of this adapter starts there (freed already?)`);
      return;
    }
    if (length !== r.length) {
      a.verifier.report('VER-UNMAP-MISMATCH', 1, r.length, length, `FreeCommonBuffer of ${formatAddress(virtualAddress)} with Length ${length}; it was allocated with ${r.length}`);
    }
    if (logicalAddress?.QuadPart !== r.logicalAddress) {
      a.verifier.report('VER-UNMAP-MISMATCH', 4, r.logicalAddress, logicalAddress?.QuadPart ?? 0, `FreeCommonBuffer of ${formatAddress(virtualAddress)} with LogicalAddress ${formatAddress(logicalAddress?.QuadPart ?? 0)}; it is ${formatAddress(r.logicalAddress)}`);
    }
    if (cacheEnabled !== r.cacheEnabled) {
      a.verifier.report('VER-UNMAP-MISMATCH', 5, r.cacheEnabled ? 1 : 0, cacheEnabled ? 1 : 0, `FreeCommonBuffer of ${formatAddress(virtualAddress)} with CacheEnabled=${cacheEnabled}; it was allocated with ${r.cacheEnabled}`);
    }
    this.live.delete(virtualAddress);
    a.unmap(r.mapping);
    r.release();
    a.kernel.mm.MmFreeContiguousMemory(virtualAddress);
  }
}

/**
 * KeFlushIoBuffers: make the processor caches and memory agree for a
 * transfer. The simulated x64 machine keeps DMA coherent, so no data moves;
 * the routine still charges its cost and requires the MDL's pages to be
 * locked, since flushing a buffer that is not held for I/O is a sync outside
 * any mapping.
 */
export function KeFlushIoBuffers(kernel: Kernel, verifier: DmaVerifier, mdl: MDL, readOperation: boolean, dmaOperation: boolean): void {
  kernel.clock.charge(COST.adapterCall.ns, 'hal:KeFlushIoBuffers');
  if (kernel.cpu.irql > DISPATCH_LEVEL) {
    verifier.reportWrongIrql(kernel.cpu.irql, DISPATCH_LEVEL, 'KeFlushIoBuffers called above DISPATCH_LEVEL');
  }
  if (!mdlPagesAreLocked(mdl)) {
    verifier.report('VER-SYNC-OUTSIDE-MAPPING', mdl.id, MmGetMdlVirtualAddress(mdl), mdl.ByteCount,
      `KeFlushIoBuffers(${readOperation ? 'read' : 'write'}, ${dmaOperation ? 'DMA' : 'PIO'}) of MDL #${mdl.id}, whose pages are not locked`);
  }
}
