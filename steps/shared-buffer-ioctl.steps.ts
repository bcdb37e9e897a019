/**
 * Steps of the shared-buffer-ioctl class (seed 000's inverted call): an
 * application registers a queue, hands buffers down once, consumes the fills
 * the device makes into them, and registers hostile queue regions. Each step
 * is one call into the class's application (src/conformance/shared-buffer-ioctl).
 */
import { Then, When } from '@cucumber/cucumber';
import { SHARED_BUFFER_RULES, listsBuiltOncePerBuffer, sharedBufferClientOf } from '../src/conformance/shared-buffer-ioctl/application';
import { failOnFindings } from '../src/oracles/rule-findings-error';
import { formatBytes } from '../src/contracts/units';
import { QUEUE_ENTRY_BYTES, QUEUE_HEADER_BYTES, queueBytes } from '../src/conformance/shared-buffer-ioctl/interface';
import { guardedKernelBuffer } from '../src/workload/hostile-input';
import { app, perform, remember } from './support/application-steps';
import { workloadOf } from './support/driver-under-test';
import { ConformanceWorld } from './support/world';
import { requireOfDriver } from '../src/oracles/rule-check';

When('{string} registers a shared queue of {count} entries', function (this: ConformanceWorld, name: string, entries: number) {
  const client = sharedBufferClientOf(app(this, name));
  perform(this, `${name} registers a shared queue`, () => remember(client.app, client.registerQueue(entries)));
});

When('{string} registers a shared queue at a kernel address', function (this: ConformanceWorld, name: string) {
  const client = sharedBufferClientOf(app(this, name));
  perform(this, `${name} registers a shared queue at a kernel address`, (w) => {
    const guard = guardedKernelBuffer(w, 4096);
    if (!guard) throw new Error('non-paged pool has no room for a page of guarded kernel memory');
    remember(client.app, client.registerQueueAt(guard.va, 4096, 'a kernel address'));
  });
});

When('{string} registers a shared queue in memory it has freed', function (this: ConformanceWorld, name: string) {
  const a = app(this, name);
  const client = sharedBufferClientOf(a);
  perform(this, `${name} registers a shared queue in freed memory`, () => {
    const region = a.allocate(4096);
    a.free(region);
    remember(a, client.registerQueueAt(region.address, 4096, 'memory the application freed'));
  });
});

When('{string} registers a shared queue too small for one entry', function (this: ConformanceWorld, name: string) {
  const a = app(this, name);
  const client = sharedBufferClientOf(a);
  perform(this, `${name} registers a shared queue too small for one entry`, () => {
    const region = a.allocate(20);
    remember(a, client.registerQueueAt(region.address, 20, 'a region too small for one entry'));
  });
});

When('{string} registers a shared queue of {count} entries and {size} more', function (this: ConformanceWorld, name: string, entries: number, slack: number) {
  const client = sharedBufferClientOf(app(this, name));
  if (slack >= QUEUE_ENTRY_BYTES) throw new Error(`${formatBytes(slack)} more would hold another entry of ${QUEUE_ENTRY_BYTES} bytes: say a queue of more entries`);
  perform(this, `${name} registers a shared queue with room to spare`, () => remember(client.app, client.registerQueue(entries, slack)));
});

When('{string} registers a shared queue 1 byte too small for one entry', function (this: ConformanceWorld, name: string) {
  const a = app(this, name);
  const client = sharedBufferClientOf(a);
  perform(this, `${name} registers a shared queue 1 byte too small for one entry`, () => {
    const region = a.allocate(queueBytes(1) - 1);
    remember(a, client.registerQueueAt(region.address, region.length, 'a region 1 byte too small for one entry'));
  });
});

When('{string} registers a shared queue whose length runs 4 GiB past its start', function (this: ConformanceWorld, name: string) {
  const a = app(this, name);
  const client = sharedBufferClientOf(a);
  perform(this, `${name} registers a shared queue whose length runs 4 GiB past its start`, () => {
    const region = a.allocate(queueBytes(2));
    remember(a, client.registerQueueAt(region.address, 2 ** 32 - QUEUE_HEADER_BYTES, 'a region whose length runs 4 GiB past its start'));
  });
});

When('{string} hands down {count} buffers of {size}', function (this: ConformanceWorld, name: string, count: number, size: number) {
  const client = sharedBufferClientOf(app(this, name));
  perform(this, `${name} hands down ${count} buffers of ${formatBytes(size)}`, () => {
    for (const h of client.handDown(count, size)) remember(client.app, h.tracked);
  });
});

When('{string} consumes {count} filled buffers', function (this: ConformanceWorld, name: string, count: number) {
  const client = sharedBufferClientOf(app(this, name));
  const consumed = perform(this, `${name} consumes ${count} filled buffers`, () => client.consume(count));
  if (consumed !== undefined) requireOfDriver(consumed.length === count, SHARED_BUFFER_RULES.signal, 'completion', `expected ${name} to be signalled ${count} fills`, () => `${name} was signalled ${consumed.length} fill(s)`);
});

Then('{string} checked {count} fills against the device\'s stream', function (this: ConformanceWorld, name: string, count: number) {
  const client = sharedBufferClientOf(app(this, name));
  requireOfDriver(client.fillsChecked === count, SHARED_BUFFER_RULES.data, 'data', `expected ${count} fills of ${name} checked against the device's stream`,
    () => `${client.fillsChecked} fill(s) of ${name} were checked against the stream (${client.emptyFills} were reported empty)`);
});

Then('each buffer\'s scatter\\/gather list was built once, however often it was filled', function (this: ConformanceWorld) {
  failOnFindings('expected one scatter/gather list per buffer handed down', listsBuiltOncePerBuffer(workloadOf(this)));
});
