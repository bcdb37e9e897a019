/**
 * Runs cucumber or a project script as a child process over features written
 * into a temporary folder, for the tests of the suite's own tooling.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const ROOT = path.resolve(__dirname, '..', '..');
export const CUCUMBER_BIN = path.join(ROOT, 'node_modules', '@cucumber', 'cucumber', 'bin', 'cucumber.js');

export interface ChildRun {
  readonly status: number | null;
  readonly output: string;
}

/** A fresh temporary folder holding the given files (name -> text); removed by the caller. */
export function temporaryFolder(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dma-conformance-tooling-'));
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  return dir;
}

/** Runs node with the arguments in the project folder (with `env` added to the environment); asynchronous, so tests can run side by side. */
export function runNode(args: readonly string[], env: Readonly<Record<string, string>> = {}): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...env } });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, output }));
  });
}

/** Cucumber with the project's support code (the "steps" profile) over the given feature files. */
export function runCucumber(featurePaths: readonly string[], extra: readonly string[] = []): Promise<ChildRun> {
  return runNode([CUCUMBER_BIN, '--profile', 'steps', '--format', 'progress', ...extra, ...featurePaths]);
}
