/**
 * A finding names the place in the driver's own source of the call that
 * broke the rule: the driver function and file:line, read from the call
 * stack by the driver's personality (a TypeScript module's frames, a C
 * module's wasm frames through its line table).
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { protocolFor } from '../../src/conformance/classes';
import { faultyDriverOf } from '../../src/conformance/driver-finder';
import { compileCDriver } from '../../src/personalities/c-wasm/compiler';
import { loadDriverModule } from '../../src/personalities/driver-loader';
import { moduleFramePlaceFinder } from '../../src/personalities/driver-places';
import { NO_FAILURE } from '../../src/sweep/failure-plan';
import { runSweepPlan } from '../../src/sweep/sweep-run';
import type { OracleFinding } from '../../src/oracles/oracle-finding';

const ROOT = path.resolve(__dirname, '..', '..');
const readWrite = protocolFor('read-write-direct')!;

/** The source line a finding's place names. */
function lineAt(finding: OracleFinding, root: string): string {
  assert.ok(finding.place, `the finding names no place: ${JSON.stringify(finding)}`);
  return fs.readFileSync(path.resolve(root, finding.place.file), 'utf8').split('\n')[finding.place.line - 1] ?? '';
}

describe('the place in the driver', () => {
  it('a TypeScript driver\'s frame is found in a stack by its module\'s folder', () => {
    const finder = moduleFramePlaceFinder('/drivers/mine/driver.ts');
    const stack = ['Error', '    at DmaVerifier.report (/suite/src/kernel/verifier/dma-verifier.ts:80:5)', '    at Device.start (/drivers/mine/driver.ts:42:9)', '    at /drivers/mine/driver.ts:50:1'].join('\n');
    assert.deepEqual(finder(stack), { function: 'Device.start', file: path.relative(process.cwd(), '/drivers/mine/driver.ts'), line: 42 });
    assert.equal(finder('Error\n    at elsewhere (/other/file.ts:1:1)'), null);
  });

  it('a TypeScript driver that puts a list back twice is found at its second PutScatterGatherList', () => {
    const file = faultyDriverOf('read-write-direct', 'double-put')!;
    const run = runSweepPlan(file.driver, readWrite, NO_FAILURE);
    const doublePut = run.findings.find((f) => f.entry === 'VER-SG-DOUBLE-PUT');
    assert.ok(doublePut, `no double put among ${JSON.stringify(run.findings)}`);
    assert.match(doublePut.place!.file, /src\/conformance\/read-write-direct\//);
    assert.match(lineAt(doublePut, process.cwd()), /PutScatterGatherList/);
  });

  it('a C driver that puts a list back twice is found at the C line of its second put', async () => {
    const put = '  ext->Adapter->DmaOperations->PutScatterGatherList(ext->Adapter, ext->Current.List, ext->Current.Write);  /* before the IRP completes */';
    const original = fs.readFileSync(path.join(ROOT, 'docs/example-driver.c'), 'utf8');
    assert.ok(original.includes(put));
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'c-driver-'));
    const source = path.join(folder, 'puts-twice.c');
    fs.writeFileSync(source, original.replace(put, `${put}\n  ext->Adapter->DmaOperations->PutScatterGatherList(ext->Adapter, ext->Current.List, ext->Current.Write);  /* again */`));
    await compileCDriver([source], folder);
    const run = runSweepPlan(loadDriverModule(source, folder), readWrite, NO_FAILURE);
    const doublePut = run.findings.find((f) => f.entry === 'VER-SG-DOUBLE-PUT');
    assert.ok(doublePut, `no double put among ${JSON.stringify(run.findings)}`);
    assert.equal(doublePut.place!.file, 'puts-twice.c');
    assert.match(lineAt(doublePut, folder), /\/\* again \*\//);
  });
});
