/**
 * The operations of the workload fuzzer, as fast-check commands: random
 * applications (open, reads and writes of 1 byte to 8 MiB at any start in a
 * page, synchronous or overlapped, waits, cancels, handle close, process
 * exit), machine events between them (memory pressure, injected allocation
 * failures, page-in errors, device faults, fragmentation), and hostile
 * applications (kernel addresses, freed and too-short buffers, overlapping
 * buffers, buffers freed while their I/O is in flight).
 *
 * Every operation runs through the workload (a stop ends it and is recorded),
 * and the oracles judge the workload after every one of them. Targets are
 * chosen by index into what is live now, so shrinking keeps them valid;
 * the commands hold only their parameters.
 */
import fc from 'fast-check';
import type { UserBuffer } from '../../kernel/io/application';
import type { MemoryPressure } from '../../kernel/mm/memory-manager';
import { KiB, MiB, PAGE_SIZE, formatBytes } from '../../contracts/units';
import { describeFaultPoint } from '../../pci/dma-device';
import type { DmaFaultInjection, DmaFaultPoint } from '../../pci/dma-device';
import { FAILURE_POINTS, LaterPiece, PIECE_MAPPING_POINTS, applyMemoryPressure, failCalls, failListBuilds, failPieceCall, injectDeviceFault, restoreCalls } from '../../workload/machine-events';
import { fragmentPhysicalMemory } from '../../workload/memory-fragmentation';
import { exhaustNonPagedPool, releaseNonPagedPool } from '../../workload/pool-exhaustion';
import type { Workload } from '../../workload/workload';
import type { WorkloadApplication } from '../../workload/workload-application';
import { pickLive } from '../live-targets';
import { BootVariant, FRAGMENTABLE_RAM } from '../../workload/boot-variants';
import { ClassProtocol, Direction, HOSTILE_KINDS, HostileKind, StartedTransfer } from '../../conformance/class-protocol';
import { findingsDuringWorkload, requireNoFindings } from './rule-checks';

export const MAX_APPLICATIONS = 3;
/** Overlapped transfers an application keeps before it must wait for them. */
const MAX_PENDING = 6;

interface ModelApplication {
  open: boolean;
  exited: boolean;
  /** Overlapped transfers issued and not yet waited for. */
  pending: number;
}

export interface WorkloadModel {
  readonly protocol: ClassProtocol;
  readonly machine: BootVariant;
  readonly apps: ModelApplication[];
  failuresArmed: boolean;
  poolExhausted: boolean;
  fragmented: boolean;
  deviceFaulted: boolean;
}

interface RealApplication {
  readonly app: WorkloadApplication;
  readonly pending: StartedTransfer[];
}

export interface WorkloadReal {
  readonly workload: Workload;
  readonly protocol: ClassProtocol;
  readonly apps: RealApplication[];
}

export type WorkloadCommand = fc.Command<WorkloadModel, WorkloadReal>;

// --- what is live -----------------------------------------------------------------

const indices = (m: WorkloadModel, keep: (a: ModelApplication) => boolean) => m.apps.flatMap((a, i) => (keep(a) ? [i] : []));
const openApps = (m: WorkloadModel) => indices(m, (a) => a.open && !a.exited);
const closedApps = (m: WorkloadModel) => indices(m, (a) => !a.open && !a.exited);
const runningApps = (m: WorkloadModel) => indices(m, (a) => !a.exited);
const appsWithPending = (m: WorkloadModel) => indices(m, (a) => !a.exited && a.pending > 0);

/** Run an operation of the workload, then judge the workload so far. */
function operate(r: WorkloadReal, what: string, operation: (w: Workload) => void): void {
  r.workload.perform(what, () => operation(r.workload));
  requireNoFindings(findingsDuringWorkload(r.workload), `after "${what}"`);
}

