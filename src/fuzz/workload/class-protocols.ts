/**
 * How an application of each conformance class talks to the driver: what it
 * does after opening the device, how it moves data each way, and how it
 * hands the driver hostile buffers. The workload fuzzer composes random
 * applications from these; a class without a protocol here cannot be
 * fuzzed, and the fuzzer says so.
 *
 * Every request goes into the workload's ledger with the outcome the class's
 * rules demand (src/workload/request-ledger.ts), and every read's data is
 * compared with the device's stream once it finishes.
 */
import type { ConformanceClass } from '../../drivers/contract';
import { IOCTL_MAPPED_FILE_FROM_DEVICE, MAPPED_FILE_STREAM_OFFSET_BYTES, mappedFileInput } from '../../drivers/reference/mapped-file';
import type { UserBuffer } from '../../kernel/io/application';
import type { DmaAdapter } from '../../kernel/hal/dma-adapter';
import { DMA_OPTION } from '../../kernel/hal/user-dma-options';
import type { BootConfig } from '../../machine/boot-config';
import { STATUS } from '../../machine/ntstatus';
import { KiB, MiB, PAGE_SIZE, formatBytes, roundUpToPage } from '../../machine/units';
import { guardedKernelBuffer } from '../../workload/hostile-input';
import { CallSite, FAILURE_POINTS, FailurePoint, failCalls, restoreCalls } from '../../workload/machine-events';
import { mappedBufferClientOf } from '../../workload/mapped-buffer-client';
import { deviceFillsView, deviceReadsView, mapFileView, passUnmappedView } from '../../workload/mapped-file-views';
import { sharedBufferClientOf } from '../../workload/shared-buffer-client';
import { QUEUE_HEADER_BYTES } from '../../workload/shared-buffer-interface';
import { RING_DEVICE, setUpRing } from '../../workload/ring-setup';
import { forwardProgressOracle } from '../../oracles/forward-progress-oracle';
import type { OracleFinding } from '../../oracles/oracle-finding';
import type { TrackedRequest } from '../../workload/request-ledger';
import type { Workload } from '../../workload/workload';
import type { WorkloadApplication } from '../../workload/workload-application';

export type Direction = 'read' | 'write';

/** Bad input an application may hand the driver; each must get an error status and no DMA. */
export const HOSTILE_KINDS = ['kernel address', 'freed buffer', 'too short buffer'] as const;
export type HostileKind = (typeof HOSTILE_KINDS)[number];

/** A transfer the application started: its request, and the buffer to free once it has finished (none when the driver owns the memory). */
export interface StartedTransfer {
  readonly tracked: TrackedRequest;
  readonly buffer: UserBuffer | null;
}

export interface ClassProtocol {
  readonly conformanceClass: ConformanceClass;
  /** Boot options the class needs (buffers preallocated at boot for its device, say). */
  readonly bootOptions: Partial<BootConfig>;
  /** Buffers of this class may start anywhere in a page (false: a mapped view starts on a page). */
  readonly unalignedStarts: boolean;
  /** A read into a page that cannot be paged back in fails the request (direct I/O locks the buffer). */
  readonly pageInErrorsFailRequests: boolean;
  /** Reads may go into overlapping parts of one buffer (the data then is whatever landed last). */
  readonly overlappingReads: boolean;
  /** Where allocation failures are injected: which routines, whose calls (the driver's, the I/O manager's). */
  readonly failurePoints: readonly FailurePoint[];
  readonly failureSites: readonly CallSite[];
  /** Whether other drivers may take all of non-paged pool, which fails the I/O manager's allocations too. */
  readonly poolExhaustion: boolean;
  /** Oracles of the class, run at the end of each workload besides the common ones. */
  readonly endOracles: readonly ((workload: Workload) => OracleFinding[])[];
  /**
   * What the application does right after opening the device. False when
   * the driver refused (the ledger judges whether it could), and the
   * application then gives up on the handle.
   */
  afterOpen(app: WorkloadApplication): boolean;
  /** What the application does after CancelIo, besides nothing: wait for requests it needs to know are gone. */
  afterCancel?(app: WorkloadApplication): void;
  /**
   * The application repeats its set-up request on a handle that already has
   * what it asked for (a second map or queue registration): the driver must
   * refuse it and keep the first. Absent when the class has no set-up request.
   */
  setUpAgain?(app: WorkloadApplication): void;
  /** Move data; null when the class's transfer finished within the call and left nothing to wait for or free. */
  transfer(app: WorkloadApplication, direction: Direction, size: number, offsetIntoPage: number, overlapped: boolean): StartedTransfer | null;
  hostile(app: WorkloadApplication, kind: HostileKind, size: number): TrackedRequest | null;
}

