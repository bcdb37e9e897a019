/**
 * The driver's verdict as machine-readable files beside the report, for a
 * team's CI: verdict.json (per class: passed/total and the rules broken,
 * each with its scenario count and verifier entries) and verdict-junit.xml
 * (one test case per claimed class, failed with the verdict line; skipped
 * when its only failures are ones the team's expectations file lists).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { escapeXml } from '../report/svg-markup';
import type { Certification } from './certification';
import { ClassVerdict, classAsExpected, classPassed, verdictLine } from './driver-verdict';
import { StaleExpectation, describeStale } from './expectations';

export interface DriverIdentity {
  readonly name: string;
  readonly path: string;
}

export const VERDICT_JSON = 'verdict.json';
export const VERDICT_JUNIT = 'verdict-junit.xml';

/** What a run adds to the verdict: the certification, the team's expectations and the ones the run did not bear out. */
export interface VerdictContext {
  readonly certification?: Certification;
  readonly expectations?: { readonly file: string; readonly stale: readonly StaleExpectation[] };
}

export function verdictDocument(driver: DriverIdentity, verdicts: readonly ClassVerdict[], context: VerdictContext = {}): object {
  return {
    driver,
    passed: verdicts.length > 0 && verdicts.every(classPassed),
    ...(context.expectations ? { asExpected: verdicts.length > 0 && verdicts.every(classAsExpected) && context.expectations.stale.length === 0 } : {}),
    classes: verdicts.map((v) => ({ ...v, verdict: verdictLine(v) })),
    ...(context.certification ? { certification: context.certification } : {}),
    ...(context.expectations ? { expectations: { file: context.expectations.file, stale: context.expectations.stale.map((s) => ({ ...s, message: describeStale(s) })) } } : {}),
  };
}

export function verdictJunit(driver: DriverIdentity, verdicts: readonly ClassVerdict[]): string {
  const failures = verdicts.filter((v) => !classAsExpected(v)).length;
  const skipped = verdicts.filter((v) => classAsExpected(v) && !classPassed(v)).length;
  const cases = verdicts.map((v) => {
    const name = `${v.conformanceClass} (${v.passed}/${v.total})`;
    if (classPassed(v)) return `    <testcase classname="${escapeXml(driver.name)}" name="${escapeXml(name)}"/>`;
    // Known failures only: skipped, not passed (JUnit has no "known"), and not failed either.
    const outcome = classAsExpected(v) ? 'skipped' : 'failure';
    return `    <testcase classname="${escapeXml(driver.name)}" name="${escapeXml(name)}">\n      <${outcome} message="${escapeXml(verdictLine(v))}"/>\n    </testcase>`;
  });
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="dma-conformance" tests="${verdicts.length}" failures="${failures}">`,
    `  <testsuite name="${escapeXml(driver.name)}" tests="${verdicts.length}" failures="${failures}" skipped="${skipped}">`,
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}

/** Writes both files into `dir`; returns their paths. */
export function writeVerdictFiles(dir: string, driver: DriverIdentity, verdicts: readonly ClassVerdict[], context: VerdictContext = {}): string[] {
  fs.mkdirSync(dir, { recursive: true });
  const json = path.join(dir, VERDICT_JSON);
  const junit = path.join(dir, VERDICT_JUNIT);
  fs.writeFileSync(json, `${JSON.stringify(verdictDocument(driver, verdicts, context), null, 2)}\n`);
  fs.writeFileSync(junit, verdictJunit(driver, verdicts));
  return [json, junit];
}
