/**
 * Every request completed with the right status and length: the ones
 * nothing disturbed succeeded with their full length; the ones overtaken by
 * a handle close, a process exit, failing allocations or a device fault
 * succeeded or ended in that event's documented status; hostile input got
 * an error status. A request that never finished is reported too.
 */
import { unmetExpectation } from '../workload/request-ledger';
import type { Workload } from '../workload/workload';
import type { OracleFinding } from './oracle-finding';

export function completionOracle(workload: Workload): OracleFinding[] {
  const findings: OracleFinding[] = [];
  for (const t of workload.ledger.requests) {
    const unmet = unmetExpectation(t);
    if (!unmet) continue;
    findings.push({ oracle: 'completion', rule: t.request.done ? t.rule : 'PAGE-5', message: unmet });
  }
  return findings;
}
