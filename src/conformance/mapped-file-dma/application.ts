/**
 * Mapped file views handed to a driver (class mapped-file-dma, seed 000):
 * an application maps a file, empty or holding data, and passes the view's
 * address to the driver by the class's METHOD_NEITHER IOCTLs, so that the
 * device fills the view or reads it. Flushing the view afterwards writes
 * what the device put there to the file (PAGE-4).
 *
 * Each view gets its own stretch of the device's stream: a view the device
 * fills must then hold that stretch, and a file the device reads holds it
 * from the start.
 */
import { IOCTL_MAPPED_FILE_FROM_DEVICE, IOCTL_MAPPED_FILE_TO_DEVICE, MAPPED_FILE_MAXIMUM_REQUEST, MAPPED_FILE_STREAM_OFFSET_BYTES, mappedFileInput } from './interface';
import type { UserBuffer } from '../../kernel/io/application';
import type { SimulatedFile } from '../../kernel/mm/section';
import { formatBytes } from '../../contracts/units';
import { KiB, MiB, PAGE_SIZE, roundUpToPage } from '../../contracts/units';
import { ALL_FAILURES, ClassProtocol } from '../class-protocol';
import { guardedKernelBuffer } from '../../workload/hostile-input';
import type { TrackedRequest } from '../../workload/request-ledger';
import type { Workload } from '../../workload/workload';
import { STATUS } from '../../machine/ntstatus';
import type { OracleFinding } from '../../oracles/oracle-finding';
import type { WorkloadApplication } from '../../workload/workload-application';

/** A file an application has mapped, and the stretch of the stream it is meant to hold. */
export interface FileView {
  readonly app: WorkloadApplication;
  readonly fileName: string;
  readonly file: SimulatedFile;
  readonly buffer: UserBuffer;
  readonly streamOffset: number;
}

export type FileContents = 'empty' | 'device stream';

/** Create a file of `size` bytes (empty, or holding its stretch of the device's stream) and map all of it into the application. */
export function mapFileView(app: WorkloadApplication, fileName: string, size: number, contents: FileContents): FileView {
  const workload = app.workload;
  const mm = workload.machine.mm;
  if (mm.files.has(fileName)) throw new Error(`a file "${fileName}" exists already: give the new one another name`);
  const streamOffset = workload.nextStreamOffset(size);
  const file = mm.createFile(fileName, size);
  if (contents === 'device stream') file.writePattern(0, size, workload.machine.dmaDevice.pattern, streamOffset);
  const buffer = app.app.mapFile(fileName, size);
  return { app, fileName, file, buffer, streamOffset };
}

function issue(view: FileView, code: number, address: number, length: number, overlapped: boolean) {
  const { app } = view;
  if (app.handle === null) throw new Error(`application ${app.name} has not opened the device`);
  const input = app.allocate(MAPPED_FILE_STREAM_OFFSET_BYTES);
  app.app.writeBytes(input, mappedFileInput(view.streamOffset));
  return app.app.DeviceIoControl(app.handle, code, input, undefined, address, length, { overlapped });
}

/** The device fills the whole view; the request must succeed with the view's length and the view then hold its stretch of the stream. */
export function deviceFillsView(view: FileView, overlapped = false): TrackedRequest {
  const { app, buffer } = view;
  const request = issue(view, IOCTL_MAPPED_FILE_FROM_DEVICE, buffer.address, buffer.length, overlapped);
  const tracked = app.track(request, `the device fills ${app.name}'s view of "${view.fileName}" (${formatBytes(buffer.length)}, stream offset ${view.streamOffset})`,
    { kind: 'success', length: buffer.length }, 'PAGE-4', buffer, { offset: view.streamOffset, length: buffer.length });
  app.expectStream(tracked, buffer, view.streamOffset, 'PAGE-1');
  const fills = filledViews.get(app.workload) ?? [];
  filledViews.set(app.workload, [...fills, { view, tracked }]);
  return tracked;
}

/** The views the device was asked to fill, per workload: where the end of the workload looks for the data in the files. */
const filledViews = new WeakMap<Workload, readonly { view: FileView; tracked: TrackedRequest }[]>();

/**
 * PAGE-4, where the user finally reads the data: once every application has
 * exited, each view the device filled in a request that succeeded has gone
 * back to its file (flushed, trimmed or unmapped, its modified pages are
 * written), so the file must hold the device's data. A view locked for read
 * access while the device wrote into it is never marked modified, and the
 * file keeps what it had.
 */
export function filledViewsReachTheirFiles(workload: Workload): OracleFinding[] {
  const findings: OracleFinding[] = [];
  for (const { view, tracked } of filledViews.get(workload) ?? []) {
    const r = tracked.request;
    if (!r.done || r.status !== STATUS.SUCCESS || r.information !== view.buffer.length) continue;
    findings.push(...fileDataFindings(view, `after ${tracked.label} succeeded`));
  }
  return findings;
}

/** PAGE-4 for one view: the file on disk must hold the device's data; `when` says at which point ("after ... succeeded"). */
export function fileDataFindings(view: FileView, when: string): OracleFinding[] {
  const mismatch = fileStreamMismatch(view);
  return mismatch ? [{ oracle: 'data', rule: 'PAGE-4', message: `${when}, the file on disk does not hold the device's data: ${mismatch}` }] : [];
}

