/**
 * Steps about applications: processes, the buffers they allocate, the data
 * they write, their working sets, the files they map, and their exit.
 */
import { Given, Then, When } from '@cucumber/cucumber';
import { expect } from 'chai';
import { Process } from '../src/kernel/io/process';
import { Machine } from '../src/machine/machine';
import { formatBytes } from '../src/contracts/units';
import { attempt, runningMachine } from './support/outcome';
import { ScenarioBuffer, ScenarioObjects, objects, pageAddress, patternBytes, patternMismatch, writePattern } from './support/scenario-objects';
import { ConformanceWorld } from './support/world';

/** The process named `name`, created the first time a step names it with "a process". */
function processNamed(machine: Machine, registry: ScenarioObjects, name: string): Process {
  return registry.processes.has(name) ? registry.processes.get(name) : registry.processes.add(name, machine.kernel.createProcess(name));
}

/** How an application's buffer is set up before a driver sees it. */
const USER_BUFFER_KINDS = {
  /** VirtualAlloc(MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE). */
  committed: (m: Machine, p: Process, size: number, label: string) => m.mm.allocateVirtual(p.addressSpace, size, { label }),
  /** Reserved only: an access faults with an access violation. */
  reserved: (m: Machine, p: Process, size: number, label: string) => m.mm.allocateVirtual(p.addressSpace, size, { commit: false, label }),
  /** Allocated and released again: the address is no longer allocated. */
  released: (m: Machine, p: Process, size: number, label: string) => {
    const va = m.mm.allocateVirtual(p.addressSpace, size, { label });
    m.mm.freeVirtual(p.addressSpace, va);
    return va;
  },
  'read-only': (m: Machine, p: Process, size: number, label: string) => {
    const va = m.mm.allocateVirtual(p.addressSpace, size, { label });
    m.mm.setProtection(p.addressSpace, va, 'readonly');
    return va;
  },
} as const;

function userBuffer(world: ConformanceWorld, processName: string, kind: string, bufferName: string, size: number): ScenarioBuffer {
  const make = USER_BUFFER_KINDS[kind as keyof typeof USER_BUFFER_KINDS];
  if (!make) throw new Error(`unknown kind of buffer "${kind}": say ${Object.keys(USER_BUFFER_KINDS).map((k) => `"a ${k} buffer"`).join(', ')}`);
  const machine = runningMachine(world);
  const registry = objects(world);
  const process = processNamed(machine, registry, processName);
  const va = make(machine, process, size, `buffer "${bufferName}"`);
  return registry.addBuffer({ name: bufferName, kind: 'private memory', va, length: size, process, requestor: process });
}

Given('a process {string}', function (this: ConformanceWorld, name: string) {
  const registry = objects(this);
  if (registry.processes.has(name)) throw new Error(`the process "${name}" already exists in this scenario`);
  processNamed(runningMachine(this), registry, name);
});

Given('a process {string} with a {word} buffer {string} of {size}', function (this: ConformanceWorld, processName: string, kind: string, bufferName: string, size: number) {
  userBuffer(this, processName, kind, bufferName, size);
});

Given(
  'a process {string} with a paged-out buffer {string} of {size} whose page {count} cannot be read back',
  function (this: ConformanceWorld, processName: string, bufferName: string, size: number, page: number) {
    const machine = runningMachine(this);
    const buffer = userBuffer(this, processName, 'committed', bufferName, size);
    writePattern(machine, buffer, null, `contents of ${bufferName}`);
    machine.mm.applyMemoryPressure('severe', buffer.process!.addressSpace);
    machine.mm.injectPageInError(buffer.process!.addressSpace, pageAddress(buffer, page));
  },
);

Given('a process {string} that passes a kernel address as buffer {string} of {size}', function (this: ConformanceWorld, processName: string, bufferName: string, size: number) {
  const machine = runningMachine(this);
  const registry = objects(this);
  const process = processNamed(machine, registry, processName);
  const va = machine.mm.ExAllocatePoolWithTag('NonPagedPool', size, 'Krnl');
  if (va === null) throw new Error(`non-paged pool has no room for ${formatBytes(size)}`);
  registry.addBuffer({ name: bufferName, kind: 'non-paged pool', va, length: size, process: null, requestor: process });
});

Given('the process writes the pattern {string} into buffer/view {string}', function (this: ConformanceWorld, pattern: string, bufferName: string) {
  const buffer = objects(this).buffers.get(bufferName);
  if (!buffer.process) throw new Error(`buffer "${bufferName}" is ${buffer.kind} in system space, which no process writes to: say 'the driver "x.sys" writes ...'`);
  writePattern(runningMachine(this), buffer, null, pattern);
});

Given('{string} writes the pattern {string} into buffer/view {string}', function (this: ConformanceWorld, processName: string, pattern: string, bufferName: string) {
  const registry = objects(this);
  const process = registry.processes.get(processName);
  const buffer = registry.buffers.get(bufferName);
  if (buffer.process !== process) throw new Error(`buffer "${bufferName}" is not in the address space of "${processName}"`);
  writePattern(runningMachine(this), buffer, null, pattern);
});

Given('{string} sets its working set to a minimum of {size} and a maximum of {size}', function (this: ConformanceWorld, processName: string, minimum: number, maximum: number) {
  const process = objects(this).processes.get(processName);
  runningMachine(this).mm.setWorkingSetSize(process.addressSpace, minimum, maximum);
});

When('the process {string} exits', async function (this: ConformanceWorld, processName: string) {
  const process = objects(this).processes.get(processName);
  await attempt(this, (machine) => machine.kernel.exitProcess(process));
});

// --- mapped files ---------------------------------------------------------------

Given('a file {string} of {size} holding the pattern {string}', function (this: ConformanceWorld, fileName: string, size: number, pattern: string) {
  const registry = objects(this);
  if (registry.files.has(fileName)) throw new Error(`the file "${fileName}" already exists in this scenario`);
  registry.files.add(fileName, runningMachine(this).mm.createFile(fileName, size, patternBytes(pattern, 0, size)));
});

Given('a process {string} that maps the file {string} as view {string}', function (this: ConformanceWorld, processName: string, fileName: string, viewName: string) {
  const machine = runningMachine(this);
  const registry = objects(this);
  const process = processNamed(machine, registry, processName);
  const file = registry.files.get(fileName);
  const section = machine.mm.createSection(file);
  const va = machine.mm.mapViewOfSection(process.addressSpace, section, 0, file.size);
  registry.addBuffer({ name: viewName, kind: 'mapped view', va, length: file.size, process, requestor: process, file });
});

When('the process flushes view {string}', function (this: ConformanceWorld, viewName: string) {
  const view = objects(this).buffers.get(viewName);
  if (view.kind !== 'mapped view') throw new Error(`"${viewName}" is ${view.kind}, not a mapped view of a file`);
  const machine = runningMachine(this);
  machine.mm.flushViewOfFile(view.process!.addressSpace, view.va, view.length);
});

Then('the file {string} (still )holds the pattern {string}', function (this: ConformanceWorld, fileName: string, pattern: string) {
  const file = objects(this).files.get(fileName);
  const mismatch = patternMismatch(file.read(0, file.size), pattern);
  expect(mismatch, `the file "${fileName}" on disk: ${mismatch}`).to.equal(null);
});

Then('{count} pages were read from the file {string}', function (this: ConformanceWorld, pages: number, fileName: string) {
  const file = objects(this).files.get(fileName);
  expect(file.reads, `pages read from the file "${fileName}"`).to.equal(pages);
});
