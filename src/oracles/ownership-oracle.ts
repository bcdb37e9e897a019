/**
 * No DMA touched memory the applications do not own: the device never read
 * or wrote a free frame or a frame of another process (the DMA trace saw
 * every access), and kernel memory an application passed as its buffer came
 * out unchanged.
 */
import { describeStrayAccess } from '../workload/dma-trace';
import { guardBreach } from '../workload/hostile-input';
import type { Workload } from '../workload/workload';
import type { OracleFinding } from './oracle-finding';

export function ownershipOracle(workload: Workload): OracleFinding[] {
  const findings: OracleFinding[] = [];
  const trace = workload.session?.trace;
  if (trace) {
    for (const a of trace.stray) findings.push({ oracle: 'ownership', rule: 'PAGE-1', message: describeStrayAccess(a) });
    if (trace.strayCount > trace.stray.length) {
      findings.push({ oracle: 'ownership', rule: 'PAGE-1', message: `... and ${trace.strayCount - trace.stray.length} more device access(es) to memory no application owned` });
    }
  }
  if (!workload.machine.kernel.stopped) {
    for (const g of workload.guards) {
      const breach = guardBreach(workload, g);
      if (breach) findings.push({ oracle: 'ownership', rule: 'PAGE-3', message: breach });
    }
  }
  return findings;
}