/** Open the device as a new application, and set it up as its class does. */
export function openApplication(m: WorkloadModel, r: WorkloadReal): void {
  const name = `app${m.apps.length + 1}.exe`;
  m.apps.push({ open: true, exited: false, pending: 0 });
  operate(r, `${name} opens the device`, (w) => {
    const app = w.startApplication(name);
    r.apps.push({ app, pending: [] });
    app.open();
    if (app.handle !== null && !r.protocol.afterOpen(app)) app.close();
  });
  // Opening may fail (allocations failing, a removed device): the application then has no handle to use.
  m.apps[m.apps.length - 1]!.open = r.apps[m.apps.length - 1]?.app.handle != null;
}

// --- applications -------------------------------------------------------------------

class OpenApplication implements WorkloadCommand {
  check = (m: Readonly<WorkloadModel>) => m.apps.length < MAX_APPLICATIONS;
  run(m: WorkloadModel, r: WorkloadReal): void {
    openApplication(m, r);
  }
  toString = () => 'OpenApplication';
}

class Reopen implements WorkloadCommand {
  constructor(readonly i: number) {}
  check = (m: Readonly<WorkloadModel>) => closedApps(m).length > 0;
  run(m: WorkloadModel, r: WorkloadReal): void {
    const i = pickLive(closedApps(m), this.i);
    const { app } = r.apps[i]!;
    m.apps[i]!.open = true;
    operate(r, `${app.name} opens the device again`, () => {
      app.open();
      if (app.handle !== null && !r.protocol.afterOpen(app)) app.close();
    });
    m.apps[i]!.open = app.handle !== null;
  }
  toString = () => `Reopen(${this.i})`;
}

class Transfer implements WorkloadCommand {
  constructor(readonly i: number, readonly direction: Direction, readonly size: number, readonly offset: number, readonly overlapped: boolean) {}
  check = (m: Readonly<WorkloadModel>) => openApps(m).length > 0;
  run(m: WorkloadModel, r: WorkloadReal): void {
    const i = pickLive(openApps(m), this.i);
    const a = r.apps[i]!;
    const offset = r.protocol.unalignedStarts ? this.offset : 0;
    // The largest transfer drawn stands for the class's largest request where that is longer; it is long to move, so it is waited for.
    const classLargest = this.size === LARGEST_TRANSFER && m.protocol.largestRequest !== undefined;
    const size = classLargest ? m.protocol.largestRequest! : this.size;
    const overlapped = this.overlapped && !classLargest && m.apps[i]!.pending < MAX_PENDING;
    let started: StartedTransfer | undefined;
    operate(r, `${a.app.name} ${this.direction === 'read' ? 'reads' : 'writes'} ${formatBytes(size)} at ${offset} byte(s) into a page${overlapped ? ', overlapped' : ''}`, () => {
      started = r.protocol.transfer(a.app, this.direction, size, offset, overlapped) ?? undefined;
    });
    if (!started) return;
    if (overlapped) {
      a.pending.push(started);
      m.apps[i]!.pending++;
    } else if (started.buffer) {
      const buffer = started.buffer;
      operate(r, `${a.app.name} frees the buffer of its finished request`, () => freeIfLive(a.app, buffer));
    }
  }
  toString = () => `Transfer(${this.i}, ${this.direction} ${this.size} bytes at +${this.offset}${this.overlapped ? ', overlapped' : ''})`;
}

function freeIfLive(app: WorkloadApplication, buffer: UserBuffer | null): void {
  if (buffer && !buffer.freed && !app.exited) app.free(buffer);
}

class WaitForRequests implements WorkloadCommand {
  constructor(readonly i: number) {}
  check = (m: Readonly<WorkloadModel>) => appsWithPending(m).length > 0;
  run(m: WorkloadModel, r: WorkloadReal): void {
    const i = pickLive(appsWithPending(m), this.i);
    const a = r.apps[i]!;
    const done = a.pending.splice(0);
    m.apps[i]!.pending = 0;
    operate(r, `${a.app.name} waits for its requests`, () => a.app.waitForAll());
    operate(r, `${a.app.name} frees the buffers of its finished requests`, () => {
      for (const t of done) freeIfLive(a.app, t.buffer);
    });
  }
  toString = () => `WaitForRequests(${this.i})`;
}

