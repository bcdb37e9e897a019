/**
 * Every byte matches the device's stream: each finished read's buffer held
 * exactly the stretch of the stream it asked for (checked when it finished,
 * see the workload), and every byte the device read for a write matched
 * what the application had put there (the device checks them as it reads).
 * The diagnosis names the rule (on a 32-bit device, data above 4 GiB goes
 * through bounce buffers, SG-6).
 */
import { certain, describeDiagnosis } from '../diagnosis/diagnosis';
import { evidenceOf } from '../diagnosis/evidence';
import { diagnoseDataMismatch } from '../diagnosis/device-access-rules';
import type { Workload } from '../workload/workload';
import { OracleFinding, diagnosedFinding } from './oracle-finding';
import { detectionEnabled } from '../kernel/detections/detection-switch';

export function dataOracle(workload: Workload): OracleFinding[] {
  const { dmaDevice } = workload.machine;
  const checker = dmaDevice.checker;
  const mismatched = detectionEnabled('READ-DATA-CHECK') ? workload.dataChecks.filter((c) => c.mismatch) : [];
  if (mismatched.length === 0 && checker.mismatchCount === 0) return [];
  const evidence = evidenceOf(workload);
  const findings: OracleFinding[] = [];
  for (const c of mismatched) {
    const d = c.of === 'driver-answer' ? certain(c.rule) : diagnoseDataMismatch(c.rule, evidence);
    findings.push(diagnosedFinding('data', d, `${c.label}: ${c.mismatch}${describeDiagnosis(d)}`));
  }
  if (checker.mismatchCount > 0) {
    const first = checker.mismatches[0]!;
    const d = diagnoseDataMismatch('PAGE-1', evidence, first.offset);
    findings.push(diagnosedFinding('data', d, `the device read ${checker.mismatchCount} byte(s) for writes that differ from what the applications wrote (of ${checker.bytesChecked} checked); first at stream offset ${first.offset}: expected 0x${first.expected.toString(16).padStart(2, '0')}, got 0x${first.got.toString(16).padStart(2, '0')}${describeDiagnosis(d)}`));
  }
  return findings;
}
