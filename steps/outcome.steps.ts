/**
 * Steps that assert how the latest action ended: the machine stopped with a
 * bug check (and its parameters), a status was raised, a routine returned
 * NULL, or nothing went wrong. See support/outcome.ts for how outcomes are
 * recorded and why one that no step examines fails the scenario.
 */
import { Then } from '@cucumber/cucumber';
import { expect } from 'chai';
import { BUGCHECK_NAMES, BugCheck, hex } from '../src/machine/bug-check';
import { STATUS, statusName } from '../src/machine/ntstatus';
import { expectBugCheck, expectCompleted, expectNoBugCheck, expectNull, expectRaised } from './support/outcome';
import { objects, pageCountOf } from './support/scenario-objects';
import { ConformanceWorld } from './support/world';

/** Parameter `n` (1 to 4) of the bug check the latest action stopped the machine with. */
function parameter(world: ConformanceWorld, n: number): { stop: BugCheck; value: number } {
  if (!(n >= 1 && n <= 4)) throw new RangeError(`a bug check has parameters 1 to 4; there is no parameter ${n}`);
  const stop = expectBugCheck(world);
  return { stop, value: stop.parameters[n - 1]! };
}

Then('no bug check occurred', function (this: ConformanceWorld) {
  expectNoBugCheck(this);
});

Then('the machine stops with bug check {hex} {word}', function (this: ConformanceWorld, code: number, name: string) {
  const documented = BUGCHECK_NAMES[code];
  if (documented === undefined) throw new Error(`bug check ${hex(code)} is not one the simulated machine knows: ${Object.entries(BUGCHECK_NAMES).map(([c, n]) => `${hex(Number(c))} ${n}`).join(', ')}`);
  if (documented !== name) throw new Error(`bug check ${hex(code)} is ${documented}, not ${name}`);
  const stop = expectBugCheck(this);
  expect(`${hex(stop.code)} ${stop.stopName}`, `the machine stopped with ${stop.message}`).to.equal(`${hex(code)} ${name}`);
});

Then('bug check parameter {count} is {hex}', function (this: ConformanceWorld, n: number, expected: number) {
  const { stop, value } = parameter(this, n);
  expect(hex(value), `parameter ${n} of ${stop.message}`).to.equal(hex(expected));
});

Then('bug check parameter {count} identifies MDL {string}', function (this: ConformanceWorld, n: number, mdlName: string) {
  const { stop, value } = parameter(this, n);
  const mdl = objects(this).mdls.get(mdlName).mdl;
  expect(value, `parameter ${n} of ${stop.message} should be MDL "${mdlName}" (#${mdl.id})`).to.equal(mdl.id);
});

Then('bug check parameter {count} is the number of pages of buffer {string}', function (this: ConformanceWorld, n: number, bufferName: string) {
  const { stop, value } = parameter(this, n);
  const pages = pageCountOf(objects(this).buffers.get(bufferName));
  expect(value, `parameter ${n} of ${stop.message} should be the ${pages} page(s) of buffer "${bufferName}"`).to.equal(pages);
});

Then('bug check parameter {count} is a frame described by MDL {string}', function (this: ConformanceWorld, n: number, mdlName: string) {
  const { stop, value } = parameter(this, n);
  const frames = objects(this).mdls.get(mdlName).mdl.PfnArray;
  expect(frames, `parameter ${n} of ${stop.message} should be one of the frames of MDL "${mdlName}"`).to.include(value);
});

Then('the bug check names the driver {string}', function (this: ConformanceWorld, driver: string) {
  const stop = expectBugCheck(this);
  expect(stop.reason, `the reason given for ${hex(stop.code)} ${stop.stopName}`).to.include(driver);
});

Then('the call raises {word}', function (this: ConformanceWorld, name: string) {
  const known = Object.keys(STATUS).map((k) => `STATUS_${k}`);
  if (!known.includes(name)) throw new Error(`unknown status "${name}": the simulated kernel knows ${known.join(', ')}`);
  const raised = expectRaised(this);
  expect(statusName(raised.status), `the status raised (${raised.message})`).to.equal(name);
});

Then('{word} returns NULL', function (this: ConformanceWorld, routine: string) {
  const returnedBy = expectNull(this);
  expect(returnedBy, 'the routine that returned NULL').to.equal(routine);
});

Then('the call succeeds', function (this: ConformanceWorld) {
  expectCompleted(this);
});
