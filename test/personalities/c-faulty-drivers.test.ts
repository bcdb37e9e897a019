/**
 * The suite's own faulty C drivers: the driver finder lists every .c file of
 * a class's faulty/ folder as one driver, compiled once (cached), with the
 * name, class and broken rule its DMA_CONFORMANCE_FAULTY_DRIVER declares; a
 * tool hands on the compiled module (runPath) to run it by.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import { compileSuiteCDrivers, driverFilesOf, driverModulesIn, faultyDriverOf, suiteCDriverFiles } from '../../src/conformance/driver-finder';
import { isRuleRef } from '../../src/rules/rule-ref';

const FOLDER = path.resolve(__dirname, '..', '..', 'src', 'conformance', 'read-write-direct', 'faulty');

/** What each faulty C driver of read-write-direct declares it breaks. */
const DECLARED: Record<string, string> = {
  'address-truncated-to-ulong': 'PAGE-1',
  'descriptor-loop-off-by-one': 'DEV-2',
  'error-case-falls-through': 'DEV-3',
  'error-path-skips-put': 'SG-3',
  'state-tested-as-bit': 'DEV-3',
};

describe('the faulty C drivers of the class folders', () => {
  let compiled: Map<string, string>;
  before(async () => {
    compiled = await compileSuiteCDrivers();
  });

  it('the finder lists each .c file of faulty/ as one driver, next to the TypeScript ones', () => {
    const files = driverFilesOf('read-write-direct', 'faulty');
    for (const stem of Object.keys(DECLARED)) assert.ok(files.includes(path.join(FOLDER, `${stem}.c`)), `${stem}.c is listed`);
    assert.ok(files.some((f) => f.endsWith('.ts')), 'the TypeScript faulty drivers are still listed');
    assert.deepEqual(suiteCDriverFiles().filter((f) => path.dirname(f) === FOLDER).map((f) => path.basename(f, '.c')).sort(), Object.keys(DECLARED).sort());
  });

  it('each is compiled once into the cache, and loads with the name, class and rule it declares', () => {
    const listed = driverModulesIn('faulty').filter((d) => d.modulePath.endsWith('.c'));
    assert.equal(listed.length, suiteCDriverFiles().filter((f) => path.basename(path.dirname(f)) === 'faulty').length, 'every faulty .c (the class references are not faulty)');
    for (const [stem, rule] of Object.entries(DECLARED)) {
      const file = listed.find((d) => d.modulePath === path.join(FOLDER, `${stem}.c`));
      assert.ok(file, `${stem}.c is found`);
      assert.equal(file.kind, 'faulty');
      assert.equal(file.folderClass, 'read-write-direct');
      assert.equal(file.driver.name, `direct-io-c-${stem}`);
      assert.deepEqual([...file.driver.conformanceClasses], ['read-write-direct']);
      assert.equal(file.driver.breaksRule, rule);
      assert.ok(isRuleRef(file.driver.breaksRule), `${file.driver.name} breaks a rule of the catalog`);
      assert.ok((file.driver.description ?? '').length > 20, 'a sentence saying what the bug is');
      assert.equal(file.runPath, compiled.get(file.modulePath), 'run by its compiled module');
      assert.ok(file.runPath.endsWith('.wasm') && fs.existsSync(file.runPath));
      assert.equal(faultyDriverOf('read-write-direct', stem)?.driver.name, file.driver.name, 'found by its file name too');
    }
  });

  it('a TypeScript driver is run by its module', () => {
    const ts = driverModulesIn('faulty').find((d) => d.modulePath.endsWith('.ts'))!;
    assert.equal(ts.runPath, ts.modulePath);
  });
});
