/**
 * Every scatter/gather list goes back exactly once (SG-3): each list the
 * driver got, from GetScatterGatherList or built into its own buffer with
 * BuildScatterGatherList, was put back with PutScatterGatherList, and none
 * twice. Checked while the driver is still loaded, once its requests have
 * finished, so the lists of its live adapters can be counted; a second put
 * and a build over a list still in use are the verifier's findings.
 */
import { diagnoseLeftover } from '../diagnosis/leftover-rules';
import type { Workload } from '../workload/workload';
import type { OracleFinding } from './oracle-finding';

const LIST_MISUSE = ['VER-SG-DOUBLE-PUT', 'VER-SG-BUFFER-IN-USE'] as const;

export function scatterGatherListAccounting(workload: Workload): OracleFinding[] {
  const { machine } = workload;
  const findings: OracleFinding[] = [];
  const found = (message: string) => findings.push({ oracle: 'leftovers', rule: 'SG-3', message });
  const outstanding = machine.io.outstandingRequests(workload.driverName);
  if (outstanding.length > 0) found(`${outstanding.length} request(s) of the driver are still outstanding; count the lists once the requests have finished`);
  for (const adapter of machine.hal.liveAdapters(workload.driverName)) {
    const lists = adapter.lists;
    if (lists.outstandingCount > 0) found(`${lists.outstandingCount} scatter/gather list(s) of ${adapter.label} were not put back (${lists.allocatedCount} handed out, ${lists.freedCount} put back)`);
  }
  for (const f of machine.verifier.findings) {
    if ((LIST_MISUSE as readonly string[]).includes(f.id)) findings.push({ oracle: 'verifier', rule: 'SG-3', message: `${f.id}: ${f.details}` });
  }
  return findings;
}

/** Lists the driver's live adapters have handed out so far. */
export function scatterGatherListsHandedOut(workload: Workload): number {
  return workload.machine.hal.liveAdapters(workload.driverName).reduce((n, a) => n + a.lists.allocatedCount, 0);
}

/**
 * What the driver mapped is given back once its requests have finished: its
 * scatter/gather lists (SG-3), or, for a driver that maps with
 * AllocateAdapterChannel and MapTransfer instead and got no list, its
 * adapter channels and map registers (as the leftovers oracle files them).
 */
export function mappingAccounting(workload: Workload): OracleFinding[] {
  const findings = scatterGatherListAccounting(workload);
  if (scatterGatherListsHandedOut(workload) > 0) return findings;
  for (const adapter of workload.machine.hal.liveAdapters(workload.driverName)) {
    const o = adapter.outstanding();
    if (o.mapRegisters > 0 || o.channels > 0) {
      findings.push({ oracle: 'leftovers', rule: diagnoseLeftover('channel-or-map-registers-held').rule, message: `${adapter.label} still has ${o.channels} adapter channel(s) and ${o.mapRegisters} map register(s) held after the driver's requests finished` });
    }
  }
  return findings;
}
