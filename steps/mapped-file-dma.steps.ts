/**
 * Steps of the mapped-file-dma class (seed 000): an application maps a file,
 * empty or holding data for the device, and hands the view to the driver
 * under test, which has the device fill it or read it; the application
 * flushes the view, and the file then holds what the device wrote (PAGE-4).
 * Memory pressure is the paging steps' "memory pressure is severe"; the
 * files are named objects of the scenario, so "N pages were read from the
 * file" applies to them too.
 */
import { Given, Then, When } from '@cucumber/cucumber';
import { requireMachine } from '../src/diagnosis/machine-precondition';
import { formatBytes } from '../src/contracts/units';
import { FileContents, FileView, deviceFillsView, deviceReadsView, fileDataFindings, fileStreamMismatch, flushView, mapFileView, passUnmappedView, readWholeView } from '../src/conformance/mapped-file-dma/application';
import { failOnFindings } from '../src/oracles/rule-findings-error';
import { objects } from './support/scenario-objects';
import { ConformanceWorld } from './support/world';
import { perform } from './support/application-steps';

const viewsOf = new WeakMap<object, Map<string, FileView>>();

function views(world: object): Map<string, FileView> {
  let map = viewsOf.get(world);
  if (!map) viewsOf.set(world, (map = new Map()));
  return map;
}

function viewOf(world: object, fileName: string): FileView {
  const view = views(world).get(fileName);
  if (!view) throw new Error(`no application has mapped the file "${fileName}"${views(world).size ? `: the mapped files are ${[...views(world).keys()].map((n) => `"${n}"`).join(', ')}` : ''}`);
  return view;
}

function mapFile(world: ConformanceWorld, name: string, fileName: string, size: number, contents: FileContents): void {
  const view = perform(world, `${name} maps the file "${fileName}" (${formatBytes(size)})`, (w) => mapFileView(w.application(name), fileName, size, contents));
  if (!view) return;
  views(world).set(fileName, view);
  objects(world).files.add(fileName, view.file);
}

Given('{string} maps an empty file {string} of {size}', function (this: ConformanceWorld, name: string, fileName: string, size: number) {
  mapFile(this, name, fileName, size, 'empty');
});

Given('{string} maps a file {string} of {size} holding data for the device', function (this: ConformanceWorld, name: string, fileName: string, size: number) {
  mapFile(this, name, fileName, size, 'device stream');
});

Given('no page of the view of {string} is resident', function (this: ConformanceWorld, fileName: string) {
  const view = viewOf(this, fileName);
  perform(this, `the view of "${fileName}" is trimmed`, (w) => w.machine.mm.applyMemoryPressure('severe', view.app.process.addressSpace));
});

Given('{string} has read every page of its view of {string}', function (this: ConformanceWorld, _name: string, fileName: string) {
  const view = viewOf(this, fileName);
  perform(this, `the view of "${fileName}" is read through`, () => readWholeView(view));
});

When('{string} has the device fill its view of {string}', function (this: ConformanceWorld, _name: string, fileName: string) {
  const view = viewOf(this, fileName);
  perform(this, `the device fills the view of "${fileName}"`, () => deviceFillsView(view));
});

When('{string} has the device fill its view of {string} without waiting', function (this: ConformanceWorld, _name: string, fileName: string) {
  const view = viewOf(this, fileName);
  perform(this, `the device starts filling the view of "${fileName}"`, () => deviceFillsView(view, true));
});

When('{string} has the device read its view of {string}', function (this: ConformanceWorld, _name: string, fileName: string) {
  const view = viewOf(this, fileName);
  perform(this, `the device reads the view of "${fileName}"`, () => deviceReadsView(view));
});

When('{string} unmaps its view of {string} and hands it to the device anyway', function (this: ConformanceWorld, _name: string, fileName: string) {
  const view = viewOf(this, fileName);
  perform(this, `the unmapped view of "${fileName}" is handed to the device`, () => passUnmappedView(view));
});

When('{string} flushes its view of {string}', function (this: ConformanceWorld, _name: string, fileName: string) {
  const view = viewOf(this, fileName);
  perform(this, `the view of "${fileName}" is flushed`, () => flushView(view));
});

Then('the file {string} holds the device\'s data', function (this: ConformanceWorld, fileName: string) {
  failOnFindings(`expected the file "${fileName}" to hold the device's data`, fileDataFindings(viewOf(this, fileName), `once the view of "${fileName}" went back to its file`));
});

Then('the file {string} does not hold the device\'s data yet', function (this: ConformanceWorld, fileName: string) {
  // Only the flush may write the view back; a file that already holds the data leaves the scenario nothing to judge.
  requireMachine(fileStreamMismatch(viewOf(this, fileName)) !== null, () => `the file "${fileName}" on disk already holds the device's data before the flush`);
});