class FreeBufferInFlight implements WorkloadCommand {
  constructor(readonly i: number, readonly k: number) {}
  check = (m: Readonly<WorkloadModel>) => appsWithPending(m).length > 0;
  run(m: WorkloadModel, r: WorkloadReal): void {
    const i = pickLive(appsWithPending(m), this.i);
    const a = r.apps[i]!;
    const [t] = a.pending.splice(this.k % a.pending.length, 1);
    m.apps[i]!.pending--;
    operate(r, `${a.app.name} frees the buffer of a request that may still be in flight (${t!.tracked.label})`, () => freeIfLive(a.app, t!.buffer));
  }
  toString = () => `FreeBufferInFlight(${this.i}, ${this.k})`;
}

class CancelRequests implements WorkloadCommand {
  constructor(readonly i: number) {}
  check = (m: Readonly<WorkloadModel>) => openApps(m).length > 0;
  run(m: WorkloadModel, r: WorkloadReal): void {
    // An application with requests in flight, when there is one: cancelling nothing tests little.
    const busy = openApps(m).filter((k) => m.apps[k]!.pending > 0);
    const a = r.apps[pickLive(busy.length > 0 ? busy : openApps(m), this.i)]!;
    operate(r, `${a.app.name} cancels its requests`, () => {
      a.app.cancelIo();
      r.protocol.afterCancel?.(a.app);
    });
  }
  toString = () => `CancelRequests(${this.i})`;
}

/** Application `i` starts an overlapped transfer of its class, counted as in flight until it is waited for. */
function startOverlapped(m: WorkloadModel, r: WorkloadReal, i: number, direction: Direction, size: number): StartedTransfer | null {
  const started = r.protocol.transfer(r.apps[i]!.app, direction, size, 0, true);
  if (started) {
    r.apps[i]!.pending.push(started);
    m.apps[i]!.pending++;
  }
  return started;
}

/**
 * The application starts a burst of overlapped transfers and gives up on
 * them at once (CancelIo), as one does on shutdown or a timeout: the later
 * ones are still queued in the driver, the first may be on the device.
 */
class CancelBurst implements WorkloadCommand {
  constructor(readonly i: number, readonly direction: Direction, readonly size: number, readonly count: number) {}
  check = (m: Readonly<WorkloadModel>) => openApps(m).some((k) => m.apps[k]!.pending + this.count <= MAX_PENDING);
  run(m: WorkloadModel, r: WorkloadReal): void {
    const i = pickLive(openApps(m).filter((k) => m.apps[k]!.pending + this.count <= MAX_PENDING), this.i);
    const a = r.apps[i]!;
    operate(r, `${a.app.name} starts ${this.count} overlapped ${this.direction}s of ${formatBytes(this.size)} and cancels them`, () => {
      for (let n = 0; n < this.count && a.app.handle !== null; n++) startOverlapped(m, r, i, this.direction, this.size);
      if (a.app.handle === null) return;
      a.app.cancelIo();
      r.protocol.afterCancel?.(a.app);
    });
  }
  toString = () => `CancelBurst(${this.i}, ${this.count} ${this.direction}s of ${this.size} bytes)`;
}

class SetUpAgain implements WorkloadCommand {
  constructor(readonly i: number) {}
  check = (m: Readonly<WorkloadModel>) => m.protocol.setUpAgain !== undefined && openApps(m).length > 0;
  run(m: WorkloadModel, r: WorkloadReal): void {
    const a = r.apps[pickLive(openApps(m), this.i)]!;
    operate(r, `${a.app.name} repeats its set-up request on the same handle`, () => r.protocol.setUpAgain!(a.app));
  }
  toString = () => `SetUpAgain(${this.i})`;
}

class CloseHandle implements WorkloadCommand {
  constructor(readonly i: number) {}
  check = (m: Readonly<WorkloadModel>) => openApps(m).length > 0;
  run(m: WorkloadModel, r: WorkloadReal): void {
    const i = pickLive(openApps(m), this.i);
    const a = r.apps[i]!;
    m.apps[i]!.open = false;
    operate(r, `${a.app.name} closes its handle`, () => {
      if (a.app.handle !== null) a.app.close();
    });
  }
  toString = () => `CloseHandle(${this.i})`;
}

