/**
 * The one cost table of the simulator: simulated nanoseconds charged to CPU
 * work and to bus traffic. Figures are orders of magnitude a driver writer
 * would recognise, not measurements of one machine; each names its source or
 * says it is an assumption. The performance rules (PAGE-6, DEV-3, DEV-4)
 * depend only on the ordering these figures imply, which the sources support.
 */
export interface CostEntry {
  readonly ns: number;
  readonly source: string;
}

export const COST = {
  // Memory manager
  probeAndLockPerPage: { ns: 120, source: 'assumption: page-table walk plus PFN reference per page; seed 000 (Jan) says per-request locking burns CPU time' },
  unlockPerPage: { ns: 60, source: 'assumption: half the lock cost, no table walk' },
  mdlAllocate: { ns: 200, source: 'assumption: one pool allocation' },
  pageFault: { ns: 1_500, source: 'assumption: soft fault, zero page' },
  pageInFromDisk: { ns: 5_000_000, source: 'assumption: one random disk read of 5 ms' },
  pageInSequential: { ns: 20_000, source: 'assumption: a page read right after its neighbour on disk streams at about 200 MB/s (no seek)' },
  pageOutToDisk: { ns: 5_000_000, source: 'assumption: one disk write of 5 ms' },
  poolAllocate: { ns: 150, source: 'assumption' },
  mapSystemPtesPerPage: { ns: 40, source: 'assumption: one PTE write per page' },
  tlbFlush: { ns: 1_000, source: 'assumption: seed 000 (Jan) names TLB thrashing as a cost of lock/unlock' },

  // HAL DMA layer
  sgElementBuild: { ns: 30, source: 'assumption: one (address, length) pair per physical run' },
  mapRegisterCopyPerByte: { ns: 0.25, source: 'assumption: memcpy at about 4 GB/s for bounce buffers' },
  adapterCall: { ns: 100, source: 'assumption: one HAL routine entry' },

  // Bus and devices
  linkBytesPerNs: { ns: 3.9, source: 'PCI Express 3.0 x4: about 3.9 GB/s of payload' },
  descriptorFetch: { ns: 400, source: 'assumption: one descriptor read across the link' },
  mmioRead: { ns: 800, source: 'assumption: a non-posted PCIe read round trip is under a microsecond' },
  mmioWrite: { ns: 100, source: 'assumption: posted write' },
  ioPortAccess: { ns: 2_000, source: 'seed 002: I/O ranges are accessed significantly slower than memory ranges; assumption for the figure' },
  blockTransferPerElement: { ns: 60, source: 'seed 002: block (string) transfers beat single calls; assumption for the figure' },
  singleAccessCallOverhead: { ns: 1_000, source: 'seed 002: one library call per access; assumption for the figure' },
  blockingCallOverhead: { ns: 20_000, source: 'seed 002: blocking transfer is the slowest; assumption: a blocking call parks the thread per chunk' },
  interruptLatency: { ns: 5_000, source: 'assumption: interrupt delivery plus context save' },
  isr: { ns: 2_000, source: 'assumption' },
  dpc: { ns: 3_000, source: 'assumption' },
  pollInterval: { ns: 1_000, source: 'assumption: one status read per microsecond while polling' },
  cpuCopyPerByte: { ns: 0.1, source: 'assumption: cached memcpy at about 10 GB/s' },
  uncachedCpuAccessPerByte: { ns: 1, source: 'assumption: uncached access about 10x slower than cached (CONT-7)' },
} satisfies Record<string, CostEntry>;

export type CostName = keyof typeof COST;
