/**
 * Steps about the driver under test: the machine it is started on (the DMA
 * test device's addressing and transfer limit, how frames are handed out,
 * whether DMA execution routines run later), starting it on the device,
 * and unloading it. Which driver runs is decided by
 * support/driver-under-test.ts from the scenario's @class tag.
 */
import { Given, Then, When } from '@cucumber/cucumber';
import { expect } from 'chai';
import { defaultBootConfig } from '../src/machine/boot-config';
import { Workload } from '../src/workload/workload';
import { failIfStopped, selectedDriver, setWorkload, workloadOf } from './support/driver-under-test';
import { runningMachine } from './support/outcome';
import { ConformanceWorld } from './support/world';
import { requireOfDriver } from '../src/oracles/rule-check';

Given('the DMA test device can address only {count} bits', function (this: ConformanceWorld, bits: number) {
  if (bits !== 32 && bits !== 64) throw new Error(`the DMA test device addresses 32 or 64 bits, not ${bits}`);
  this.bootOptions.dmaDevice = { ...(this.bootOptions.dmaDevice ?? defaultBootConfig().dmaDevice), addressBits: bits };
});

Given('the DMA test device moves at most {size} per descriptor', function (this: ConformanceWorld, bytes: number) {
  this.bootOptions.dmaDevice = { ...(this.bootOptions.dmaDevice ?? defaultBootConfig().dmaDevice), maxTransferLength: bytes };
});

// A request longer than the map registers allow is then mapped, and run, in pieces.
Given('the HAL grants the DMA test device\'s adapter at most {count} map registers', function (this: ConformanceWorld, mapRegisters: number) {
  if (!(mapRegisters >= 1)) throw new Error(`an adapter needs at least 1 map register, not ${mapRegisters}`);
  this.bootOptions.mapRegisterLimit = mapRegisters;
});

Given('a machine that hands out page frames in physical order', function (this: ConformanceWorld) {
  this.bootOptions.scatterFrames = false;
});

// The HAL then runs every execution routine of GetScatterGatherList, BuildScatterGatherList and AllocateAdapterChannel from a DPC, after the call has returned.
Given('a machine that runs DMA execution routines later, from a DPC', function (this: ConformanceWorld) {
  this.bootOptions.deferDmaCallbacks = true;
});

Given('the driver under test is started on the DMA test device', function (this: ConformanceWorld) {
  const workload = Workload.start(runningMachine(this), selectedDriver(this));
  setWorkload(this, workload);
  failIfStopped(workload);
});

When('the driver under test is unloaded', function (this: ConformanceWorld) {
  const workload = workloadOf(this);
  workload.perform(`unloading driver ${workload.driverName}`, () => workload.session?.unload());
  failIfStopped(workload);
  expect(workload.session?.unloaded, 'the driver was unloaded').to.equal(true);
});

Then('data for the device went through bounce buffers', function (this: ConformanceWorld) {
  const session = workloadOf(this).session;
  requireOfDriver((session?.bytesBounced ?? 0) > 0, 'SG-6', 'data', 'expected data for the 32-bit device to go through bounce buffers',
    () => 'the HAL copied no byte through bounce buffers: the driver described its device as reaching all of memory, so buffers above 4 GiB were handed to a device that cannot address them');
});