class ExitProcess implements WorkloadCommand {
  constructor(readonly i: number) {}
  check = (m: Readonly<WorkloadModel>) => runningApps(m).length > 0;
  run(m: WorkloadModel, r: WorkloadReal): void {
    const i = pickLive(runningApps(m), this.i);
    const a = r.apps[i]!;
    Object.assign(m.apps[i]!, { open: false, exited: true, pending: 0 });
    a.pending.length = 0;
    operate(r, `${a.app.name} exits${a.app.workload.ledger.outstanding().some((t) => t.request.process === a.app.process) ? ' with requests in flight' : ''}`, () => a.app.exit());
  }
  toString = () => `ExitProcess(${this.i})`;
}

// --- hostile applications ----------------------------------------------------------------

class Hostile implements WorkloadCommand {
  constructor(readonly i: number, readonly kind: HostileKind, readonly size: number) {}
  check = (m: Readonly<WorkloadModel>) => openApps(m).length > 0;
  run(m: WorkloadModel, r: WorkloadReal): void {
    const a = r.apps[pickLive(openApps(m), this.i)]!;
    operate(r, `${a.app.name} hands the driver ${this.kind === 'kernel address' ? 'a kernel address' : `a ${this.kind}`} of ${formatBytes(this.size)}`, () => {
      r.protocol.hostile(a.app, this.kind, this.size);
    });
  }
  toString = () => `Hostile(${this.i}, ${this.kind}, ${this.size} bytes)`;
}

/** Two overlapped reads into overlapping halves of one buffer: both must finish, and no byte may land outside it. */
class OverlappingReads implements WorkloadCommand {
  constructor(readonly i: number, readonly size: number) {}
  check = (m: Readonly<WorkloadModel>) => m.protocol.overlappingReads && openApps(m).some((i) => m.apps[i]!.pending < MAX_PENDING);
  run(m: WorkloadModel, r: WorkloadReal): void {
    const i = pickLive(openApps(m).filter((k) => m.apps[k]!.pending < MAX_PENDING), this.i);
    const a = r.apps[i]!;
    const half = Math.max(1, Math.floor(this.size / 2));
    let buffer: UserBuffer | undefined;
    let last: StartedTransfer | undefined;
    operate(r, `${a.app.name} reads ${formatBytes(this.size)} twice, overlapped, into overlapping parts of one buffer`, (w) => {
      buffer = a.app.allocate(this.size + half);
      for (const at of [0, half]) {
        const request = a.app.app.ReadFile(a.app.handle!, buffer.address + at, this.size, { overlapped: true, byteOffset: w.nextStreamOffset(this.size) });
        // Whichever read lands last owns the shared bytes: only the outcome is checked, not the data.
        last = { tracked: a.app.track(request, `overlapping read of ${a.app.name} (${formatBytes(this.size)} at +${at})`, { kind: 'success', length: this.size }, 'PAGE-1', buffer), buffer };
      }
    });
    if (last) {
      a.pending.push(last);
      m.apps[i]!.pending++;
    }
  }
  toString = () => `OverlappingReads(${this.i}, ${this.size} bytes)`;
}

class ReadIntoLostPage implements WorkloadCommand {
  constructor(readonly i: number, readonly size: number, readonly page: number) {}
  check = (m: Readonly<WorkloadModel>) => m.protocol.pageInErrorsFailRequests && openApps(m).length > 0;
  run(m: WorkloadModel, r: WorkloadReal): void {
    const a = r.apps[pickLive(openApps(m), this.i)]!;
    let buffer: UserBuffer | undefined;
    operate(r, `${a.app.name} reads into a ${formatBytes(this.size)} buffer whose page cannot be paged back in`, () => {
      buffer = a.app.allocate(this.size);
      const pages = Math.ceil(this.size / PAGE_SIZE);
      a.app.losePageOf(buffer, this.page % pages);
      a.app.track(a.app.app.ReadFile(a.app.handle!, buffer), `read of ${a.app.name} into a buffer whose page cannot be read back`, { kind: 'error', why: 'a buffer whose page cannot be read back from the paging file' }, 'PAGE-3', buffer);
    });
    if (buffer) operate(r, `${a.app.name} frees the buffer`, () => freeIfLive(a.app, buffer!));
  }
  toString = () => `ReadIntoLostPage(${this.i}, ${this.size} bytes, page ${this.page})`;
}

