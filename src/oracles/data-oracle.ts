/**
 * Every byte matches the device's stream: each finished read's buffer held
 * exactly the stretch of the stream it asked for (checked when it finished,
 * see the workload), and every byte the device read for a write matched
 * what the application had put there (the device checks them as it reads).
 *
 * On a device that addresses only 32 bits, data reaches buffers above 4 GiB
 * through bounce buffers, so a mismatch there is reported against SG-6.
 */
import type { Workload } from '../workload/workload';
import type { OracleFinding } from './oracle-finding';

export function dataOracle(workload: Workload): OracleFinding[] {
  const { dmaDevice } = workload.machine;
  const bounced = dmaDevice.addressBits === 32;
  const findings: OracleFinding[] = [];
  for (const c of workload.dataChecks) {
    if (c.mismatch) findings.push({ oracle: 'data', rule: bounced ? 'SG-6' : c.rule, message: `${c.label}: ${c.mismatch}` });
  }
  const checker = dmaDevice.checker;
  if (checker.mismatchCount > 0) {
    const first = checker.mismatches[0]!;
    findings.push({
      oracle: 'data',
      rule: bounced ? 'SG-6' : 'PAGE-1',
      message: `the device read ${checker.mismatchCount} byte(s) for writes that differ from what the applications wrote (of ${checker.bytesChecked} checked); first at stream offset ${first.offset}: expected 0x${first.expected.toString(16).padStart(2, '0')}, got 0x${first.got.toString(16).padStart(2, '0')}`,
    });
  }
  return findings;
}
