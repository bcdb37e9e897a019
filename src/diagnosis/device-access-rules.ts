/**
 * DMA that landed where it must not (an unlocked frame, a frame nobody owns,
 * an address nothing maps for the device, data that differs from the
 * stream): which rule the driver broke to send it there.
 *
 * - A device that drives only 32 address bits, given an adapter described as
 *   64-bit (Dma64BitAddresses), gets no bounce buffers: every page above
 *   4 GiB is reached at its address truncated to 32 bits (SG-6), which is what
 *   a locking check then sees as DMA into memory nobody locked.
 * - DMA into an unlocked page of a process that raised its working set: the
 *   driver relied on the working set to keep the page resident (PAGE-2), a
 *   hint the trimmer may ignore, unless the application had cancelled
 *   requests and so taken their buffers back (PAGE-1 first); without a raised
 *   working set, plain missing locking (PAGE-1).
 */
import { PAGE_SIZE } from '../contracts/units';
import { Diagnosis, ambiguous, certain } from './diagnosis';
import type { Evidence } from './evidence';
import type { RuleRef } from '../rules/rule-ref';

/** The 32-bit device was described to the HAL as 64-bit, when it was. */
export function describedWiderThanTheDevice(evidence: Evidence): string | null {
  if (evidence.deviceAddressBits !== 32) return null;
  const wide = evidence.adapters.filter((a) => a.describedAs64Bit);
  if (wide.length === 0) return null;
  return `the device drives 32 address bits but ${wide.map((a) => a.label).join(', ')} was described with Dma64BitAddresses, so the HAL set up no bounce buffers and the DMA went to the address truncated to 32 bits`;
}

/** The application whose raised working set the page relied on: the page's owner, or, once the trimmer took the page, the one that raised it. */
function workingSetRaiser(pfn: number, evidence: Evidence): { name: string; trimmed: boolean } | null {
  const owner = evidence.frameOwner(pfn);
  if (owner.kind === 'system') return null;
  if (owner.kind === 'process' && owner.workingSetRaised) return { name: owner.name, trimmed: false };
  const raised = evidence.workingSetRaisedBy[0];
  return raised === undefined ? null : { name: raised, trimmed: true };
}

/**
 * A device access to frame `pfn` (null when not known) that the check guarding
 * `rule` caught: an unlocked frame (PAGE-1), a frame outside every mapping, a
 * frame the applications do not own.
 */
export function diagnoseDeviceAccess(rule: RuleRef, pfn: number | null, evidence: Evidence, mdlId?: number): Diagnosis {
  const truncated = describedWiderThanTheDevice(evidence);
  if (truncated) return certain('SG-6', truncated);
  // Found at map time there is no frame yet, but the MDL says whose buffer it is.
  const mdlOwner = pfn === null && mdlId !== undefined ? evidence.processOfMdl(mdlId) : null;
  const raiser = rule !== 'PAGE-1' ? null
    : pfn !== null ? workingSetRaiser(pfn, evidence)
      : mdlOwner && evidence.workingSetRaisedBy.includes(mdlOwner) ? { name: mdlOwner, trimmed: false } : null;
  if (raiser) {
    const where = pfn === null ? `MDL #${mdlId} describes ${raiser.name}'s buffer, no longer locked` : raiser.trimmed ? `frame ${pfn} is no longer ${raiser.name}'s page (the trimmer took it)` : `frame ${pfn} is ${raiser.name}'s`;
    // A buffer the application took back by cancelling is plain DMA into memory the driver gave up (PAGE-1).
    if (evidence.cancelledRequestsOf.includes(raiser.name)) {
      return ambiguous(['PAGE-1', 'PAGE-2'], `${where}; ${raiser.name} raised its working set, but also cancelled requests, taking their buffers back: the device wrote a buffer the driver had given up`);
    }
    return ambiguous(['PAGE-2', 'PAGE-1'], `${where}, and ${raiser.name} raised its working set: the driver relied on the working set to keep the page resident, a hint the trimmer may ignore, and no lock held it`);
  }
  return certain(rule);
}

/**
 * DMA to an address no buffer of the driver's mapped for the device
 * (`address`, 0 when not known). On a machine without an IOMMU the address is
 * a physical one: when it falls in kernel memory (pool, say), the driver
 * programmed the device with the CPU physical address of its own allocation,
 * which no adapter mapped for the device, instead of a common buffer's device
 * address (CONT-1) or a scatter/gather list's (SG-1).
 */
export function diagnoseDmaOutsideBuffers(rule: RuleRef, address: number, evidence: Evidence): Diagnosis {
  const pfn = address > 0 ? Math.floor(address / PAGE_SIZE) : null;
  if (pfn !== null && !evidence.iommu && !describedWiderThanTheDevice(evidence) && evidence.frameOwner(pfn).kind === 'system') {
    const at = `0x${address.toString(16).toUpperCase()}`;
    return ambiguous(['CONT-1', 'SG-1', rule], `the device reached ${at}, the physical address of kernel memory no adapter mapped for it: the device was programmed with the CPU physical address of an allocation instead of the device address of a common buffer or a scatter/gather list`);
  }
  return diagnoseDeviceAccess(rule, pfn, evidence);
}

/**
 * Bytes the device moved that differ from the stream (`rule` is what the
 * check guards; `streamOffset`, where known, the first byte that differs).
 */
export function diagnoseDataMismatch(rule: RuleRef, evidence: Evidence, streamOffset?: number): Diagnosis {
  const truncated = describedWiderThanTheDevice(evidence);
  if (truncated) return certain('SG-6', truncated);
  const early = streamOffset === undefined ? null : evidence.completedBeforeDevice(streamOffset);
  if (early) {
    return certain('PAGE-1', `${early.label} completed at ${early.completedAtNs} ns, before the device finished moving its data at ${early.deviceEndedNs} ns: completing it unlocked the buffer while the device still used it`);
  }
  if (evidence.bounces && rule !== 'SG-6') return ambiguous(['SG-6', rule], 'the adapter goes through bounce buffers (a 32-bit device with RAM above 4 GiB), which are copied at flush time');
  return certain(rule);
}