// --- machine events -----------------------------------------------------------------------

class MemoryPressureEvent implements WorkloadCommand {
  constructor(readonly level: MemoryPressure) {}
  check = () => true;
  run(_m: WorkloadModel, r: WorkloadReal): void {
    operate(r, `memory pressure is ${this.level}`, (w) => applyMemoryPressure(w, this.level));
  }
  toString = () => `MemoryPressure(${this.level})`;
}

/** Allocation failures at one of the class's failure points and call sites, chosen by index. */
class FailAllocations implements WorkloadCommand {
  constructor(readonly point: number, readonly site: number, readonly count: number | undefined) {}
  check = () => true;
  run(m: WorkloadModel, r: WorkloadReal): void {
    const point = pickLive(m.protocol.failurePoints, this.point);
    const site = pickLive(m.protocol.failureSites, this.site);
    m.failuresArmed = true;
    operate(r, `${this.count === undefined ? 'every call' : `the next ${this.count} call(s)`} to ${point} by the ${site === 'driver' ? 'driver under test' : 'I/O manager'} fail(s)`, (w) => failCalls(w, point, site, this.count));
  }
  toString = () => `FailAllocations(point ${this.point}, site ${this.site}, ${this.count ?? 'every call'})`;
}

/**
 * The driver's next mapping of a later piece of a request (the second, or the
 * last of several) fails: error paths a request longer than the adapter's map
 * registers reaches only after its first piece moved.
 */
class FailPieceCall implements WorkloadCommand {
  constructor(readonly point: number, readonly piece: LaterPiece) {}
  check = (m: Readonly<WorkloadModel>) => PIECE_MAPPING_POINTS.some((p) => m.protocol.failurePoints.includes(p));
  run(m: WorkloadModel, r: WorkloadReal): void {
    const points = PIECE_MAPPING_POINTS.filter((p) => m.protocol.failurePoints.includes(p));
    const point = points[this.point % points.length]!;
    m.failuresArmed = true;
    operate(r, `the driver under test's next ${point} call for the ${this.piece} piece of a request fails`, (w) => failPieceCall(w, point, this.piece));
  }
  toString = () => `FailPieceCall(point ${this.point}, ${this.piece})`;
}

/**
 * Every way the driver gets a scatter/gather list fails for its next few
 * tries, so a driver that retries must retry more than once (a retry timer
 * armed only for the first failed build waits for ever).
 */
class FailListBuilds implements WorkloadCommand {
  constructor(readonly times: number) {}
  check = (m: Readonly<WorkloadModel>) => m.protocol.failureSites.includes('driver') && m.protocol.failurePoints.includes('GetScatterGatherList');
  run(m: WorkloadModel, r: WorkloadReal): void {
    m.failuresArmed = true;
    operate(r, `the driver under test's next ${this.times} calls to GetScatterGatherList and to BuildScatterGatherList fail`, (w) => failListBuilds(w, this.times));
  }
  toString = () => `FailListBuilds(${this.times})`;
}

/*
 * Injected failures and an exhausted pool share the workload's "allocations
 * are failing" condition: ending one while the other lasts would make the
 * requests that still fail look unexcused. So each ends only alone.
 */
class RestoreAllocations implements WorkloadCommand {
  check = (m: Readonly<WorkloadModel>) => m.failuresArmed && !m.poolExhausted;
  run(m: WorkloadModel, r: WorkloadReal): void {
    m.failuresArmed = false;
    operate(r, 'allocations stop failing', (w) => restoreCalls(w));
  }
  toString = () => 'RestoreAllocations';
}

class ExhaustPool implements WorkloadCommand {
  check = (m: Readonly<WorkloadModel>) => m.protocol.poolExhaustion && !m.poolExhausted;
  run(m: WorkloadModel, r: WorkloadReal): void {
    m.poolExhausted = true;
    operate(r, 'other drivers take all that is left of non-paged pool', (w) => exhaustNonPagedPool(w));
  }
  toString = () => 'ExhaustPool';
}

