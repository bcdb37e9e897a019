/**
 * A DMA verifier finding (recorded, or the 0xE6 stop it raised) and the rule
 * broken. The catalog entry names the rule its check guards (the entry's ID
 * for the verifier's own checks), so a new entry needs nothing here; for the
 * checks whose cause the entry alone does not settle, the evidence refines it.
 */
import { LIST_IN_BUFFER, VIOLATION_CATALOG, ViolationEntry } from '../kernel/verifier/violation-catalog';
import { diagnoseDeviceAccess, diagnoseDmaOutsideBuffers } from './device-access-rules';
import { Diagnosis, certain } from './diagnosis';
import type { Evidence } from './evidence';
import { diagnoseIommuFault } from './iommu-fault-rules';
import { diagnoseAdapterReleasedWithLists, diagnoseListBufferInUse } from './list-rules';
import type { RuleRef } from '../rules/rule-ref';

/** The rule a catalog entry's check guards: its own ID for the verifier's checks (VER-*). */
export function ruleOfEntry(entry: Pick<ViolationEntry, 'id' | 'rule'>): RuleRef {
  return entry.rule === 'VER-*' ? (entry.id as RuleRef) : entry.rule;
}

/** The catalog entry of an ID, or null for an ID the catalog does not have. */
export function catalogEntry(id: string, catalog: readonly ViolationEntry[] = VIOLATION_CATALOG): ViolationEntry | null {
  return catalog.find((e) => e.id === id) ?? null;
}

export interface VerifierObservation {
  readonly id: string;
  /** Parameters 1..4 of the finding, as bug check 0xE6 carries them. */
  readonly parameters: readonly number[];
}

export function diagnoseVerifierFinding(finding: VerifierObservation, evidence: Evidence, catalog: readonly ViolationEntry[] = VIOLATION_CATALOG): Diagnosis {
  const entry = catalogEntry(finding.id, catalog);
  // An ID no catalog has: the verifier's checks as a whole.
  if (!entry) return certain('VER-*', `${finding.id} is no entry of the verifier catalog`);
  const rule = ruleOfEntry(entry);
  const p3 = finding.parameters[2] ?? 0;
  switch (entry.id) {
    case 'VER-UNLOCKED-DMA':
      // P3 is the frame a device touched (0 when found at map time, before any DMA).
      return diagnoseDeviceAccess(rule, p3 > 0 ? p3 : null, evidence, finding.parameters[1]);
    case 'VER-DMA-OUTSIDE-BUFFER':
      return diagnoseDmaOutsideBuffers(rule, p3, evidence);
    case 'VER-IOMMU-FAULT':
      return diagnoseIommuFault(rule, p3, evidence);
    case 'VER-ADAPTER-RELEASED-WITH-SG-LISTS':
      return diagnoseAdapterReleasedWithLists(rule, evidence);
    case 'VER-SG-BUFFER-IN-USE':
      // P3: the MDL of the list the buffer holds; P4: how far its transfer got.
      return diagnoseListBufferInUse(rule, evidence, { mdlId: p3, state: finding.parameters[3] ?? LIST_IN_BUFFER.moved });
    default:
      return certain(rule);
  }
}
