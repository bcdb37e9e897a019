/**
 * The rule of the catalog a bug check stands for, so a stop during a
 * workload is reported against the rule the driver broke (docs/RULES.md;
 * REFERENCES.md for the codes). A DMA verifier stop (0xE6) is diagnosed as
 * the finding of its catalog entry (verifier-finding-rules.ts).
 */
import { BugCheck } from '../machine/bug-check';
import type { MemoryFault } from '../machine/memory-fault';
import { formatAddress } from '../contracts/units';
import { PROJECT_C4_LIST } from '../kernel/verifier/project-codes';
import { DRIVER_VERIFIER_DMA_VIOLATION, entryOfVerifierStop } from '../kernel/verifier/violation-catalog';
import { Diagnosis, certain } from './diagnosis';
import type { Evidence } from './evidence';
import { diagnoseVerifierFinding, ruleOfEntry } from './verifier-finding-rules';
import type { RuleId } from '../rules/rule-catalog';
import type { RuleRef } from '../rules/rule-ref';

/** Driver Verifier's 0xC4 sub-codes (parameter 1) and the rule each guards. */
const VERIFIER_SUB_CODES: Readonly<Record<number, RuleId>> = {
  0x00: 'CONT-4', 0x01: 'CONT-4', 0x02: 'CONT-4',
  0x70: 'PAGE-1', 0x76: 'MDL-3', 0x77: 'CONT-6', 0x78: 'PAGE-5',
  0x7c: 'PAGE-5', 0x7d: 'PAGE-7', 0x7f: 'PAGE-7',
  0x85: 'PAGE-1',
  0xb0: 'PAGE-7', 0xb4: 'MDL-2', 0xb8: 'MDL-3',
  // The project's own sub-codes, for checks Windows has no code for.
  ...Object.fromEntries(PROJECT_C4_LIST.map((c) => [c.parameter1, c.rule])),
};

/** Other stop codes and the rule each guards. */
const STOP_CODES: Readonly<Record<number, RuleId>> = {
  0x05: 'CONT-6', // attaching to a process (to undo a user mapping there) at raised IRQL or to one that is gone
  0x0a: 'PAGE-1', // pageable memory touched at DISPATCH_LEVEL or above
  0xd1: 'PAGE-1',
  0x1e: 'PAGE-3', // a raised status the driver did not handle (a probe failure); a program error is a crash (driver-crash.ts)
  0x3f: 'MDL-3', // no system PTEs, and the mapping was told to bug check
  0x40: 'MDL-2', // partial MDL outside its source
  0x44: 'MDL-4', // a request completed twice
  0x50: 'PAGE-3',
  0x76: 'PAGE-5', // process exited with locked pages
  0xcb: 'PAGE-5',
  0x7a: 'PAGE-3',
  0xc2: 'CONT-4', // bad pool caller
  0xf2: 'DEV-3', // interrupt storm: the ISR never acknowledged
};

/** The rule a stop code and parameter 1 stand for, from the code alone. */
export function ruleOfBugCheck(stop: Pick<BugCheck, 'code' | 'parameters'>): RuleRef {
  const [p1] = stop.parameters;
  if (stop.code === DRIVER_VERIFIER_DMA_VIOLATION) {
    const entry = entryOfVerifierStop(stop);
    return entry ? ruleOfEntry(entry) : 'VER-*';
  }
  if (stop.code === 0x4e) return p1 === 0x9a ? 'MDL-2' : 'PAGE-5';
  if (stop.code === 0xc4) return VERIFIER_SUB_CODES[p1!] ?? 'VER-*';
  return STOP_CODES[stop.code] ?? 'VER-*';
}

/**
 * The rule a faulting access shows broken, from what it touched and where
 * it ran; null when the fault says nothing beyond the stop code.
 */
export function diagnoseFault(fault: MemoryFault): Diagnosis | null {
  const at = formatAddress(fault.address);
  switch (fault.reason) {
    case 'no-process-context':
      return certain('MDL-3', `user address ${at} was touched where no process is current; outside the requesting process a buffer is reached through its MDL's system address`);
    case 'released-system-mapping':
      return certain('MDL-3', `system address ${at} was MDL #${fault.mdlId}'s system mapping, used after the mapping was released`);
    case 'user-memory-at-raised-irql':
      return certain('PAGE-3', `user address ${at} was probed and locked at raised IRQL; a user buffer is probed and locked in the requesting process at PASSIVE_LEVEL or APC_LEVEL`);
    case 'invalid-address':
      return null;
  }
}

/** The rule a stop stands for, with the evidence of the machine it stopped and of the access that stopped it. */
export function diagnoseBugCheck(stop: Pick<BugCheck, 'code' | 'parameters'> & Partial<Pick<BugCheck, 'fault'>>, evidence: Evidence): Diagnosis {
  const entry = entryOfVerifierStop(stop);
  if (entry) return diagnoseVerifierFinding({ id: entry.id, parameters: stop.parameters }, evidence);
  return (stop.fault && diagnoseFault(stop.fault)) ?? certain(ruleOfBugCheck(stop));
}
