/**
 * Which run's results a verdict was decided from. Allure names every result
 * file for a fresh UUID, so the names of a folder's result files, hashed,
 * tell one run's results from any other's. The verdict records it, and the
 * report (scripts/report.cjs) is headed by the verdict only when the results
 * it is made from are the ones judged: after a later run, with no driver or
 * another, the verdict left beside the report is not theirs.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';

/** "sha256:<hex>" of the sorted names of the folder's *-result.json files; that of no names when there is no folder. */
export function resultsFingerprint(resultsDir: string): string {
  const names = fs.existsSync(resultsDir) ? fs.readdirSync(resultsDir).filter((f) => f.endsWith('-result.json')).sort() : [];
  return `sha256:${createHash('sha256').update(names.join('\n')).digest('hex')}`;
}