class ReleasePool implements WorkloadCommand {
  check = (m: Readonly<WorkloadModel>) => m.poolExhausted && !m.failuresArmed;
  run(m: WorkloadModel, r: WorkloadReal): void {
    m.poolExhausted = false;
    operate(r, 'the other drivers give their non-paged pool back', (w) => releaseNonPagedPool(w));
  }
  toString = () => 'ReleasePool';
}

class DeviceFault implements WorkloadCommand {
  constructor(readonly fault: DmaFaultInjection, readonly point: DmaFaultPoint) {}
  check = (m: Readonly<WorkloadModel>) => !m.deviceFaulted;
  run(m: WorkloadModel, r: WorkloadReal): void {
    // A removed or hung device stays so: one fault per workload keeps the rest of the run meaningful.
    m.deviceFaulted = true;
    const what = this.fault === 'master-abort' ? 'refuses a data burst' : this.fault === 'hang' ? 'hangs' : 'is surprise-removed';
    operate(r, `the DMA test device ${what} ${this.point.at === 'next' && this.fault === 'master-abort' ? 'at its next burst' : describeFaultPoint(this.point)}`, (w) => injectDeviceFault(w, this.fault, this.point));
  }
  toString = () => `DeviceFault(${this.fault}, ${describeFaultPoint(this.point)})`;
}

/** Where a device fault strikes: mostly at once, else after some bytes (inside a burst or on a page), mid-burst, or at a descriptor. */
const faultPoint: fc.Arbitrary<DmaFaultPoint> = fc.oneof(
  { weight: 3, arbitrary: fc.constant<DmaFaultPoint>({ at: 'next' }) },
  { weight: 2, arbitrary: fc.oneof(fc.integer({ min: 1, max: 256 * KiB }), fc.integer({ min: 1, max: 64 }).map((p) => p * PAGE_SIZE)).map((bytes): DmaFaultPoint => ({ at: 'after-bytes', bytes })) },
  { weight: 1, arbitrary: fc.constant<DmaFaultPoint>({ at: 'mid-burst' }) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 8 }).map((index): DmaFaultPoint => ({ at: 'descriptor', index })) },
);

class FragmentMemory implements WorkloadCommand {
  check = (m: Readonly<WorkloadModel>) => !m.fragmented && m.machine.ramBytes <= FRAGMENTABLE_RAM && m.machine.scatterFrames;
  run(m: WorkloadModel, r: WorkloadReal): void {
    m.fragmented = true;
    operate(r, 'physical memory fragments (a background process holds half the free frames, scattered)', (w) => {
      fragmentPhysicalMemory(w.machine, 0.5);
    });
  }
  toString = () => 'FragmentMemory';
}

// --- the handle life cycle and cancels at any point -------------------------------------------

/**
 * An overlapped transfer cancelled (CancelIoEx) after a drawn stretch of
 * simulated time: at 0 ns it is still in dispatch or queued; after a few
 * hundred ns it may wait for its map registers or scatter/gather list (at
 * once with deferred DMA callbacks); later it is on the device or its DPC.
 */
class CancelAfter implements WorkloadCommand {
  constructor(readonly i: number, readonly direction: Direction, readonly size: number, readonly delayNs: number) {}
  check = (m: Readonly<WorkloadModel>) => openApps(m).some((k) => m.apps[k]!.pending < MAX_PENDING);
  run(m: WorkloadModel, r: WorkloadReal): void {
    const i = pickLive(openApps(m).filter((k) => m.apps[k]!.pending < MAX_PENDING), this.i);
    const a = r.apps[i]!;
    operate(r, `${a.app.name} starts an overlapped ${this.direction} of ${formatBytes(this.size)} and cancels it after ${this.delayNs} ns`, () => {
      const started = startOverlapped(m, r, i, this.direction, this.size);
      if (a.app.handle === null) return;
      // A class whose transfer is no single request (hand-downs) has them all cancelled.
      if (started) a.app.cancelAfter(started.tracked, this.delayNs);
      else a.app.cancelIo();
      r.protocol.afterCancel?.(a.app);
    });
  }
  toString = () => `CancelAfter(${this.i}, ${this.direction} ${this.size} bytes, ${this.delayNs} ns)`;
}

