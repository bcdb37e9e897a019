/**
 * The direct-I/O, shared-buffer and mapped-buffer drivers as modules: each
 * implements the contract; each faulty variant names the rule it breaks, one
 * of its reference driver's classes, and a mistake in a sentence; and each
 * reference driver serves its class's interface end to end on a small machine.
 */
import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { contractProblems } from '../../src/personalities/wdm/loader';
import type { DriverModule } from '../../src/personalities/wdm/contract';
import { isRuleRef } from '../../src/rules/rule-ref';
import { STATUS } from '../../src/machine/ntstatus';
import { mappedBufferClientOf } from '../../src/conformance/mapped-buffer-ioctl/application';
import { sharedBufferClientOf } from '../../src/conformance/shared-buffer-ioctl/application';
import { checkWorkload } from '../../src/oracles/conformance-oracles';
import { CONFORMANCE_CLASS_NAMES } from '../../src/conformance/classes';
import { compileSuiteCDrivers, driverFileName, driverModulesIn, referenceDriverOf } from '../../src/conformance/driver-finder';
import { workloadWithApplication } from '../workload/workload-fixture';
import { referenceDriverFor } from './suite-drivers';

const directIo = referenceDriverFor('read-write-direct');
const mappedBuffer = referenceDriverFor('mapped-buffer-ioctl');
const sharedBuffer = referenceDriverFor('shared-buffer-ioctl');

const REFERENCES: Record<string, DriverModule> = { 'direct-io': directIo, 'shared-buffer': sharedBuffer, 'mapped-buffer': mappedBuffer };

describe('the reference drivers', () => {
  for (const [name, driver] of Object.entries(REFERENCES)) {
    it(`${name} implements the contract and breaks no rule`, () => {
      assert.deepEqual(contractProblems(driver), []);
      assert.equal(driver.name, name);
      assert.equal(driver.breaksRule, undefined);
    });
  }

  it('shared-buffer fills handed-down buffers over and over, each list built once', () => {
    const { workload, app } = workloadWithApplication({}, sharedBuffer);
    const client = sharedBufferClientOf(app);
    assert.equal(client.registerQueue(4).request.status, STATUS.SUCCESS);
    client.handDown(2, 64 * 1024);
    assert.equal(client.consume(6).length, 6);
    assert.equal(client.fillsChecked, 6);
    assert.equal(workload.session!.adapters[0]!.lists.allocatedCount, 2);
    workload.finish();
    assert.deepEqual(checkWorkload(workload), []);
  });

  it('mapped-buffer maps into the requesting process and the device fills it there', () => {
    const { workload, app } = workloadWithApplication({}, mappedBuffer);
    const client = mappedBufferClientOf(app);
    assert.equal(client.map(128 * 1024).request.status, STATUS.SUCCESS);
    assert.equal(client.fill(4097, 50_000).request.status, STATUS.SUCCESS);
    assert.equal(client.send(0, 4096)?.request.status, STATUS.SUCCESS);
    app.close();
    workload.finish();
    assert.equal(workload.dataChecks.length, 1);
    assert.deepEqual(checkWorkload(workload), []);
  });
});

describe('the faulty drivers of every class', async () => {
  await compileSuiteCDrivers(); // a C driver loads from its compiled module
  const faulty = driverModulesIn('faulty');

  it('every class has some', () => {
    for (const c of CONFORMANCE_CLASS_NAMES) assert.ok(faulty.some((f) => f.folderClass === c), `a faulty driver of ${c}`);
  });

  for (const { modulePath, driver, folderClass } of faulty) {
    const file = path.relative(path.resolve(__dirname, '../..'), modulePath);
    it(`${file} names the rule it breaks and claims its folder's class`, () => {
      assert.deepEqual(contractProblems(driver), []);
      assert.ok(driver.name.endsWith(`-${driverFileName(modulePath)}`), `${driver.name} is named for its file`);
      assert.notEqual(driver.name, referenceDriverOf(folderClass)!.driver.name);
      assert.ok(isRuleRef(driver.breaksRule), `${driver.name} breaks a rule of the catalog, not ${driver.breaksRule}`);
      assert.ok((driver.description ?? '').length > 20, 'a sentence saying what the mistake is');
      assert.deepEqual(driver.conformanceClasses, [folderClass]);
    });
  }
});
