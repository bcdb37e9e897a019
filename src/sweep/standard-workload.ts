/**
 * The standard workload of a conformance class: a fixed sequence of what an
 * application of the class does, built from the class's protocol (the same
 * building blocks the workload fuzzer composes at random). One application
 * opens the device and sets it up, moves data each way (synchronous, then
 * overlapped), cancels requests in flight, repeats its set-up where the
 * class has one, and closes its handle; a second opens, starts a transfer
 * and exits with it in flight; then the first exits. The workload's end
 * (every application gone, the driver unloaded) follows.
 *
 * Fixed, so that every run of the sweep makes the same calls in the same
 * order until its injected failure; each step checks that its application
 * still has a handle, so a refused open or set-up ends that application's
 * part instead of the run.
 */
import type { UserBuffer } from '../kernel/io/application';
import { KiB, PAGE_SIZE } from '../contracts/units';
import type { ClassProtocol, Direction, StartedTransfer } from '../conformance/class-protocol';
import type { Workload } from '../workload/workload';
import type { WorkloadApplication } from '../workload/workload-application';

/** Runs one operation of the workload (and whatever the sweep does around it). */
export type Operate = (what: string, operation: () => void) => void;

interface Transfer {
  readonly direction: Direction;
  readonly size: number;
  readonly offsetIntoPage: number;
}

/**
 * Sizes a little off page multiples, starts a little into a page, so partial pages are on every path;
 * and the smallest request there is, one byte on the last byte of a page.
 */
const SYNCHRONOUS: readonly Transfer[] = [
  { direction: 'read', size: 20 * KiB + 5, offsetIntoPage: 100 },
  { direction: 'write', size: 12 * KiB - 3, offsetIntoPage: 0 },
  { direction: 'read', size: 1, offsetIntoPage: PAGE_SIZE - 1 },
];
const OVERLAPPED: readonly Transfer[] = [
  { direction: 'read', size: 72 * KiB, offsetIntoPage: 0 },
  { direction: 'write', size: 9 * KiB, offsetIntoPage: 17 },
];
const CANCELLED: readonly Transfer[] = [
  { direction: 'read', size: 16 * KiB, offsetIntoPage: 0 },
  { direction: 'read', size: 16 * KiB + 1, offsetIntoPage: 0 },
];
const IN_FLIGHT_AT_EXIT: Transfer = { direction: 'read', size: 32 * KiB, offsetIntoPage: 0 };

function start(protocol: ClassProtocol, app: WorkloadApplication, t: Transfer, overlapped: boolean): StartedTransfer | null {
  const offset = protocol.unalignedStarts ? t.offsetIntoPage : 0;
  return protocol.transfer(app, t.direction, t.size, offset, overlapped);
}

function freeAll(app: WorkloadApplication, buffers: readonly (UserBuffer | null)[]): void {
  for (const b of buffers) if (b && !b.freed && !app.exited) app.free(b);
}

/** Wait for the transfers this workload started (not for what the class keeps pending, such as hand-downs), then free their buffers. */
function finishAll(app: WorkloadApplication, started: readonly StartedTransfer[]): void {
  for (const s of started) if (!s.tracked.request.done) app.app.waitFor(s.tracked.request);
  freeAll(app, started.map((s) => s.buffer));
}

const open = (app: WorkloadApplication) => app.handle !== null;

function openAndSetUp(workload: Workload, protocol: ClassProtocol, name: string, operate: Operate): WorkloadApplication | null {
  let app: WorkloadApplication | null = null;
  operate(`${name} opens the device and sets it up`, () => {
    app = workload.startApplication(name);
    app.open();
    if (app.handle !== null && !protocol.afterOpen(app)) app.close();
  });
  return app;
}

/** Run the class's standard workload on `workload` through `operate`; the workload's end is the caller's. */
export function runStandardWorkload(workload: Workload, protocol: ClassProtocol, operate: Operate): void {
  const first = openAndSetUp(workload, protocol, 'app1.exe', operate);
  if (first) {
    const app: WorkloadApplication = first;
    for (const t of SYNCHRONOUS) {
      let started: StartedTransfer | null = null;
      operate(`app1.exe ${t.direction}s ${t.size} bytes`, () => {
        if (open(app)) started = start(protocol, app, t, false);
      });
      operate('app1.exe frees its buffer', () => freeAll(app, [(started as StartedTransfer | null)?.buffer ?? null]));
    }
    const overlapped: StartedTransfer[] = [];
    operate('app1.exe starts an overlapped read and an overlapped write', () => {
      for (const t of OVERLAPPED) {
        const s = open(app) ? start(protocol, app, t, true) : null;
        if (s) overlapped.push(s);
      }
    });
    operate('app1.exe waits for its requests and frees their buffers', () => {
      finishAll(app, overlapped);
    });
    const cancelled: StartedTransfer[] = [];
    operate('app1.exe starts two overlapped reads and cancels them', () => {
      for (const t of CANCELLED) {
        const s = open(app) ? start(protocol, app, t, true) : null;
        if (s) cancelled.push(s);
      }
      if (!open(app)) return;
      app.cancelIo();
      protocol.afterCancel?.(app);
    });
    operate('app1.exe waits for the cancelled reads and frees their buffers', () => {
      finishAll(app, cancelled);
    });
    if (protocol.setUpAgain) {
      operate('app1.exe repeats its set-up request on the same handle', () => {
        if (open(app)) protocol.setUpAgain!(app);
      });
    }
    operate('app1.exe closes its handle', () => {
      if (open(app)) app.close();
    });
  }
  const second = openAndSetUp(workload, protocol, 'app2.exe', operate);
  if (second) {
    const app: WorkloadApplication = second;
    operate('app2.exe starts an overlapped read and exits with it in flight', () => {
      if (open(app)) start(protocol, app, IN_FLIGHT_AT_EXIT, true);
      app.exit();
    });
  }
  if (first) operate('app1.exe exits', () => (first as WorkloadApplication).exit());
}
