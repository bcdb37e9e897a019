/**
 * No DMA touched memory the applications do not own: the device never read
 * or wrote a free frame or a frame of another process (the DMA trace saw
 * every access), and kernel memory an application passed as its buffer came
 * out unchanged. The diagnosis names the rule of a stray access.
 */
import { describeDiagnosis } from '../diagnosis/diagnosis';
import { evidenceOf } from '../diagnosis/evidence';
import { diagnoseDeviceAccess } from '../diagnosis/device-access-rules';
import { describeStrayAccess } from '../workload/dma-trace';
import { guardBreach } from '../workload/hostile-input';
import type { Workload } from '../workload/workload';
import { OracleFinding, diagnosedFinding } from './oracle-finding';
import { detectionEnabled } from '../kernel/detections/detection-switch';

export function ownershipOracle(workload: Workload): OracleFinding[] {
  const findings: OracleFinding[] = [];
  const trace = workload.session?.trace;
  if (trace && trace.stray.length > 0 && detectionEnabled('OWNERSHIP-ORACLE')) {
    const evidence = evidenceOf(workload);
    for (const a of trace.stray) {
      const d = diagnoseDeviceAccess('PAGE-1', a.pfn, evidence);
      findings.push(diagnosedFinding('ownership', d, `${describeStrayAccess(a)}${describeDiagnosis(d)}`));
    }
    if (trace.strayCount > trace.stray.length) {
      const d = diagnoseDeviceAccess('PAGE-1', null, evidence);
      findings.push(diagnosedFinding('ownership', d, `... and ${trace.strayCount - trace.stray.length} more device access(es) to memory no application owned`));
    }
  }
  if (!workload.machine.kernel.stopped && detectionEnabled('OWNERSHIP-ORACLE')) {
    for (const g of workload.guards) {
      const breach = guardBreach(workload, g);
      if (breach) findings.push({ oracle: 'ownership', rule: 'PAGE-3', message: breach });
    }
  }
  return findings;
}
