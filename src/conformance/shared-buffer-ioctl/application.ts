/**
 * The application side of the shared-buffer-ioctl class
 * (shared-buffer-interface.ts): register a queue, hand buffers down once,
 * wait for fills through an overlapped request's event, read the queue,
 * check each filled buffer against the device's stream while it holds the
 * fill, and give it back to be filled again.
 *
 * Every request goes into the workload's ledger: registrations and releases
 * must succeed; buffer hand-downs stay pending and complete at cleanup
 * (success or cancelled, 0 bytes); hostile queue regions must fail.
 */
import { MAXIMUM_MAP_REGISTERS } from '../../kernel/hal/device-description';
import type { UserBuffer } from '../../kernel/io/application';
import { STATUS } from '../../machine/ntstatus';
import { formatBytes } from '../../contracts/units';
import type { DmaAdapter } from '../../kernel/hal/dma-adapter';
import { KiB, MiB } from '../../contracts/units';
import { ALL_FAILURES, ClassProtocol } from '../class-protocol';
import type { OracleFinding } from '../../oracles/oracle-finding';
import { guardedKernelBuffer } from '../../workload/hostile-input';
import { failCalls, restoreCalls } from '../../workload/machine-events';
import type { TrackedRequest } from '../../workload/request-ledger';
import type { Workload } from '../../workload/workload';
import {
  IOCTL_SHARED_BUFFER, IOCTL_SHARED_QUEUE, IOCTL_SHARED_RELEASE, IOCTL_SHARED_WAIT, QUEUE_ENTRY_BYTES, QUEUE_HEADER_BYTES, QueueEntry,
  decodeQueueEntry, encodeQueueRegistration, encodeU32, queueBytes, queueCapacity,
} from './interface';
import type { WorkloadApplication } from '../../workload/workload-application';
import type { RuleRef } from '../../rules/rule-ref';

/** The rules the class's requests guard. */
export const SHARED_BUFFER_RULES = { queue: 'PAGE-3', buffer: 'PAGE-5', data: 'PAGE-1', signal: 'PAGE-6' } as const satisfies Record<string, RuleRef>;

interface HandedDown {
  readonly id: number;
  readonly buffer: UserBuffer;
  readonly tracked: TrackedRequest;
  /** The queue registered when it was handed down: a buffer of an earlier handle's queue is not this handle's to wait for. */
  readonly queue: UserBuffer | null;
}

export class SharedBufferClient {
  queue: UserBuffer | null = null;
  readonly buffers = new Map<number, HandedDown>();
  /** Entries of the queue read so far. */
  seen = 0;
  /** Fills checked, and fills the driver reported empty (a failed fill). */
  fillsChecked = 0;
  emptyFills = 0;
  private nextId = 1;

  constructor(readonly app: WorkloadApplication) {}

  private get handle(): number {
    if (this.app.handle === null) throw new Error(`application ${this.app.name} has not opened the device`);
    return this.app.handle;
  }

  /** Register a queue with room for `entries` entries, and `slack` bytes more, too few for another entry; it must succeed. */
  registerQueue(entries: number, slack = 0): TrackedRequest {
    const queue = this.app.allocate(queueBytes(entries) + slack);
    this.queue = queue;
    this.seen = 0; // a new queue (a reopened handle's) starts empty
    return this.register(queue.address, queue.length, { kind: 'success', length: 0 }, `registration of ${this.app.name}'s queue of ${entries} entries${slack ? ` and ${formatBytes(slack)} more` : ''}`);
  }

  /** Register a queue region the application does not own (hostile input); it must fail. */
  registerQueueAt(address: number, bytes: number, why: string): TrackedRequest {
    return this.register(address, bytes, { kind: 'error', why }, `registration of a queue at ${why} by ${this.app.name}`);
  }

  private register(address: number, bytes: number, expectation: Parameters<WorkloadApplication['track']>[2], label: string): TrackedRequest {
    const input = this.app.allocate(16);
    this.app.app.writeBytes(input, encodeQueueRegistration(address, bytes));
    const request = this.app.app.DeviceIoControl(this.handle, IOCTL_SHARED_QUEUE, input, 16, null, 0);
    this.app.free(input);
    return this.app.track(request, label, expectation, SHARED_BUFFER_RULES.queue);
  }

