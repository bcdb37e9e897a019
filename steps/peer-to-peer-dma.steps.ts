/**
 * Steps of the peer-to-peer-dma class (seeds 000, 002): an application gets
 * GPU memory from the GPU's allocator, has the DMA test device write into it
 * or read from it device to device, and hands the driver ranges that are not
 * another device's memory. Each step is one call into the class's
 * application (src/conformance/peer-to-peer-dma).
 */
import { Given, Then, When } from '@cucumber/cucumber';
import { formatBytes } from '../src/contracts/units';
import { failOnFindings } from '../src/oracles/rule-findings-error';
import { deviceToDeviceOracle, peerToPeerClientOf, peerToPeerDmaProtocol } from '../src/conformance/peer-to-peer-dma/application';
import { app, perform, remember } from './support/application-steps';
import { workloadOf } from './support/driver-under-test';
import { ConformanceWorld } from './support/world';

Given('a machine with the GPU the peer-to-peer class needs', function (this: ConformanceWorld) {
  Object.assign(this.bootOptions, peerToPeerDmaProtocol.bootOptions);
});

When('{string} gets {size} of GPU memory from the GPU\'s allocator', function (this: ConformanceWorld, name: string, size: number) {
  const client = peerToPeerClientOf(app(this, name));
  perform(this, `${name} gets ${formatBytes(size)} of GPU memory`, () => {
    if (!client.acquireWindow(size)) throw new Error(`the GPU has no ${formatBytes(size)} of memory free for ${name}`);
  });
});

When('{string} has the device write its whole GPU memory', function (this: ConformanceWorld, name: string) {
  const client = peerToPeerClientOf(app(this, name));
  perform(this, `${name} has the device write its GPU memory`, () => remember(client.app, client.toPeer(0, client.requireWindow().length)));
});

When('{string} has the device write {size} into its GPU memory, {size} into it', function (this: ConformanceWorld, name: string, size: number, offset: number) {
  const client = peerToPeerClientOf(app(this, name));
  perform(this, `${name} has the device write ${formatBytes(size)} into its GPU memory`, () => remember(client.app, client.toPeer(offset, size)));
});

When('{string} starts the device writing its whole GPU memory', function (this: ConformanceWorld, name: string) {
  const client = peerToPeerClientOf(app(this, name));
  perform(this, `${name} starts the device writing its GPU memory`, () => remember(client.app, client.toPeer(0, client.requireWindow().length, true)));
});

When('{string} has the device read {size} of its GPU memory, {size} into it', function (this: ConformanceWorld, name: string, size: number, offset: number) {
  const client = peerToPeerClientOf(app(this, name));
  perform(this, `${name} has the device read ${formatBytes(size)} of its GPU memory`, () => remember(client.app, client.fromPeer(offset, size)));
});

When('{string} asks for a transfer of {size} outside every memory BAR', function (this: ConformanceWorld, name: string, size: number) {
  const client = peerToPeerClientOf(app(this, name));
  perform(this, `${name} asks for a transfer outside every memory BAR`, () => remember(client.app, client.outsideTheBar(size)));
});

When('{string} asks for a transfer of {size} running past the end of the GPU\'s memory BAR', function (this: ConformanceWorld, name: string, size: number) {
  const client = peerToPeerClientOf(app(this, name));
  perform(this, `${name} asks for a transfer past the end of the GPU's memory BAR`, () => remember(client.app, client.pastTheBarEnd(size)));
});

When('{string} asks for a transfer of {size} whose end wraps past the top of the address space', function (this: ConformanceWorld, name: string, size: number) {
  const client = peerToPeerClientOf(app(this, name));
  perform(this, `${name} asks for a transfer whose end wraps past the top of the address space`, () => remember(client.app, client.wrappingPastTheTop(size)));
});

When('{string} asks for a transfer of 4 GiB - 1 page from a page into its GPU memory, whose end wraps past 4 GiB in 32 bits', function (this: ConformanceWorld, name: string) {
  const client = peerToPeerClientOf(app(this, name));
  perform(this, `${name} asks for a transfer whose end wraps past 4 GiB in 32 bits`, () => remember(client.app, client.wrappingPast4GiB()));
});

When('{string} asks for a transfer of {size} into host RAM passed as a BAR', function (this: ConformanceWorld, name: string, size: number) {
  const client = peerToPeerClientOf(app(this, name));
  perform(this, `${name} asks for a transfer into host RAM passed as a BAR`, () => remember(client.app, client.ramAsBar(size) ?? undefined));
});

Then('every byte the driver reported went from device to device', function (this: ConformanceWorld) {
  failOnFindings('expected every transfer to go device to device', deviceToDeviceOracle(workloadOf(this)));
});
