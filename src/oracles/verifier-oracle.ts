/**
 * No verifier finding: nothing the DMA verifier recorded (in record mode a
 * finding does not stop the machine, so it is only seen here) and nothing the
 * I/O manager's request checks recorded against the driver (requests left
 * pending at cleanup, pending without IoMarkIrpPending, a returned status
 * that differs from the completed one ...).
 */
import type { IoFindingKind } from '../kernel/io/io-finding';
import type { Workload } from '../workload/workload';
import type { OracleFinding } from './oracle-finding';

/** The rule each of the I/O manager's findings guards. */
const IO_FINDING_RULES: Record<IoFindingKind, string> = {
  'cleanup-left-requests-pending': 'PAGE-5',
  'pending-not-marked': 'MDL-4',
  'returned-without-completing': 'MDL-4',
  'status-mismatch': 'MDL-4',
  'completed-with-cancel-routine': 'PAGE-5',
  'completed-with-status-pending': 'MDL-4',
  'information-exceeds-buffer': 'SG-7',
  'cancel-spin-lock-not-released': 'PAGE-5',
  'device-initializing-not-cleared': 'DEV-1',
  'device-not-deleted': 'VER-LEAK-AT-UNLOAD',
  'interrupt-still-connected': 'VER-LEAK-AT-UNLOAD',
};

export function verifierOracle(workload: Workload): OracleFinding[] {
  const { machine } = workload;
  const findings: OracleFinding[] = [];
  for (const f of machine.verifier.findings) {
    findings.push({ oracle: 'verifier', rule: f.rule === 'VER-*' ? f.id : f.rule, message: `the DMA verifier found ${f.id}: ${f.details}` });
  }
  for (const f of machine.io.findingsOf(workload.driverName)) {
    findings.push({ oracle: 'verifier', rule: IO_FINDING_RULES[f.kind], message: `the I/O manager found ${f.kind}: ${f.detail}` });
  }
  return findings;
}
