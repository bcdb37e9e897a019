/** Steps about booting the machine and its physical memory layout. */
import { Given, Then, When } from '@cucumber/cucumber';
import { strict as assert } from 'node:assert';
import { FOUR_GIB } from '../src/machine/boot-config';
import { PAGE_SIZE, formatAddress } from '../src/contracts/units';
import { FrameState } from '../src/kernel/mm/physical-memory';
import { ConformanceWorld } from './support/world';

type World = ConformanceWorld & { framesTaken?: number[]; freeBeforeTaking?: number };

Given('a machine with {size} of RAM', function (this: World, ramBytes: number) {
  this.bootOptions.ramBytes = ramBytes;
});

Then('the device hole lies below 4 GiB', function (this: World) {
  const { physical, config } = this.machine;
  const holeStart = FOUR_GIB - config.deviceHoleBytes;
  const first = holeStart / PAGE_SIZE;
  const last = FOUR_GIB / PAGE_SIZE - 1;
  assert.equal(physical.lowRamTop, holeStart, `RAM below 4 GiB should end where the hole starts, at ${formatAddress(holeStart)}`);
  assert.ok(physical.isRam(first - 1), `the frame just below the hole (${formatAddress(holeStart - PAGE_SIZE)}) should be RAM`);
  assert.ok(!physical.isRam(first), `the first frame of the hole (${formatAddress(holeStart)}) should not be RAM`);
  assert.ok(!physical.isRam(last), `the last frame of the hole (${formatAddress(FOUR_GIB - PAGE_SIZE)}) should not be RAM`);
});

Then('the RAM displaced by the device hole lies above 4 GiB', function (this: World) {
  const { physical, config } = this.machine;
  const displaced = config.ramBytes - physical.lowRamTop;
  assert.equal(physical.highRamTop - FOUR_GIB, displaced, 'RAM above 4 GiB should equal the RAM that does not fit below the hole');
  assert.ok(physical.isRam(FOUR_GIB / PAGE_SIZE), `the frame at ${formatAddress(FOUR_GIB)} should be RAM`);
  assert.ok(!physical.isRam(physical.highRamTop / PAGE_SIZE), `the frame at ${formatAddress(physical.highRamTop)} should be past the end of RAM`);
});

Then('no RAM lies above 4 GiB', function (this: World) {
  const { physical, config } = this.machine;
  assert.equal(physical.lowRamTop, config.ramBytes, 'all RAM should sit below the device hole');
  assert.ok(!physical.isRam(FOUR_GIB / PAGE_SIZE), `the frame at ${formatAddress(FOUR_GIB)} should not be RAM`);
});

Then('the first {size} is kept by the firmware', function (this: World, firmwareBytes: number) {
  const { physical } = this.machine;
  const frames = firmwareBytes / PAGE_SIZE;
  for (let pfn = 0; pfn < frames; pfn++) {
    assert.equal(physical.state[pfn], FrameState.Absent, `frame ${pfn} should be kept by the firmware`);
  }
  assert.ok(physical.isRam(frames), `the frame at ${formatAddress(firmwareBytes)} should be RAM`);
});

Then('every RAM frame is free', function (this: World) {
  const { physical } = this.machine;
  assert.equal(physical.freeFrames, physical.ramFrames, 'a machine that has just booted should have every RAM frame free');
});

When('{count} frames are taken', function (this: World, count: number) {
  const { physical } = this.machine;
  const owner = physical.registerOwner((ownerId) => ({ ownerId, ownerName: 'boot feature' }));
  this.freeBeforeTaking = physical.freeFrames;
  this.framesTaken = Array.from({ length: count }, (_, page) => physical.allocateFrame(owner, page, FrameState.NonPaged));
});

Then('{count} fewer RAM frames are free', function (this: World, count: number) {
  assert.equal(this.machine.physical.freeFrames, this.freeBeforeTaking! - count);
});

Then('the frames taken are not physically contiguous', function (this: World) {
  const frames = this.framesTaken!;
  const adjacent = frames.slice(1).filter((pfn, i) => pfn === frames[i]! + 1).length;
  assert.ok(adjacent < frames.length - 1, `frames ${frames.join(', ')} were handed out one after another`);
});

Then('the machine refuses to boot because {string}', function (this: World, reason: string) {
  assert.throws(() => this.machine, (e: unknown) => e instanceof RangeError && e.message.includes(reason));
});
