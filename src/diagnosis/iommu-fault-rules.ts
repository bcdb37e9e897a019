/**
 * DMA the IOMMU blocked: the device used a bus address nothing is mapped at
 * for it. Read as a physical address, a blocked address that falls in kernel
 * memory (a common buffer, contiguous memory) shows the driver programmed the
 * buffer's CPU physical address (MmGetPhysicalAddress) instead of the device
 * address it came with (CONT-1); one in a process's page shows a user buffer
 * given by physical address instead of through its scatter/gather list, which
 * only the adapter maps for the device (SG-1).
 */
import { PAGE_SIZE } from '../contracts/units';
import { describedWiderThanTheDevice } from './device-access-rules';
import { Diagnosis, ambiguous, certain } from './diagnosis';
import type { Evidence } from './evidence';
import type { RuleRef } from '../rules/rule-ref';

export function diagnoseIommuFault(rule: RuleRef, busAddress: number, evidence: Evidence): Diagnosis {
  const truncated = describedWiderThanTheDevice(evidence);
  if (truncated) return certain('SG-6', truncated);
  if (!evidence.iommu) return certain(rule);
  const owner = evidence.frameOwner(Math.floor(busAddress / PAGE_SIZE));
  const at = `0x${busAddress.toString(16).toUpperCase()}`;
  if (owner.kind === 'system') {
    return ambiguous(['CONT-1', 'SG-1'], `the blocked bus address ${at} is the CPU physical address of kernel memory: the device was programmed with a buffer's physical address instead of the device address the buffer came with`);
  }
  if (owner.kind === 'process') {
    return ambiguous(['SG-1', 'CONT-1'], `the blocked bus address ${at} is the physical address of a page of ${owner.name}: the buffer was given to the device by physical address instead of through a mapping of the adapter`);
  }
  return certain(rule);
}
