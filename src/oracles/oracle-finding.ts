/**
 * What an oracle found wrong after (or during) a workload: which check, the
 * rule of the catalog (docs/RULES.md) the diagnosis (src/diagnosis) names, and
 * what happened, in words a driver writer can act on.
 */
import type { Diagnosis } from '../diagnosis/diagnosis';
import type { RuleRef, VerifierEntryId } from '../rules/rule-ref';
import { DriverPlace, describeDriverPlace } from '../machine/driver-place';

export type OracleName = 'stop' | 'verifier' | 'data' | 'completion' | 'leftovers' | 'ownership';

export interface OracleFinding {
  readonly oracle: OracleName;
  /** The rule ID broken, e.g. PAGE-1 or VER-SG-DOUBLE-PUT; the most likely one when the evidence leaves several. */
  readonly rule: RuleRef;
  /** Every rule the evidence allows, most likely first, when it leaves more than one. */
  readonly candidates?: readonly RuleRef[];
  /** The DMA verifier catalog entry behind the finding, when a verifier check made it. */
  readonly entry?: VerifierEntryId;
  /** The stop code, when the finding is a bug check. */
  readonly bugCheck?: number;
  /**
   * Where in the driver's source the call or access was that the finding is about, when known; for
   * something the driver still held after its code returned, where it acquired it (`acquiredWith` set).
   */
  readonly place?: DriverPlace;
  readonly message: string;
}

/** What a finding says besides its rule: the verifier entry or the stop behind it. */
export interface FindingSource {
  readonly entry?: VerifierEntryId;
  readonly bugCheck?: number;
  readonly place?: DriverPlace;
}

/** A finding filed under its diagnosis. */
export function diagnosedFinding(oracle: OracleName, d: Diagnosis, message: string, source: FindingSource = {}): OracleFinding {
  return {
    oracle,
    rule: d.rule,
    ...(d.candidates.length > 1 ? { candidates: d.candidates } : {}),
    ...(source.entry !== undefined ? { entry: source.entry } : {}),
    ...(source.bugCheck !== undefined ? { bugCheck: source.bugCheck } : {}),
    ...(source.place !== undefined ? { place: source.place } : {}),
    message,
  };
}

/** More findings than this of one oracle are summarised in a count. */
const SHOWN_PER_ORACLE = 8;

/** The findings as lines for a failure message, grouped by oracle, each naming its rule ("[oracle, RULE] ..."). */
export function describeFindings(findings: readonly OracleFinding[]): string {
  const byOracle = new Map<OracleName, OracleFinding[]>();
  for (const f of findings) byOracle.set(f.oracle, [...(byOracle.get(f.oracle) ?? []), f]);
  const lines: string[] = [];
  for (const [oracle, list] of byOracle) {
    for (const f of list.slice(0, SHOWN_PER_ORACLE)) lines.push(`[${oracle}, ${f.rule}] ${f.message}${f.place ? ` (${describeDriverPlace(f.place)})` : ''}`);
    if (list.length > SHOWN_PER_ORACLE) lines.push(`[${oracle}] ... and ${list.length - SHOWN_PER_ORACLE} more`);
  }
  return lines.join('\n');
}

/** The rules the findings name, without repeats, in order of first appearance. */
export function rulesOf(findings: readonly OracleFinding[]): RuleRef[] {
  return [...new Set(findings.map((f) => f.rule))];
}

/** The verifier catalog entries behind the findings, without repeats, in order of first appearance. */
export function entriesOf(findings: readonly OracleFinding[]): VerifierEntryId[] {
  return [...new Set(findings.flatMap((f) => (f.entry !== undefined ? [f.entry] : [])))];
}
