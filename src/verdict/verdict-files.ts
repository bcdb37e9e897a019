/**
 * The driver's verdict as machine-readable files beside the report, for a
 * team's CI: verdict.json (per class: passed/total and the rules broken,
 * each with its scenario count and verifier entries) and verdict-junit.xml
 * (one test case per claimed class, failed with the verdict line).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { escapeXml } from '../report/svg-markup';
import { ClassVerdict, classPassed, verdictLine } from './driver-verdict';

export interface DriverIdentity {
  readonly name: string;
  readonly path: string;
}

export const VERDICT_JSON = 'verdict.json';
export const VERDICT_JUNIT = 'verdict-junit.xml';

export function verdictDocument(driver: DriverIdentity, verdicts: readonly ClassVerdict[]): object {
  return {
    driver,
    passed: verdicts.length > 0 && verdicts.every(classPassed),
    classes: verdicts.map((v) => ({ ...v, verdict: verdictLine(v) })),
  };
}

export function verdictJunit(driver: DriverIdentity, verdicts: readonly ClassVerdict[]): string {
  const failures = verdicts.filter((v) => !classPassed(v)).length;
  const cases = verdicts.map((v) => {
    const name = `${v.conformanceClass} (${v.passed}/${v.total})`;
    return classPassed(v)
      ? `    <testcase classname="${escapeXml(driver.name)}" name="${escapeXml(name)}"/>`
      : `    <testcase classname="${escapeXml(driver.name)}" name="${escapeXml(name)}">\n      <failure message="${escapeXml(verdictLine(v))}"/>\n    </testcase>`;
  });
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="dma-conformance" tests="${verdicts.length}" failures="${failures}">`,
    `  <testsuite name="${escapeXml(driver.name)}" tests="${verdicts.length}" failures="${failures}">`,
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}

/** Writes both files into `dir`; returns their paths. */
export function writeVerdictFiles(dir: string, driver: DriverIdentity, verdicts: readonly ClassVerdict[]): string[] {
  fs.mkdirSync(dir, { recursive: true });
  const json = path.join(dir, VERDICT_JSON);
  const junit = path.join(dir, VERDICT_JUNIT);
  fs.writeFileSync(json, `${JSON.stringify(verdictDocument(driver, verdicts), null, 2)}\n`);
  fs.writeFileSync(junit, verdictJunit(driver, verdicts));
  return [json, junit];
}
