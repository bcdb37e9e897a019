/**
 * The I/O manager's request checks (src/kernel/io/io-finding.ts) and the rule
 * each guards.
 */
import type { IoFindingKind } from '../kernel/io/io-finding';
import { Diagnosis, certain } from './diagnosis';
import type { RuleRef } from '../rules/rule-ref';

const IO_FINDING_RULES: Record<IoFindingKind, RuleRef> = {
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

export function diagnoseIoFinding(kind: IoFindingKind): Diagnosis {
  return certain(IO_FINDING_RULES[kind]);
}
