/**
 * All the checks after a workload, in one place: the oracles by name, and a
 * run of any of them that returns every finding. A conforming driver leaves
 * none.
 */
import type { Workload } from '../workload/workload';
import { completionOracle } from './completion-oracle';
import { dataOracle } from './data-oracle';
import { leftoversOracle } from './leftovers-oracle';
import type { OracleFinding, OracleName } from './oracle-finding';
import { ownershipOracle } from './ownership-oracle';
import { stopOracle } from './stop-oracle';
import { verifierOracle } from './verifier-oracle';

export const ORACLES: Record<OracleName, (workload: Workload) => OracleFinding[]> = {
  stop: stopOracle,
  verifier: verifierOracle,
  data: dataOracle,
  completion: completionOracle,
  ownership: ownershipOracle,
  leftovers: leftoversOracle,
};

export const ORACLE_NAMES = Object.keys(ORACLES) as OracleName[];

/** Every finding of the named oracles (all of them by default). */
export function checkWorkload(workload: Workload, oracles: readonly OracleName[] = ORACLE_NAMES): OracleFinding[] {
  return oracles.flatMap((name) => ORACLES[name](workload));
}
