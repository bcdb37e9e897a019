/**
 * A certification run: every scenario of every class the driver claims, at
 * the suite's defaults, recorded in the verdict with the suite's version and
 * a hash of the driver's files, so a certificate says which suite judged
 * which driver. Filters (tags, names, paths, a seed of one's own) would make
 * it certify less than it claims, so they are refused.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface Certification {
  readonly suite: string;
  readonly suiteVersion: string;
  /** sha256 over the driver's files, in the order named. */
  readonly driverSha256: string;
  readonly driverFiles: readonly string[];
}

/** The cucumber options a certification keeps: how many workers, nothing that selects or changes scenarios. */
const KEPT = /^--parallel(=\d+)?$/;

/** Why these cucumber arguments cannot go with --certify (empty: they can). */
export function certificationRefusals(cucumberArgs: readonly string[], worldParameters: Readonly<Record<string, unknown>>): string[] {
  const refused: string[] = [];
  for (let i = 0; i < cucumberArgs.length; i++) {
    const a = cucumberArgs[i]!;
    if (a === '--parallel' && /^\d+$/.test(cucumberArgs[i + 1] ?? '')) i++;
    else if (!KEPT.test(a)) refused.push(a);
  }
  const own = Object.keys(worldParameters).filter((k) => k !== 'driver' && k !== 'driverTimeBudget');
  return [
    ...(refused.length > 0 ? [`${refused.join(' ')}: a certification runs every scenario of every class the driver claims, so it takes no filter or cucumber option but --parallel`] : []),
    ...(own.length > 0 ? [`world parameter(s) ${own.join(', ')}: a certification runs at the suite's defaults`] : []),
  ];
}

/** The tag expression that selects every scenario of the classes. */
export function certificationTags(classes: readonly string[]): string {
  return classes.map((c) => `@class:${c}`).join(' or ');
}

export function certificationOf(driverFiles: readonly string[], packageJson: string): Certification {
  const hash = createHash('sha256');
  for (const file of driverFiles) hash.update(fs.readFileSync(file));
  const pkg = JSON.parse(fs.readFileSync(packageJson, 'utf8')) as { name: string; version: string };
  return { suite: pkg.name, suiteVersion: pkg.version, driverSha256: hash.digest('hex'), driverFiles: driverFiles.map((f) => path.relative(process.cwd(), f) || f) };
}
