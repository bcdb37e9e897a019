/**
 * Steps about the DMA verifier (src/kernel/verifier, docs/verifier-catalog.md):
 * choosing at boot whether a finding stops the machine or is only recorded,
 * the findings recorded and their parameters, the catalog entry a stop was
 * for, and the HAL's check of a driver's DMA resources when it unloads.
 */
import { Given, Then, When } from '@cucumber/cucumber';
import { expect } from 'chai';
import { hex } from '../src/machine/bug-check';
import { VerifierFinding } from '../src/kernel/verifier/dma-verifier';
import { VIOLATION_CATALOG, ViolationId, isViolationId, violationEntry } from '../src/kernel/verifier/violation-catalog';
import { dmaObjects } from '../src/scenarios/dma-scenario-objects';
import { attempt, expectBugCheck, runningMachine } from './support/outcome';
import { objects } from './support/scenario-objects';
import { ConformanceWorld } from './support/world';

type World = ConformanceWorld;

function catalogId(id: string): ViolationId {
  if (!isViolationId(id)) throw new Error(`"${id}" is not in the DMA verifier's catalog: ${VIOLATION_CATALOG.map((e) => e.id).join(', ')}`);
  return id;
}

function findings(world: World): readonly VerifierFinding[] {
  // Findings are read from a machine that may have stopped: that is what they explain.
  return world.machine.verifier.findings;
}

function latestFinding(world: World, id: ViolationId): VerifierFinding {
  const found = findings(world).filter((f) => f.id === id);
  const last = found[found.length - 1];
  if (!last) expect.fail(`the DMA verifier recorded no ${id}; it recorded ${findings(world).map((f) => f.id).join(', ') || 'nothing'}`);
  return last;
}

Given('a machine whose DMA verifier only records findings', function (this: World) {
  this.bootOptions.verifierMode = 'record';
});

Then('the DMA verifier has recorded {word}', function (this: World, id: string) {
  const finding = latestFinding(this, catalogId(id));
  expect(finding.parameters[0], `parameter 1 of the ${id} finding, against the catalog`).to.equal(violationEntry(catalogId(id)).parameter1);
});

Then('the DMA verifier has recorded {word} {count} time(s)', function (this: World, id: string, times: number) {
  const all = findings(this);
  expect(all.filter((f) => f.id === catalogId(id)).length, `${id} findings (all findings: ${all.map((f) => f.id).join(', ') || 'none'})`).to.equal(times);
});

Then('the DMA verifier has no findings', function (this: World) {
  runningMachine(this);
  expect(findings(this).map((f) => `${f.id}: ${f.details}`), 'findings of the DMA verifier').to.be.empty;
});

Then('parameter {count} of the {word} finding is {hex}', function (this: World, n: number, id: string, value: number) {
  if (!(n >= 1 && n <= 4)) throw new RangeError(`a finding has parameters 1 to 4; there is no parameter ${n}`);
  const finding = latestFinding(this, catalogId(id));
  expect(hex(finding.parameters[n - 1]!), `parameter ${n} of the ${id} finding (${finding.details})`).to.equal(hex(value));
});

Then('parameter {count} of the {word} finding identifies MDL {string}', function (this: World, n: number, id: string, mdlName: string) {
  if (!(n >= 1 && n <= 4)) throw new RangeError(`a finding has parameters 1 to 4; there is no parameter ${n}`);
  const finding = latestFinding(this, catalogId(id));
  const mdl = objects(this).mdls.get(mdlName).mdl;
  expect(finding.parameters[n - 1], `parameter ${n} of the ${id} finding should be MDL "${mdlName}" (#${mdl.id})`).to.equal(mdl.id);
});

Then('parameter {count} of the {word} finding is the logical address of common buffer {string}', function (this: World, n: number, id: string, name: string) {
  if (!(n >= 1 && n <= 4)) throw new RangeError(`a finding has parameters 1 to 4; there is no parameter ${n}`);
  const finding = latestFinding(this, catalogId(id));
  const c = dmaObjects(this).commonBuffers.get(name);
  expect(hex(finding.parameters[n - 1]!), `parameter ${n} of the ${id} finding should be the logical address of common buffer "${name}"`).to.equal(hex(c.logicalAddress));
});

Then('the DMA verifier stopped the machine for {word}', function (this: World, id: string) {
  const entry = violationEntry(catalogId(id));
  const stop = expectBugCheck(this);
  expect(stop.reason.split(':')[0], `the violation the stop was for (${stop.message})`).to.equal(id);
  expect(hex(stop.parameters[0]), `parameter 1 of the stop, against the catalog entry ${id}`).to.equal(hex(entry.parameter1));
  expect(findings(this)[findings(this).length - 1]?.id, 'the last finding the verifier recorded').to.equal(id);
});

When('the HAL checks the driver {string} for DMA resources left behind at unload', async function (this: World, driver: string) {
  await attempt(this, (machine) => machine.hal.checkDriverUnload(driver));
});
