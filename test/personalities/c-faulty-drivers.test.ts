/**
 * The suite's own C drivers: the driver finder lists a class's reference.c
 * as its C reference driver and every .c file of its faulty/ folder as one
 * faulty driver, a variant of that reference.c compiled together with it
 * (cached), with the name, class and broken rule its
 * DMA_CONFORMANCE_FAULTY_DRIVER declares (they win over the reference's
 * claims); a tool hands on the compiled module (runPath) to run it by.
 * A .c file of conforming/ is a correct driver of its own, compiled alone
 * like reference.c and listed with the correct drivers.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import { cSourcesOfSuiteDriver, compileSuiteCDrivers, correctDriverModules, driverFilesOf, driverModulesIn, faultyDriverOf, suiteCDriverFiles, suiteDrivers } from '../../src/conformance/driver-finder';
import { PROJECT_ROOT, cachedWasmPath } from '../../src/personalities/c-wasm/compiler';
import { loadDriverModule } from '../../src/personalities/driver-loader';
import { isRuleRef } from '../../src/rules/rule-ref';

const CLASS_FOLDER = path.resolve(__dirname, '..', '..', 'src', 'conformance', 'read-write-direct');
const FOLDER = path.join(CLASS_FOLDER, 'faulty');
const REFERENCE = path.join(CLASS_FOLDER, 'reference.c');
const PACKET_DMA = path.join(CLASS_FOLDER, 'conforming', 'packet-dma.c');

/** What each faulty C driver of read-write-direct declares it breaks. */
const DECLARED: Record<string, string> = {
  'address-truncated-to-ulong': 'PAGE-1',
  'descriptor-loop-off-by-one': 'DEV-2',
  'error-case-falls-through': 'DEV-3',
  'error-path-skips-put': 'SG-3',
  'state-tested-as-bit': 'DEV-3',
};

describe('the C drivers of the class folders', () => {
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

  it('the finder lists reference.c as the class\'s C reference driver, before the faulty drivers, beside reference.ts', () => {
    assert.deepEqual(driverFilesOf('read-write-direct', 'reference'), [path.join(CLASS_FOLDER, 'reference.ts'), REFERENCE]);
    const files = suiteCDriverFiles();
    assert.ok(files.includes(REFERENCE), 'reference.c is one of the suite\'s C drivers');
    assert.ok(files.indexOf(REFERENCE) < files.findIndex((f) => path.dirname(f) === FOLDER), 'the references come first');
    const reference = driverModulesIn('reference').find((d) => d.modulePath === REFERENCE);
    assert.ok(reference, 'reference.c loads');
    assert.equal(reference.kind, 'reference');
    assert.equal(reference.driver.name, 'read-write-direct-reference-c');
    assert.equal(reference.driver.breaksRule, undefined, 'a reference breaks no rule');
    assert.deepEqual(cSourcesOfSuiteDriver(REFERENCE), [REFERENCE], 'compiled alone');
    assert.equal(reference.runPath, compiled.get(REFERENCE));
  });

  it('each faulty .c is compiled once into the cache together with its class\'s reference.c, and loads with the name, class and rule it declares', () => {
    const listed = driverModulesIn('faulty').filter((d) => d.modulePath.endsWith('.c'));
    assert.equal(listed.length, suiteCDriverFiles().filter((f) => path.basename(path.dirname(f)) === 'faulty').length, 'every faulty .c is listed (reference.c files are reference drivers)');
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
      assert.deepEqual(cSourcesOfSuiteDriver(file.modulePath), [REFERENCE, file.modulePath], 'a variant of reference.c');
      assert.equal(file.runPath, cachedWasmPath([REFERENCE, file.modulePath], PROJECT_ROOT), 'compiled from both');
      assert.equal(file.runPath, compiled.get(file.modulePath), 'run by its compiled module');
      assert.ok(file.runPath.endsWith('.wasm') && fs.existsSync(file.runPath));
      assert.equal(faultyDriverOf('read-write-direct', stem)?.driver.name, file.driver.name, 'found by its file name too');
    }
  });

  it('a variant loads by its sources, the class\'s reference.c first (as the fuzz proof hands it on)', () => {
    for (const stem of Object.keys(DECLARED)) {
      const sources = cSourcesOfSuiteDriver(path.join(FOLDER, `${stem}.c`));
      assert.equal(loadDriverModule(sources.join(','), PROJECT_ROOT).name, `direct-io-c-${stem}`);
    }
  });

  it('the finder lists a .c file of conforming/ as a correct driver of its own, compiled alone, after the references and before the faulty drivers', () => {
    assert.ok(driverFilesOf('read-write-direct', 'conforming').includes(PACKET_DMA));
    assert.ok(suiteCDriverFiles().includes(PACKET_DMA), 'compiled with the suite\'s C drivers');
    const conforming = driverModulesIn('conforming').find((d) => d.modulePath === PACKET_DMA);
    assert.ok(conforming, 'packet-dma.c loads');
    assert.equal(conforming.kind, 'conforming');
    assert.equal(conforming.driver.breaksRule, undefined, 'a conforming driver breaks no rule');
    assert.deepEqual(cSourcesOfSuiteDriver(PACKET_DMA), [PACKET_DMA], 'a whole driver, not a variant of reference.c');
    assert.equal(conforming.runPath, compiled.get(PACKET_DMA));
    assert.ok(correctDriverModules().some((d) => d.modulePath === PACKET_DMA), 'held to what a reference is held to');
    const order = suiteDrivers().map((d) => d.kind);
    assert.ok(order.lastIndexOf('reference') < order.indexOf('conforming') && order.lastIndexOf('conforming') < order.indexOf('faulty'));
  });

  it('a TypeScript driver is run by its module', () => {
    const ts = driverModulesIn('faulty').find((d) => d.modulePath.endsWith('.ts'))!;
    assert.equal(ts.runPath, ts.modulePath);
  });
});