/** ReadFile and WriteFile on the device, for classes whose data path is the plain read and write requests. */
const readWrite = {
  transfer(app: WorkloadApplication, direction: Direction, size: number, offsetIntoPage: number, overlapped: boolean): StartedTransfer {
    const buffer = app.allocate(size, offsetIntoPage);
    const tracked = direction === 'read' ? app.read(buffer, { overlapped }) : app.write(buffer, { overlapped });
    return { tracked, buffer };
  },
  hostile(app: WorkloadApplication, kind: HostileKind, size: number): TrackedRequest | null {
    switch (kind) {
      case 'kernel address': {
        const guard = guardedKernelBuffer(app.workload, size);
        return guard ? app.transferRaw(size % 2 === 0 ? 'read' : 'write', guard.va, size, 'a kernel address') : null;
      }
      case 'freed buffer':
        return app.readFreed(size);
      case 'too short buffer':
        return app.readPastEnd(size);
    }
  },
};

/** Every failure point, at the driver's and the I/O manager's calls, and pool exhaustion. */
const allFailures = { failurePoints: FAILURE_POINTS, failureSites: ['driver', 'io-manager'], poolExhaustion: true } as const;

const directIo: ClassProtocol = {
  conformanceClass: 'read-write-direct',
  bootOptions: {},
  unalignedStarts: true,
  pageInErrorsFailRequests: true,
  overlappingReads: true,
  ...allFailures,
  endOracles: [],
  afterOpen: () => true,
  ...readWrite,
};

/**
 * A storage driver must also finish every request it was given while its
 * allocations fail (SG-5). The forward-progress oracle excuses no failure for
 * lack of resources, so failures are injected where the class's rule speaks:
 * the driver's own scatter/gather lists and pool. A request the I/O manager
 * fails before the driver sees it is not the driver's to finish.
 */
const storage: ClassProtocol = {
  ...directIo,
  conformanceClass: 'storage-forward-progress',
  failurePoints: ['GetScatterGatherList', 'ExAllocatePoolWithTag:NonPagedPool'],
  failureSites: ['driver'],
  poolExhaustion: false,
  endOracles: [forwardProgressOracle],
};

/** The ring's buffers: as many preallocated at boot as three applications' rings take, so a conforming driver never needs run-time contiguous memory. */
const RING_BUFFER_BYTES = 64 * KiB;
const RING_FROM_DEVICE_PER_APP = 4;
const RING_TO_DEVICE_PER_APP = 2;
const RING_APPLICATIONS = 3;

const ring: ClassProtocol = {
  conformanceClass: 'boot-preallocated-contiguous',
  bootOptions: {
    dmaPreallocation: {
      [RING_DEVICE]: {
        DmaFromDeviceCount: RING_FROM_DEVICE_PER_APP * RING_APPLICATIONS,
        DmaFromDeviceBytes: RING_BUFFER_BYTES,
        DmaFromDeviceOptions: DMA_OPTION.FROM_DEVICE | DMA_OPTION.KERNEL_BUFFER_ALLOC,
        DmaToDeviceCount: RING_TO_DEVICE_PER_APP * RING_APPLICATIONS,
        DmaToDeviceBytes: RING_BUFFER_BYTES,
        DmaToDeviceOptions: DMA_OPTION.TO_DEVICE | DMA_OPTION.KERNEL_BUFFER_ALLOC,
      },
    },
  },
  unalignedStarts: true,
  pageInErrorsFailRequests: false,
  overlappingReads: true,
  ...allFailures,
  endOracles: [],
  afterOpen(app) {
    // A ring per direction matching the preallocated buffers: it must succeed however fragmented memory is by now (CONT-2, CONT-3).
    const rings = [setUpRing(app, RING_FROM_DEVICE_PER_APP, RING_BUFFER_BYTES, DMA_OPTION.FROM_DEVICE), setUpRing(app, RING_TO_DEVICE_PER_APP, RING_BUFFER_BYTES, DMA_OPTION.TO_DEVICE)];
    return rings.every((t) => t.request.done && t.request.status === STATUS.SUCCESS);
  },
  ...readWrite,
};

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