  /** Hand `count` buffers of `size` bytes down; each request stays pending until cleanup. */
  handDown(count: number, size: number): HandedDown[] {
    const out: HandedDown[] = [];
    for (let i = 0; i < count; i++) {
      const id = this.nextId++;
      const buffer = this.app.allocate(size, (id * 1319) % 4096);
      const input = this.app.allocate(4);
      this.app.app.writeBytes(input, encodeU32(id));
      const request = this.app.app.DeviceIoControl(this.handle, IOCTL_SHARED_BUFFER, input, 4, buffer, size, { overlapped: true });
      this.app.free(input);
      const tracked = this.app.track(request, `hand-down of ${this.app.name}'s buffer ${id} (${formatBytes(size)})`, { kind: 'success-or-cancelled', length: 0 }, SHARED_BUFFER_RULES.buffer, buffer);
      const handed = { id, buffer, tracked, queue: this.queue };
      this.buffers.set(id, handed);
      out.push(handed);
    }
    return out;
  }

  /**
   * Consume `count` fills: wait for the driver's signal, read the new queue
   * entries, check each buffer against the stream, give it back. Returns the
   * entries consumed.
   */
  consume(count: number): QueueEntry[] {
    if (!this.queue) throw new Error(`application ${this.app.name} has no shared queue`);
    const consumed: QueueEntry[] = [];
    while (consumed.length < count) {
      // Once every hand-down of the current queue has failed or been cancelled, no buffer is left to fill, and waiting would hang
      // the application, not the driver. Buffers handed down under an earlier handle's queue went back at its cleanup.
      if (![...this.buffers.values()].some((b) => b.queue === this.queue && (!b.tracked.request.done || b.tracked.request.status === STATUS.SUCCESS))) break;
      const produced = this.waitForEntries();
      if (produced === null) break;
      while (this.seen < produced && consumed.length < count) {
        const entry = this.readEntry(this.seen);
        this.seen++;
        // A fill of a buffer whose hand-down the application cancelled since: the buffer is back in its hands, not the driver's to release.
        const handed = this.buffers.get(entry.bufferId);
        if (handed && handed.tracked.request.done && handed.tracked.request.status === STATUS.CANCELLED) continue;
        consumed.push(entry);
        this.checkFill(entry);
        this.giveBack(entry.bufferId);
      }
    }
    return consumed;
  }

  /** IOCTL_SHARED_WAIT, overlapped, then wait for its event; the entries produced, or null when it failed. */
  private waitForEntries(): number | null {
    const input = this.app.allocate(4);
    const output = this.app.allocate(4);
    this.app.app.writeBytes(input, encodeU32(this.seen));
    const request = this.app.app.DeviceIoControl(this.handle, IOCTL_SHARED_WAIT, input, 4, output, 4, { overlapped: true });
    const tracked = this.app.track(request, `wait of ${this.app.name} for entries after ${this.seen}`, { kind: 'success-or-cancelled', length: 4 }, SHARED_BUFFER_RULES.signal);
    this.app.app.waitFor(request);
    const produced = request.status === STATUS.SUCCESS ? new DataView(this.app.app.readBytes(output, 4).buffer).getUint32(0, true) : null;
    this.app.free(input);
    this.app.free(output);
    if (produced !== null && produced <= this.seen) {
      this.app.workload.recordDataCheck({ label: tracked.label, rule: SHARED_BUFFER_RULES.signal, of: 'driver-answer', mismatch: `the wait completed reporting ${produced} entries, no more than the ${this.seen} already seen` });
      return null;
    }
    return produced;
  }

  private readEntry(n: number): QueueEntry {
    const queue = this.queue!;
    const capacity = queueCapacity(queue.length);
    return decodeQueueEntry(this.app.app.readBytes(queue, QUEUE_ENTRY_BYTES, QUEUE_HEADER_BYTES + (n % capacity) * QUEUE_ENTRY_BYTES));
  }

