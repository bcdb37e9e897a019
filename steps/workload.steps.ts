/**
 * Steps that drive the driver under test: applications open the device,
 * read and write buffers of any size at any offset into a page, keep
 * requests in flight, pass hostile buffers, free buffers in flight, cancel,
 * close their handles and exit; and the machine events between them
 * (allocation failures at named call sites, page-in errors, device faults;
 * memory pressure is the paging steps' "memory pressure is severe").
 *
 * Each step is one call into src/workload. A step during which the machine
 * stopped or the driver hung fails at once, naming the rule the stop breaks.
 */
import { DataTable, Given, Then, When } from '@cucumber/cucumber';
import { STATUS, statusName } from '../src/machine/ntstatus';
import { parseSize } from '../src/machine/size-expression';
import { formatBytes } from '../src/contracts/units';
import { CallSite, FailurePoint, LaterPiece, PieceMappingPoint, failCallNumber, failCalls, failPieceCall, injectDeviceFault, isFailurePoint, restoreCalls, FAILURE_POINTS } from '../src/workload/machine-events';
import { guardedKernelBuffer } from '../src/workload/hostile-input';
import { runMixedWorkload } from '../src/workload/mixed-workload';
import { statusFinding } from '../src/oracles/completion-oracle';
import { RuleFindingsError } from '../src/oracles/rule-findings-error';
import { failIfStopped, workloadOf } from './support/driver-under-test';
import { objects } from './support/scenario-objects';
import { completionFindingOf } from '../src/oracles/completion-oracle';
import { app, latestRequestOf, perform, remember, rememberedRequestOf } from './support/application-steps';
import { ConformanceWorld } from './support/world';
import { HANDLE_RULE, requireOfDriver } from '../src/oracles/rule-check';

/** Rows of | size | offset into its page |, the offset optional (0). */
function bufferRows(table: DataTable): { size: number; offset: number }[] {
  return table.hashes().map((row, i) => {
    if (row.size === undefined) throw new Error(`row ${i + 1} of the table has no "size" column (the columns are: size, offset into its page)`);
    const offsetText = row['offset into its page'] ?? '0';
    const offset = Number(offsetText);
    if (!Number.isInteger(offset)) throw new Error(`row ${i + 1}: "${offsetText}" is not a whole number of bytes into a page`);
    return { size: parseSize(row.size), offset };
  });
}

// --- applications ------------------------------------------------------------------------

Given('the application {string} has opened the device', function (this: ConformanceWorld, name: string) {
  const status = perform(this, `${name} opens the device`, (w) => {
    const started = w.startApplication(name);
    // The paging and process steps know processes by name too ("app.exe" sets its working set ...).
    objects(this).processes.add(name, started.process);
    return started.open();
  });
  if (status !== undefined) requireOfDriver(status === STATUS.SUCCESS, HANDLE_RULE, 'completion', `expected ${name} to open the device`, () => `the driver's IRP_MJ_CREATE for ${name} ended with ${statusName(status)}`);
});

When('{string} reads into buffers of these sizes:', function (this: ConformanceWorld, name: string, table: DataTable) {
  const a = app(this, name);
  for (const row of bufferRows(table)) {
    perform(this, `${name} reads ${formatBytes(row.size)} into a buffer ${row.offset} byte(s) into its page`, () => remember(a, a.read(a.allocate(row.size, row.offset))));
  }
});

When('{string} writes buffers of these sizes:', function (this: ConformanceWorld, name: string, table: DataTable) {
  const a = app(this, name);
  for (const row of bufferRows(table)) {
    perform(this, `${name} writes ${formatBytes(row.size)} from a buffer ${row.offset} byte(s) into its page`, () => remember(a, a.write(a.allocate(row.size, row.offset))));
  }
});

When('{string} keeps {count} read(s) of {size} in flight', function (this: ConformanceWorld, name: string, count: number, size: number) {
  const a = app(this, name);
  perform(this, `${name} issues ${count} overlapped reads of ${formatBytes(size)}`, () => {
    for (let i = 0; i < count; i++) remember(a, a.read(a.allocate(size, (i * 1237) % 4096), { overlapped: true }));
  });
});

When('{string} keeps {count} write(s) of {size} in flight', function (this: ConformanceWorld, name: string, count: number, size: number) {
  const a = app(this, name);
  perform(this, `${name} issues ${count} overlapped writes of ${formatBytes(size)}`, () => {
    for (let i = 0; i < count; i++) remember(a, a.write(a.allocate(size, (i * 911) % 4096), { overlapped: true }));
  });
});

When('{string} waits for its requests', function (this: ConformanceWorld, name: string) {
  const a = app(this, name);
  perform(this, `${name} waits for its requests`, () => a.waitForAll());
});

