/**
 * The driver's verdict as machine-readable files beside the report, for a
 * team's CI: verdict.json (per class: passed/total and the rules broken,
 * each with its scenario count and verifier entries) and verdict-junit.xml
 * (one test case per claimed class, failed with the verdict line; skipped
 * when its only failures are ones the team's expectations file lists).
 * verdict.json also names the results it was decided from (judged-results.ts),
 * so that the report made from them later (`npm run report`) is headed by it
 * and keeps the driver's trend.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { escapeXml } from '../report/svg-markup';
import type { Certification } from './certification';
import { ClassVerdict, classAsExpected, classPassed, verdictHeadline, verdictLine } from './driver-verdict';
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
  /** The results the verdict was decided from (resultsFingerprint in judged-results.ts). */
  readonly results?: { readonly fingerprint: string };
}

export function verdictDocument(driver: DriverIdentity, verdicts: readonly ClassVerdict[], context: VerdictContext = {}): object {
  return {
    driver,
    passed: verdicts.length > 0 && verdicts.every(classPassed),
    ...(context.expectations ? { asExpected: verdicts.length > 0 && verdicts.every(classAsExpected) && context.expectations.stale.length === 0 } : {}),
    classes: verdicts.map((v) => ({ ...v, verdict: verdictLine(v) })),
    ...(context.certification ? { certification: context.certification } : {}),
    ...(context.expectations ? { expectations: { file: context.expectations.file, stale: context.expectations.stale.map((s) => ({ ...s, message: describeStale(s) })) } } : {}),
    ...(context.results ? { results: context.results } : {}),
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

/** Removes a previous run's verdict, so a team's CI never reads it as this run's (a run without a driver, or one that failed early, writes none). */
export function removeVerdictFiles(dir: string): void {
  for (const file of [VERDICT_JSON, VERDICT_JUNIT]) fs.rmSync(path.join(dir, file), { force: true });
}

/** What the report takes from a verdict: the driver whose trend it continues, and its headline. */
export interface ReportHeading {
  readonly driverName: string;
  readonly headline: string;
}

export class UnreadableVerdict extends Error {
  constructor(file: string, why: string) {
    super(`${file} ${why}; run the driver again (npm run conformance -- --driver <path>) or remove the file`);
    this.name = 'UnreadableVerdict';
  }
}

/**
 * The heading of the report made from the results with this fingerprint: that of the verdict
 * in `dir` when it was decided from those results, else none (no verdict, or another run's).
 */
export function reportHeadingOf(dir: string, resultsFingerprint: string): ReportHeading | null {
  const file = path.join(dir, VERDICT_JSON);
  if (!fs.existsSync(file)) return null;
  let doc: { driver?: { name?: unknown }; classes?: { verdict?: unknown }[]; results?: { fingerprint?: unknown } };
  try {
    doc = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new UnreadableVerdict(file, `is not JSON (${(e as Error).message})`);
  }
  if (doc?.results?.fingerprint !== resultsFingerprint) return null;
  const name = doc.driver?.name;
  const lines = Array.isArray(doc.classes) ? doc.classes.map((c) => c?.verdict) : null;
  if (typeof name !== 'string' || !lines || !lines.every((l): l is string => typeof l === 'string')) {
    throw new UnreadableVerdict(file, 'names the results of the last run but not the driver and its verdict lines (driver.name, classes[].verdict)');
  }
  return { driverName: name, headline: verdictHeadline(name, lines) };
}