  /** The filled buffer must hold the stream from the entry's offset, for the bytes the entry reports. */
  private checkFill(entry: QueueEntry): void {
    const handed = this.buffers.get(entry.bufferId);
    const label = `fill #${this.seen} of ${this.app.name}'s buffer ${entry.bufferId}`;
    if (!handed) {
      this.app.workload.recordDataCheck({ label, rule: SHARED_BUFFER_RULES.data, of: 'driver-answer', mismatch: `the queue names buffer ${entry.bufferId}, which ${this.app.name} never handed down` });
      return;
    }
    if (entry.bytes === 0) {
      this.emptyFills++;
      return;
    }
    if (entry.bytes > handed.buffer.length) {
      this.app.workload.recordDataCheck({ label, rule: SHARED_BUFFER_RULES.data, of: 'driver-answer', mismatch: `the entry reports ${entry.bytes} bytes for a ${handed.buffer.length}-byte buffer` });
      return;
    }
    const c = this.app.app.comparePattern(handed.buffer, this.app.workload.machine.dmaDevice.pattern, entry.streamOffset, entry.bytes);
    this.fillsChecked++;
    this.app.workload.recordDataCheck({
      label, rule: SHARED_BUFFER_RULES.data,
      mismatch: c.matches ? null : `byte ${c.first} of ${entry.bytes} differs from the stream at offset ${entry.streamOffset + c.first}`,
    });
  }

  /** IOCTL_SHARED_RELEASE: the buffer may be filled again; it must succeed. */
  private giveBack(id: number): void {
    const input = this.app.allocate(4);
    this.app.app.writeBytes(input, encodeU32(id));
    const request = this.app.app.DeviceIoControl(this.handle, IOCTL_SHARED_RELEASE, input, 4, null, 0);
    this.app.free(input);
    this.app.track(request, `release of ${this.app.name}'s buffer ${id}`, { kind: 'success', length: 0 }, SHARED_BUFFER_RULES.buffer);
  }
}

const clients = new WeakMap<WorkloadApplication, SharedBufferClient>();

/** The application's shared-buffer client, made on first use. */
export function sharedBufferClientOf(app: WorkloadApplication): SharedBufferClient {
  let client = clients.get(app);
  if (!client) clients.set(app, (client = new SharedBufferClient(app)));
  return client;
}

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

export const sharedBufferIoctlProtocol: ClassProtocol = {
  conformanceClass: 'shared-buffer-ioctl',
  // The class maps each handed-down buffer with one list, built once: it runs where the HAL grants
  // the map registers its buffers need (a machine that grants fewer cuts nothing here, it only refuses).
  bootOptions: { mapRegisterLimit: MAXIMUM_MAP_REGISTERS },
  unalignedStarts: false,
  pageInErrorsFailRequests: false,
  overlappingReads: false,
  ...ALL_FAILURES,
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
        // Only the header, or the header and part of an entry (a byte short of one at most).
        const bytes = QUEUE_HEADER_BYTES + (size % 2 === 0 ? 0 : 1 + (size % (QUEUE_ENTRY_BYTES - 1)));
        const region = hostile.allocate(bytes);
        tracked = client.registerQueueAt(region.address, bytes, 'a region too short for one entry');
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
export function listsBuiltOncePerBuffer(workload: Workload): OracleFinding[] {
  const handed = [...workload.applications.values()].reduce((n, a) => n + sharedBufferClientOf(a).buffers.size, 0);
  const mayBounce = (a: DmaAdapter) => !a.description.Dma64BitAddresses;
  const built = workload.session?.adapters.reduce((n, a) => n + (mayBounce(a) ? 0 : a.lists.allocatedCount), 0) ?? 0;
  return built <= handed ? [] : [{ oracle: 'completion', rule: 'PAGE-6', message: `the driver got ${built} scatter/gather list(s) for ${handed} buffer(s) handed down: a buffer's list is built once and reused for every fill` }];
}