When('{string} runs a mix of {count} reads and writes of up to {size}, {count} in flight at a time', function (this: ConformanceWorld, name: string, requests: number, largest: number, depth: number) {
  const a = app(this, name);
  perform(this, `${name} runs a mix of ${requests} reads and writes of up to ${formatBytes(largest)}`, () => runMixedWorkload(a, { requests, largest, depth }));
});

When('{string} closes its handle', function (this: ConformanceWorld, name: string) {
  const a = app(this, name);
  const status = perform(this, `${name} closes its handle`, () => a.close());
  if (status !== undefined) requireOfDriver(status === STATUS.SUCCESS, HANDLE_RULE, 'completion', `expected ${name}'s handle to close`, () => `closing ${name}'s handle (the driver's IRP_MJ_CLEANUP) ended with ${statusName(status)}`);
});

When('the application {string} exits', function (this: ConformanceWorld, name: string) {
  const a = app(this, name);
  perform(this, `${name} exits`, () => a.exit());
});

When('{string} cancels its requests', function (this: ConformanceWorld, name: string) {
  const a = app(this, name);
  perform(this, `${name} cancels its requests`, () => a.cancelIo());
});

When('every application exits and the driver under test is unloaded', function (this: ConformanceWorld) {
  const workload = workloadOf(this);
  workload.finish();
  failIfStopped(workload);
});

// --- named buffers and page-in errors -------------------------------------------------------

Given('{string} has a buffer {string} of {size}', function (this: ConformanceWorld, name: string, buffer: string, size: number) {
  app(this, name).allocate(size, 0, buffer);
});

Given('buffer {string} of {string} is paged out and its page {count} cannot be read back', function (this: ConformanceWorld, buffer: string, name: string, page: number) {
  const a = app(this, name);
  perform(this, `paging out buffer "${buffer}" of ${name}`, () => a.losePageOf(a.buffer(buffer), page));
});

When('{string} reads into buffer {string}, which it can no longer read back', function (this: ConformanceWorld, name: string, buffer: string) {
  const a = app(this, name);
  perform(this, `${name} reads into buffer "${buffer}"`, () => {
    const b = a.buffer(buffer);
    remember(a, a.track(a.app.ReadFile(a.handle!, b), `read of ${name} into buffer "${buffer}", whose page cannot be read back`, { kind: 'error', why: 'a buffer whose page cannot be read back from the paging file' }, 'PAGE-3', b));
  });
});

// --- hostile input -----------------------------------------------------------------------------

When('{string} reads {size} into a kernel address', function (this: ConformanceWorld, name: string, size: number) {
  const a = app(this, name);
  perform(this, `${name} reads into a kernel address`, (w) => {
    const guard = guardedKernelBuffer(w, size);
    if (!guard) throw new Error(`non-paged pool has no room for ${formatBytes(size)} of guarded kernel memory`);
    remember(a, a.transferRaw('read', guard.va, size, 'a kernel address'));
  });
});

When('{string} writes {size} from a kernel address', function (this: ConformanceWorld, name: string, size: number) {
  const a = app(this, name);
  perform(this, `${name} writes from a kernel address`, (w) => {
    const guard = guardedKernelBuffer(w, size);
    if (!guard) throw new Error(`non-paged pool has no room for ${formatBytes(size)} of guarded kernel memory`);
    remember(a, a.transferRaw('write', guard.va, size, 'a kernel address'));
  });
});

When('{string} reads {size} into a buffer it has freed', function (this: ConformanceWorld, name: string, size: number) {
  const a = app(this, name);
  perform(this, `${name} reads into a freed buffer`, () => remember(a, a.readFreed(size)));
});

When('{string} reads more than its {size} buffer holds', function (this: ConformanceWorld, name: string, size: number) {
  const a = app(this, name);
  perform(this, `${name} reads past the end of its buffer`, () => remember(a, a.readPastEnd(size)));
});

When('{string} frees the buffer of its latest request while it is in flight', function (this: ConformanceWorld, name: string) {
  const a = app(this, name);
  const latest = rememberedRequestOf(a);
  if (!latest) throw new Error(`${name} has issued no request yet`);
  perform(this, `${name} frees the buffer of its latest request`, () => {
    const buffer = a.bufferOfRequest(latest);
    if (!buffer) throw new Error(`${name}'s latest request (${latest.label}) has no buffer of its own`);
    a.free(buffer);
  });
});