/** The device reads the whole view (the file's data); the request must succeed, and the device checks every byte. */
export function deviceReadsView(view: FileView, overlapped = false): TrackedRequest {
  const { app, buffer } = view;
  const request = issue(view, IOCTL_MAPPED_FILE_TO_DEVICE, buffer.address, buffer.length, overlapped);
  return app.track(request, `the device reads ${app.name}'s view of "${view.fileName}" (${formatBytes(buffer.length)}, stream offset ${view.streamOffset})`,
    { kind: 'success', length: buffer.length }, 'PAGE-4', buffer, { offset: view.streamOffset, length: buffer.length });
}

/** The application unmaps the view and then passes its old address anyway: the request must fail (PAGE-3). */
export function passUnmappedView(view: FileView): TrackedRequest {
  const { app, buffer } = view;
  app.free(buffer);
  const request = issue(view, IOCTL_MAPPED_FILE_FROM_DEVICE, buffer.address, buffer.length, false);
  return app.track(request, `${app.name} passes its view of "${view.fileName}" after unmapping it`, { kind: 'error', why: 'a view the application already unmapped' }, 'PAGE-3');
}

/** The application reads every byte of its view, so each page is read in from the file now, not when a driver locks it. */
export function readWholeView(view: FileView): void {
  view.app.app.readBytes(view.buffer);
}

/** FlushViewOfFile over the whole view; returns the pages written. */
export function flushView(view: FileView): number {
  return view.app.app.flush(view.buffer);
}

/** Where the file on disk differs from the view's stretch of the stream, or null when it holds all of it. */
export function fileStreamMismatch(view: FileView): string | null {
  const size = view.buffer.length;
  const c = view.file.compareWithPattern(0, size, view.app.workload.machine.dmaDevice.pattern, view.streamOffset);
  return c.matches ? null : `byte ${c.first} of "${view.fileName}" is 0x${c.got.toString(16).padStart(2, '0')}, the stream has 0x${c.expected.toString(16).padStart(2, '0')}; ${c.differing} of ${size} byte(s) differ`;
}

/** File names are numbered per workload, so a replay names them as the run it replays did. */
const mappedFileCounts = new WeakMap<Workload, number>();

function nextFileName(app: WorkloadApplication, what: string): string {
  const n = (mappedFileCounts.get(app.workload) ?? 0) + 1;
  mappedFileCounts.set(app.workload, n);
  return `${app.name}-${what}-${n}.dat`;
}

/** A request for the device to fill `length` bytes at `address`, which is not a view the application owns: it must fail. */
function badViewRequest(app: WorkloadApplication, address: number, length: number, why: string): TrackedRequest {
  const input = app.allocate(MAPPED_FILE_STREAM_OFFSET_BYTES);
  app.app.writeBytes(input, mappedFileInput(0));
  const request = app.app.DeviceIoControl(app.handle!, IOCTL_MAPPED_FILE_FROM_DEVICE, input, undefined, address, length);
  return app.track(request, `the device fills ${formatBytes(length)} at ${why} of ${app.name}`, { kind: 'error', why }, 'PAGE-3');
}

/**
 * The longest view an application hands over without having read it first.
 * The machine reads a view's pages from the file one at a time, 5 ms each;
 * a longer view (up to the class's 64 MiB) is one the application has just
 * prepared, resident, since locking 64 MiB from disk would take longer than
 * one call into a driver may.
 */
const LONGEST_VIEW_NOT_READ_FIRST = 8 * MiB;

export const mappedFileDmaProtocol: ClassProtocol = {
  conformanceClass: 'mapped-file-dma',
  bootOptions: {},
  unalignedStarts: false,
  pageInErrorsFailRequests: false,
  overlappingReads: false,
  ...ALL_FAILURES,
  endOracles: [filledViewsReachTheirFiles],
  largestRequest: MAPPED_FILE_MAXIMUM_REQUEST,
  afterOpen: () => true,
  transfer(app, direction, size, _offsetIntoPage, overlapped) {
    const view = mapFileView(app, nextFileName(app, 'view'), size, direction === 'read' ? 'empty' : 'device stream');
    if (size > LONGEST_VIEW_NOT_READ_FIRST) readWholeView(view);
    const tracked = direction === 'read' ? deviceFillsView(view, overlapped) : deviceReadsView(view, overlapped);
    return { tracked, buffer: view.buffer };
  },
  hostile(app, kind, size) {
    switch (kind) {
      case 'kernel address': {
        const guard = guardedKernelBuffer(app.workload, size);
        return guard ? badViewRequest(app, guard.va, size, 'a kernel address') : null;
      }
      case 'freed buffer':
        return passUnmappedView(mapFileView(app, nextFileName(app, 'unmapped'), size, 'empty'));
      case 'too short buffer': {
        // One page past the view's end, and the view's end off a 64 KiB boundary, so that page belongs to no other allocation.
        const mapped = roundUpToPage(size) % (64 * KiB) === 0 ? roundUpToPage(size) + PAGE_SIZE : roundUpToPage(size);
        const view = mapFileView(app, nextFileName(app, 'short'), mapped, 'empty');
        return badViewRequest(app, view.buffer.address, mapped + PAGE_SIZE, 'a view too short for the request');
      }
    }
  },
};