const mappedFile: ClassProtocol = {
  conformanceClass: 'mapped-file-dma',
  bootOptions: {},
  unalignedStarts: false,
  pageInErrorsFailRequests: false,
  overlappingReads: false,
  ...allFailures,
  endOracles: [],
  afterOpen: () => true,
  transfer(app, direction, size, _offsetIntoPage, overlapped) {
    const view = mapFileView(app, nextFileName(app, 'view'), size, direction === 'read' ? 'empty' : 'device stream');
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

/**
 * Each application hands down buffers of its own size: two pages less a few
 * bytes, most of a MiB, one page exactly. At most 255 pages spanned: a
 * bouncing adapter has 256 map registers, and a buffer's one list must fit them.
 */
const SHARED_BUFFER_SIZES = [8 * KiB - 3, 1 * MiB - 8 * KiB + 5, 4 * KiB] as const;
const SHARED_BUFFERS_PER_APP = 3;
const SHARED_QUEUE_ENTRIES = 8;

function hostileApplication(app: WorkloadApplication, what: string): WorkloadApplication {
  const n = (hostileCounts.get(app.workload) ?? 0) + 1;
  hostileCounts.set(app.workload, n);
  const hostile = app.workload.startApplication(`${app.name}-${what}-${n}`);
  hostile.open();
  return hostile;
}

const hostileCounts = new WeakMap<Workload, number>();

function handDownBuffers(app: WorkloadApplication): void {
  const index = Number(/\d+/.exec(app.name)?.[0] ?? 1) - 1;
  sharedBufferClientOf(app).handDown(SHARED_BUFFERS_PER_APP, SHARED_BUFFER_SIZES[index % SHARED_BUFFER_SIZES.length]!);
}

const sharedBuffer: ClassProtocol = {
  conformanceClass: 'shared-buffer-ioctl',
  bootOptions: {},
  unalignedStarts: false,
  pageInErrorsFailRequests: false,
  overlappingReads: false,
  ...allFailures,
  endOracles: [listsBuiltOncePerBuffer],
  afterOpen(app) {
    const client = sharedBufferClientOf(app);
    // Such applications raise their working set for the buffers they hand down (seed 000): a hint a driver must not rely on (PAGE-2).
    app.workload.machine.mm.setWorkingSetSize(app.process.addressSpace, 32 * MiB, 64 * MiB);
    // The queue is mapped to system space (MDL-3): first try a registration while that mapping fails, which the
    // driver must refuse with a status, never a stop; then the one that counts. Skipped while other failures are armed.
    if (!app.workload.conditions.has('resources-failing')) {
      failCalls(app.workload, 'MmGetSystemAddressForMdlSafe', 'driver', 1);
      const refused = client.registerQueue(SHARED_QUEUE_ENTRIES);
      restoreCalls(app.workload);
      if (refused.request.done && refused.request.status === STATUS.SUCCESS) {
        handDownBuffers(app);
        return true;
      }
    }
    const registration = client.registerQueue(SHARED_QUEUE_ENTRIES);
    if (!(registration.request.done && registration.request.status === STATUS.SUCCESS)) return false;
    handDownBuffers(app);
    return true;
  },
  afterCancel(app) {
    // The hand-downs were cancelled too: wait until they are gone, so the next transfer hands buffers down again.
    for (const b of sharedBufferClientOf(app).buffers.values()) if (!b.tracked.request.done) app.app.waitFor(b.tracked.request);
  },
  transfer(app, _direction, size) {
    // The device fills buffers it holds; the application consumes one to three fills and gives them back.
    // Buffers whose hand-down was cancelled (CancelIo) are handed down again first, as the application would.
    const client = sharedBufferClientOf(app);
    if (![...client.buffers.values()].some((b) => !b.tracked.request.done)) handDownBuffers(app);
    client.consume(1 + (size % 3));
    return null;
  },
  hostile(app, kind, size) {
    // A handle whose queue is registered refuses another: a bad region goes to a fresh handle, which must refuse it.
    const hostile = hostileApplication(app, 'queue');
    if (hostile.handle === null) return null;
    const client = sharedBufferClientOf(hostile);
    let tracked: TrackedRequest | null;
    switch (kind) {
      case 'kernel address': {
        const guard = guardedKernelBuffer(app.workload, size);
        tracked = guard ? client.registerQueueAt(guard.va, size, 'a kernel address') : null;
        break;
      }
      case 'freed buffer': {
        const region = hostile.allocate(size);
        hostile.free(region);
        tracked = client.registerQueueAt(region.address, size, 'a freed region');
        break;
      }
      case 'too short buffer': {
        const region = hostile.allocate(QUEUE_HEADER_BYTES);
        tracked = client.registerQueueAt(region.address, QUEUE_HEADER_BYTES, 'a region too short for one entry');
        break;
      }
    }
    hostile.close();
    hostile.exit();
    return tracked;
  },
};

/**
 * PAGE-6: a buffer handed down once gets its scatter/gather list once, however
 * often it is filled. Not for a device that addresses only 32 bits: its lists
 * may go through bounce pages, which must be copied at each put for the data
 * to reach the buffer (SG-6), and every list it keeps holds map registers the
 * other fills need; the driver cannot tell whether an IOMMU or RAM below
 * 4 GiB spares it that, so it may get a list per fill.
 */
function listsBuiltOncePerBuffer(workload: Workload): OracleFinding[] {
  const handed = [...workload.applications.values()].reduce((n, a) => n + sharedBufferClientOf(a).buffers.size, 0);
  const mayBounce = (a: DmaAdapter) => !a.description.Dma64BitAddresses;
  const built = workload.session?.adapters.reduce((n, a) => n + (mayBounce(a) ? 0 : a.lists.allocatedCount), 0) ?? 0;
  return built <= handed ? [] : [{ oracle: 'completion', rule: 'PAGE-6', message: `the driver got ${built} scatter/gather list(s) for ${handed} buffer(s) handed down: a buffer's list is built once and reused for every fill` }];
}

/** The size of the buffer each application asks the driver to map into it. */
const MAPPED_BUFFER_BYTES = 1 * MiB + 3 * KiB;

const mappedBuffer: ClassProtocol = {
  conformanceClass: 'mapped-buffer-ioctl',
  bootOptions: {},
  unalignedStarts: true,
  pageInErrorsFailRequests: false,
  overlappingReads: false,
  ...allFailures,
  endOracles: [],
  afterOpen(app) {
    mappedBufferClientOf(app).map(MAPPED_BUFFER_BYTES);
    return mappedBufferClientOf(app).view !== null;
  },
  setUpAgain(app) {
    mappedBufferClientOf(app).map(MAPPED_BUFFER_BYTES, undefined, { kind: 'error', why: 'a second map request on one handle' });
  },
  transfer(app, direction, size, offsetIntoPage, overlapped) {
    const client = mappedBufferClientOf(app);
    const length = client.view!.length;
    const offset = offsetIntoPage % length;
    const bytes = Math.min(size, length - offset);
    // One buffer serves every transfer of the handle: the earlier ones finish first, so each fill is checked before
    // the next one lands. An overlapped fill leaves the device running into the buffer, where a close or exit may find it.
    app.waitForAll();
    app.checkFinishedReads();
    if (direction === 'write') {
      client.send(offset, bytes);
      return null;
    }
    const tracked = client.fill(offset, bytes, overlapped);
    return overlapped ? { tracked, buffer: null } : null;
  },
  hostile(app, kind, size) {
    const client = mappedBufferClientOf(app);
    const length = client.view!.length;
    // The class's hostile input is a range outside the driver's buffer: past its end, straddling it, or far beyond.
    switch (kind) {
      case 'kernel address':
        return client.transferOutside(2 ** 31, size);
      case 'freed buffer':
        return client.transferOutside(length, size);
      case 'too short buffer':
        return client.transferOutside(length - 1, size + 1);
    }
  },
};

const PROTOCOLS: readonly ClassProtocol[] = [directIo, storage, ring, mappedFile, sharedBuffer, mappedBuffer];

/** The protocol of a class, or null when the fuzzer has none for it. */
export function protocolFor(conformanceClass: ConformanceClass): ClassProtocol | null {
  return PROTOCOLS.find((p) => p.conformanceClass === conformanceClass) ?? null;
}
