/**
 * No verifier finding: nothing the DMA verifier recorded (in record mode a
 * finding does not stop the machine, so it is only seen here) and nothing the
 * I/O manager's request checks recorded against the driver (requests left
 * pending at cleanup, pending without IoMarkIrpPending, a returned status
 * that differs from the completed one ...). The diagnosis names the rule.
 */
import { describeDiagnosis } from '../diagnosis/diagnosis';
import { evidenceOf } from '../diagnosis/evidence';
import { diagnoseIoFinding } from '../diagnosis/io-finding-rules';
import { diagnoseVerifierFinding } from '../diagnosis/verifier-finding-rules';
import type { Workload } from '../workload/workload';
import { OracleFinding, diagnosedFinding } from './oracle-finding';
import { detectionEnabled } from '../kernel/detections/detection-switch';

export function verifierOracle(workload: Workload): OracleFinding[] {
  const { machine } = workload;
  const findings: OracleFinding[] = [];
  const evidence = machine.verifier.findings.length > 0 ? evidenceOf(workload) : null;
  for (const f of detectionEnabled('VERIFIER-ORACLE') ? machine.verifier.findings : []) {
    const d = diagnoseVerifierFinding(f, evidence!);
    findings.push(diagnosedFinding('verifier', d, `the DMA verifier found ${f.id}: ${f.details}${describeDiagnosis(d)}`, { entry: f.id, ...(f.place ? { place: f.place } : {}) }));
  }
  for (const f of machine.io.findingsOf(workload.driverName)) {
    findings.push(diagnosedFinding('verifier', diagnoseIoFinding(f.kind), `the I/O manager found ${f.kind}: ${f.detail}`, f.place ? { place: f.place } : {}));
  }
  return findings;
}