/** What happens to a handle duplicated into another application. */
type ShareEnd = 'copy-closed' | 'owner-closes-then-copy-closed' | 'owner-closes-then-holder-exits';

/**
 * An application duplicates its handle into another running application (as
 * a child inherits one). The copy is closed, or the owner closes its own
 * handle first so the copy is the last: cleanup then runs in the other
 * application's context (or during its exit), while the owner may have
 * requests in flight and a mapping the driver made for it.
 */
class ShareHandle implements WorkloadCommand {
  constructor(readonly i: number, readonly j: number, readonly end: ShareEnd) {}
  check = (m: Readonly<WorkloadModel>) => openApps(m).length > 0 && runningApps(m).length > 1;
  run(m: WorkloadModel, r: WorkloadReal): void {
    const i = pickLive(openApps(m), this.i);
    const j = pickLive(runningApps(m).filter((k) => k !== i), this.j);
    const owner = r.apps[i]!;
    const holder = r.apps[j]!;
    if (holder.app.duplicates.has(owner.app)) return; // it already holds one: nothing new to try
    let copied = false;
    operate(r, `${owner.app.name} duplicates its handle into ${holder.app.name}`, () => {
      copied = owner.app.duplicateInto(holder.app) !== null;
    });
    if (!copied) return;
    if (this.end !== 'copy-closed') {
      m.apps[i]!.open = false;
      operate(r, `${owner.app.name} closes its handle while ${holder.app.name} holds a duplicate`, () => {
        if (owner.app.handle !== null) owner.app.close();
      });
    }
    if (this.end === 'owner-closes-then-holder-exits') {
      Object.assign(m.apps[j]!, { open: false, exited: true, pending: 0 });
      holder.pending.length = 0;
      operate(r, `${holder.app.name} exits holding the duplicate`, () => holder.app.exit());
    } else {
      operate(r, `${holder.app.name} closes the duplicate${this.end === 'copy-closed' ? '' : ', the last handle'}`, () => {
        if (holder.app.duplicates.has(owner.app)) holder.app.closeDuplicateOf(owner.app);
      });
    }
  }
  toString = () => `ShareHandle(${this.i}, ${this.j}, ${this.end})`;
}

// --- arbitraries --------------------------------------------------------------------------

const app = fc.nat(MAX_APPLICATIONS - 1);
/** The largest transfer of every class (1 byte to 8 MiB): a driver may refuse a longer one. */
export const LARGEST_TRANSFER = 8 * MiB;

/**
 * Mostly small (fast), some up to 512 KiB, a few up to 8 MiB; page multiples
 * give or take a byte or two; and the sizes where drivers cut transfers (the
 * device's and the drivers' longest transfers), give or take a byte, but
 * never past the largest transfer.
 */
export const transferSize: fc.Arbitrary<number> = fc.oneof(
  { weight: 10, arbitrary: fc.integer({ min: 1, max: 16 * KiB }) },
  { weight: 3, arbitrary: fc.tuple(fc.integer({ min: 1, max: 64 }), fc.integer({ min: -2, max: 2 })).map(([p, d]) => Math.max(1, p * PAGE_SIZE + d)) },
  { weight: 4, arbitrary: fc.integer({ min: 16 * KiB + 1, max: 512 * KiB }) },
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom(64 * KiB, 1 * MiB, 4 * MiB, LARGEST_TRANSFER), fc.integer({ min: -1, max: 1 })).map(([s, d]) => Math.min(LARGEST_TRANSFER, s + d)) },
  { weight: 1, arbitrary: fc.integer({ min: 512 * KiB + 1, max: LARGEST_TRANSFER }) },
);
const offsetIntoPage = fc.oneof({ weight: 2, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.constantFrom(1, 2048, PAGE_SIZE - 1) }, { weight: 2, arbitrary: fc.nat(PAGE_SIZE - 1) });
const direction = fc.constantFrom<Direction>('read', 'write');
const smallSize = fc.integer({ min: 1, max: 64 * KiB });

