/**
 * The direct-I/O, shared-buffer and mapped-buffer drivers as modules: each
 * implements the contract; each faulty variant names the rule it breaks, one
 * of its reference driver's classes, and a mistake in a sentence; and each
 * reference driver serves its class's interface end to end on a small machine.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { contractProblems } from '../../src/drivers/loader';
import type { DriverModule } from '../../src/drivers/contract';
import { RULE_ID_PATTERN } from '../../src/drivers/contract';
import directIo from '../../src/drivers/reference/direct-io';
import mappedBuffer from '../../src/drivers/reference/mapped-buffer';
import sharedBuffer from '../../src/drivers/reference/shared-buffer';
import { STATUS } from '../../src/machine/ntstatus';
import { mappedBufferClientOf } from '../../src/workload/mapped-buffer-client';
import { sharedBufferClientOf } from '../../src/workload/shared-buffer-client';
import { checkWorkload } from '../../src/oracles/conformance-oracles';
import { workloadWithApplication } from '../workload/workload-fixture';

const FAULTY = path.resolve(__dirname, '../../src/drivers/faulty');
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

describe('the faulty variants of these drivers', () => {
  const files = fs.readdirSync(FAULTY).filter((f) => /^(direct-io|shared-buffer|mapped-buffer)-.*\.ts$/.test(f));

  it('there are some of each', () => {
    for (const prefix of Object.keys(REFERENCES)) assert.ok(files.some((f) => f.startsWith(`${prefix}-`)), `a faulty variant of ${prefix}`);
  });

  for (const file of files) {
    it(`${file} names the rule it breaks and keeps its reference driver's class`, () => {
      const driver = (require(path.join(FAULTY, file)) as { default: DriverModule }).default;
      assert.deepEqual(contractProblems(driver), []);
      assert.equal(driver.name, file.replace(/\.ts$/, ''));
      assert.match(driver.breaksRule ?? '', RULE_ID_PATTERN);
      assert.ok((driver.description ?? '').length > 20, 'a sentence saying what the mistake is');
      const reference = Object.keys(REFERENCES).find((r) => file.startsWith(`${r}-`))!;
      assert.deepEqual(driver.conformanceClasses, REFERENCES[reference]!.conformanceClasses);
    });
  }
});