Then('{string}\'s latest request failed with {word}', function (this: ConformanceWorld, name: string, status: string) {
  const a = app(this, name);
  const latest = latestRequestOf(this, a);
  if (!latest) throw new Error(`${name} has issued no request yet`);
  const known = Object.keys(STATUS).map((k) => `STATUS_${k}`);
  if (!known.includes(status)) throw new Error(`unknown status "${status}": the simulated kernel knows ${known.join(', ')}`);
  const finding = statusFinding(latest, status);
  if (finding) throw new RuleFindingsError(`expected ${latest.label} to fail with ${status}`, [finding]);
});

/**
 * The latest request ended as the contract allows for what happened while it
 * was outstanding (docs/driver-contract.md, "How a request must end"): the
 * completion oracle judges it and names the rule, so a driver that retries,
 * or fails with another status the contract allows, passes.
 */
Then('{string}\'s latest request ended as the contract allows', function (this: ConformanceWorld, name: string) {
  const latest = latestRequestOf(this, app(this, name));
  if (!latest) throw new Error(`${name} has issued no request yet`);
  const finding = completionFindingOf(workloadOf(this), latest);
  if (finding) throw new RuleFindingsError(`expected ${latest.label} to end as the contract allows`, [finding]);
});

// --- machine events ------------------------------------------------------------------------------

function failurePoint(name: string): FailurePoint {
  if (!isFailurePoint(name)) throw new Error(`no failure can be injected into "${name}": the points are ${FAILURE_POINTS.join(', ')}`);
  return name;
}

function injectFailures(world: ConformanceWorld, point: string, site: CallSite, count?: number): void {
  const p = failurePoint(point);
  perform(world, `failing ${count === undefined ? 'every call' : `the next ${count} call(s)`} to ${point}`, (w) => failCalls(w, p, site, count));
}

When('every call to {word} by the driver under test fails', function (this: ConformanceWorld, point: string) {
  injectFailures(this, point, 'driver');
});

When('every call to {word} by the I\\/O manager fails', function (this: ConformanceWorld, point: string) {
  injectFailures(this, point, 'io-manager');
});

When('the next {count} call(s) to {word} by the driver under test fail(s)', function (this: ConformanceWorld, count: number, point: string) {
  injectFailures(this, point, 'driver', count);
});

When('the next {count} call(s) to {word} by the I\\/O manager fail(s)', function (this: ConformanceWorld, count: number, point: string) {
  injectFailures(this, point, 'io-manager', count);
});

When('the driver under test\'s call {count} from now to {word} fails', function (this: ConformanceWorld, n: number, point: string) {
  const p = failurePoint(point);
  perform(this, `failing the driver's call ${n} from now to ${point}`, (w) => failCallNumber(w, p, 'driver', n));
});

When('the driver under test\'s {word} call for the {word} piece of a request fails', function (this: ConformanceWorld, point: string, piece: string) {
  perform(this, `failing the driver's ${point} call for the ${piece} piece of a request`, (w) => failPieceCall(w, point as PieceMappingPoint, piece as LaterPiece));
});

When('allocations stop failing', function (this: ConformanceWorld) {
  perform(this, 'allocations stop failing', (w) => restoreCalls(w));
});

When('the DMA test device refuses its next data burst', function (this: ConformanceWorld) {
  perform(this, 'the device refuses its next data burst', (w) => injectDeviceFault(w, 'master-abort'));
});

When('the DMA test device hangs', function (this: ConformanceWorld) {
  perform(this, 'the device hangs', (w) => injectDeviceFault(w, 'hang'));
});

When('the DMA test device is surprise-removed', function (this: ConformanceWorld) {
  perform(this, 'the device is surprise-removed', (w) => injectDeviceFault(w, 'surprise-removal'));
});

When('the DMA test device refuses a data burst after {size}', function (this: ConformanceWorld, bytes: number) {
  perform(this, `the device refuses a data burst after ${formatBytes(bytes)}`, (w) => injectDeviceFault(w, 'master-abort', { at: 'after-bytes', bytes }));
});

When('the DMA test device refuses a data burst in the middle of it', function (this: ConformanceWorld) {
  perform(this, 'the device refuses a data burst in the middle of it', (w) => injectDeviceFault(w, 'master-abort', { at: 'mid-burst' }));
});

When('the DMA test device refuses a data burst at descriptor {count}', function (this: ConformanceWorld, index: number) {
  perform(this, `the device refuses a data burst at descriptor ${index}`, (w) => injectDeviceFault(w, 'master-abort', { at: 'descriptor', index }));
});

When('the DMA test device is surprise-removed after {size}', function (this: ConformanceWorld, bytes: number) {
  perform(this, `the device is surprise-removed after ${formatBytes(bytes)}`, (w) => injectDeviceFault(w, 'surprise-removal', { at: 'after-bytes', bytes }));
});