export const workloadCommands: fc.Arbitrary<WorkloadCommand> = fc.oneof(
  { weight: 2, arbitrary: fc.constant(null).map(() => new OpenApplication()) },
  { weight: 1, arbitrary: app.map((i) => new Reopen(i)) },
  { weight: 16, arbitrary: fc.tuple(app, direction, transferSize, offsetIntoPage, fc.boolean()).map(([i, d, s, o, ov]) => new Transfer(i, d, s, o, ov)) },
  { weight: 4, arbitrary: app.map((i) => new WaitForRequests(i)) },
  { weight: 2, arbitrary: fc.tuple(app, fc.nat(7)).map(([i, k]) => new FreeBufferInFlight(i, k)) },
  { weight: 1, arbitrary: app.map((i) => new CancelRequests(i)) },
  { weight: 2, arbitrary: fc.tuple(app, direction, smallSize, fc.integer({ min: 2, max: 3 })).map(([i, d, s, n]) => new CancelBurst(i, d, s, n)) },
  { weight: 1, arbitrary: app.map((i) => new SetUpAgain(i)) },
  { weight: 2, arbitrary: app.map((i) => new CloseHandle(i)) },
  { weight: 2, arbitrary: app.map((i) => new ExitProcess(i)) },
  { weight: 3, arbitrary: fc.tuple(app, fc.constantFrom(...HOSTILE_KINDS), smallSize).map(([i, k, s]) => new Hostile(i, k, s)) },
  { weight: 1, arbitrary: fc.tuple(app, smallSize).map(([i, s]) => new OverlappingReads(i, s)) },
  { weight: 1, arbitrary: fc.tuple(app, smallSize, fc.nat(15)).map(([i, s, p]) => new ReadIntoLostPage(i, s, p)) },
  { weight: 3, arbitrary: fc.constantFrom<MemoryPressure>('moderate', 'severe').map((l) => new MemoryPressureEvent(l)) },
  {
    weight: 4,
    // Half the time every call fails until restored, else the next one to three calls.
    arbitrary: fc.tuple(fc.nat(FAILURE_POINTS.length - 1), fc.nat(1), fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined, freq: 1 })).map(([p, s, n]) => new FailAllocations(p, s, n)),
  },
  { weight: 2, arbitrary: fc.constant(null).map(() => new RestoreAllocations()) },
  { weight: 1, arbitrary: fc.constant(null).map(() => new ExhaustPool()) },
  { weight: 1, arbitrary: fc.constant(null).map(() => new ReleasePool()) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom<DmaFaultInjection>('master-abort', 'hang', 'surprise-removal'), faultPoint).map(([f, p]) => new DeviceFault(f, p)) },
  { weight: 1, arbitrary: fc.constant(null).map(() => new FragmentMemory()) },
  {
    weight: 2,
    // Cancelled at once; while the request waits for map registers or its list; on the device or in its DPC.
    arbitrary: fc.tuple(app, direction, smallSize, fc.oneof(
      { weight: 2, arbitrary: fc.constant(0) },
      { weight: 2, arbitrary: fc.integer({ min: 1, max: 2_000 }) },
      { weight: 2, arbitrary: fc.integer({ min: 2_001, max: 200_000 }) },
      { weight: 1, arbitrary: fc.integer({ min: 200_001, max: 20_000_000 }) },
    )).map(([i, d, s, t]) => new CancelAfter(i, d, s, t)),
  },
  {
    weight: 1,
    arbitrary: fc.tuple(app, app, fc.constantFrom<ShareEnd>('copy-closed', 'owner-closes-then-copy-closed', 'owner-closes-then-holder-exits')).map(([i, j, e]) => new ShareHandle(i, j, e)),
  },
  { weight: 2, arbitrary: fc.tuple(fc.nat(PIECE_MAPPING_POINTS.length - 1), fc.constantFrom<LaterPiece>('second', 'last')).map(([p, piece]) => new FailPieceCall(p, piece)) },
  { weight: 2, arbitrary: fc.integer({ min: 2, max: 4 }).map((n) => new FailListBuilds(n)) },
);
