/**
 * Every mapping goes back exactly once, whichever way the driver maps (the
 * contract allows GetScatterGatherList, BuildScatterGatherList, or
 * AllocateAdapterChannel and MapTransfer): each scatter/gather list the
 * driver got was put back with PutScatterGatherList, and none twice (SG-3);
 * no adapter channel is held or requested and no map registers are kept
 * once the requests have finished (freed with FreeAdapterChannel or
 * FreeMapRegisters; named for the rule the verifier's catalog gives the same
 * leak at PutDmaAdapter). Checked while the driver is still loaded, once its
 * requests have finished, so the mappings of its live adapters can be
 * counted; a second put, a build over a list still in use and registers
 * freed with elements never flushed are the verifier's findings.
 */
import type { Workload } from '../workload/workload';
import { violationEntry } from '../kernel/verifier/violation-catalog';
import type { OracleFinding } from './oracle-finding';

const LIST_MISUSE = ['VER-SG-DOUBLE-PUT', 'VER-SG-BUFFER-IN-USE'] as const;

export function mappingAccounting(workload: Workload): OracleFinding[] {
  const { machine } = workload;
  const findings: OracleFinding[] = [];
  const found = (message: string) => findings.push({ oracle: 'leftovers', rule: 'SG-3', message });
  const outstanding = machine.io.outstandingRequests(workload.driverName);
  if (outstanding.length > 0) found(`${outstanding.length} request(s) of the driver are still outstanding; count the lists once the requests have finished`);
  for (const adapter of machine.hal.liveAdapters(workload.driverName)) {
    const lists = adapter.lists;
    if (lists.outstandingCount > 0) found(`${lists.outstandingCount} scatter/gather list(s) of ${adapter.label} were not put back (${lists.allocatedCount} handed out, ${lists.freedCount} put back)`);
    const { channel } = adapter;
    if (channel.outstandingChannels > 0) {
      findings.push({ oracle: 'leftovers', rule: violationEntry('VER-ADAPTER-RELEASED-WITH-CHANNELS').rule, message: `${channel.outstandingChannels} adapter channel(s) of ${adapter.label} are held or requested after the driver's requests finished` });
    }
    if (channel.outstandingBases > 0) {
      findings.push({ oracle: 'leftovers', rule: violationEntry('VER-ADAPTER-RELEASED-WITH-MAP-REGISTERS').rule, message: `${channel.outstandingBases} map register base(s) of ${adapter.label} were not freed after the driver's requests finished` });
    }
  }
  for (const f of machine.verifier.findings) {
    if ((LIST_MISUSE as readonly string[]).includes(f.id)) findings.push({ oracle: 'verifier', rule: 'SG-3', message: `${f.id}: ${f.details}` });
  }
  return findings;
}

/** Mappings the driver's live adapters have handed out so far: scatter/gather lists and adapter channels granted. */
export function mappingsHandedOut(workload: Workload): number {
  return workload.machine.hal.liveAdapters(workload.driverName).reduce((n, a) => n + a.lists.allocatedCount + a.channel.grantedRequests, 0);
}
