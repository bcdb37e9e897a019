/**
 * An application of a workload: a scripted process (src/kernel/io/application.ts)
 * that opens the device under test, allocates buffers (named or not, at any
 * offset into a page), reads and writes them synchronously or overlapped,
 * passes hostile buffers, frees buffers while I/O is in flight, cancels,
 * closes its handle and exits.
 *
 * Every request goes into the workload's ledger with the outcome the class's
 * rules demand. Each read gets its own stretch of the device's stream; once
 * it has finished, the buffer is compared with the stream while it still
 * holds what the device wrote. Each write sends its own stretch, which the
 * device checks byte by byte as it reads.
 */
import { Application, UserBuffer } from '../kernel/io/application';
import type { IoRequest } from '../kernel/io/io-request';
import { NtStatus, RaisedStatus, STATUS, statusName } from '../machine/ntstatus';
import { PAGE_SIZE, formatBytes } from '../contracts/units';
import type { FILE_OBJECT } from '../kernel/io/file-object';
import type { Process } from '../kernel/io/process';
import type { StreamRange } from '../pci/dma-transfer-log';
import type { StreamComparison } from '../kernel/mm/stream-comparison';
import { Expectation, TrackedRequest } from './request-ledger';
import type { Workload } from './workload';
import type { RuleRef } from '../rules/rule-ref';
import { acquiredPlace } from '../machine/driver-place';

/** A read (or anything else that fills a buffer with the device's stream) whose data is checked when it finishes. */
interface ReadInFlight {
  readonly tracked: TrackedRequest;
  readonly buffer: UserBuffer;
  readonly streamOffset: number;
  /** Where in the buffer the stream starts. */
  readonly at: number;
  readonly rule: RuleRef;
  checked: boolean;
}

export interface TransferOptions {
  /** Return at once with the request pending (an OVERLAPPED request). */
  readonly overlapped?: boolean;
  /** How the scenario names the request, for messages. */
  readonly label?: string;
}

/** The rules the normal outcome and the data of a direct-I/O transfer guard. */
export const READ_WRITE_RULES = { completion: 'MDL-4', data: 'PAGE-1' } as const satisfies Record<string, RuleRef>;

/** Allocations of an application start on this granularity (VirtualAlloc's 64 KiB). */
const ALLOCATION_GRANULARITY = 64 * 1024;

export class WorkloadApplication {
  readonly app: Application;
  handle: number | null = null;
  /** Handles this application holds to other applications' opens of the device (DuplicateHandle), by owner. */
  readonly duplicates = new Map<WorkloadApplication, number>();
  /** The open of the device whose handle this application closed last (the driver's IRP_MJ_CLOSE for it may come later). */
  lastClosedOpen: FILE_OBJECT | null = null;
  private readonly named = new Map<string, UserBuffer>();
  private readonly reads: ReadInFlight[] = [];
  private readonly bufferOf = new Map<TrackedRequest, UserBuffer>();
  /** Work to do once a request has finished (freeing memory an overlapped request used). */
  private readonly whenFinished: { tracked: TrackedRequest; then: () => void }[] = [];
  private counter = 0;

  constructor(readonly workload: Workload, readonly name: string) {
    this.app = new Application(workload.machine.io, name);
    workload.session?.trace.allow(this.app.process.addressSpace);
  }

  get process(): Process {
    return this.app.process;
  }

  get exited(): boolean {
    return this.app.exited;
  }

  private get pattern() {
    return this.workload.machine.dmaDevice.pattern;
  }

  // --- handles ------------------------------------------------------------------------

  /** CreateFile on the driver's device; returns the status. */
  open(): NtStatus {
    const { status, handle } = this.app.CreateFile(this.workload.driverName);
    this.handle = handle;
    return status;
  }

  private requireHandle(): number {
    if (this.handle === null) throw new Error(`application ${this.name} has not opened the device (or has closed it)`);
    return this.handle;
  }

  /** CloseHandle: the driver's cleanup must complete or cancel what the handle has outstanding. */
  close(): NtStatus {
    const handle = this.requireHandle();
    this.workload.disturb('handle-closed', this);
    this.handle = null;
    return this.closeHandle(handle);
  }

  /**
   * Close a handle of this process. When it was the file object's last
   * (another process may have held a duplicate), cleanup has run here: the
   * requests of the file object, whoever issued them, may be cancelled, and
   * a mapping the driver made into the process that opened it must be gone
   * (CONT-6), whichever process's context cleanup ran in.
   */
  private closeHandle(handle: number): NtStatus {
    const fileObject = this.process.handles.get(handle);
    if (fileObject?.process === this.process) this.lastClosedOpen = fileObject;
    if (fileObject && fileObject.handleCount === 1) this.workload.ledger.disturb('handle-closed', (t) => t.request.irp?.fileObject === fileObject);
    const status = this.app.CloseHandle(handle);
    if (fileObject?.cleanedUp) this.checkMappingsGone(fileObject);
    return status;
  }

  /** After the cleanup of a file object: no mapping is left in its opener, unless the opener has another open of the device that may own it. */
  private checkMappingsGone(fileObject: FILE_OBJECT): void {
    const owner = fileObject.process;
    if (owner.exited) return; // its address space went with it
    const io = this.workload.machine.io;
    if (io.openFileObjects().some((f) => f !== fileObject && !f.cleanedUp && f.process === owner)) return;
    for (const m of this.workload.machine.kernel.mdl.outstandingUserMappings(owner)) {
      const closer = owner === this.process ? '' : ` (${this.name} closed the last handle, a duplicate)`;
      this.workload.leftAtClose.push({ rule: 'CONT-6', message: `MDL #${m.mdl.id} is still mapped into ${owner.name} at 0x${m.va.toString(16)} after its handle was closed${closer}`, ...acquiredPlace(m.mappedAt) });
    }
  }

  /** ExitProcess: handles closed, outstanding I/O waited for, then the kernel checks for locked pages. */
  exit(): void {
    this.workload.disturb('process-exited', this);
    this.handle = null;
    // Handles of other processes' opens (duplicates) close too: when one is the last, that open is cleaned up here.
    const lastOfOthers = [...this.process.handles.values()].filter((f) => f.handleCount === 1 && f.process !== this.process);
    for (const f of lastOfOthers) this.workload.ledger.disturb('handle-closed', (t) => t.request.irp?.fileObject === f);
    this.duplicates.clear();
    this.app.exit();
    for (const f of lastOfOthers) if (f.cleanedUp) this.checkMappingsGone(f);
    // Cleanup of its own opens ran before the address space went: a mapping still there then was never undone (CONT-6),
    // unless another process still holds one of those opens, whose cleanup is yet to come.
    if (!this.workload.machine.io.openFileObjects().some((f) => f.process === this.process && !f.cleanedUp)) {
      for (const m of this.process.userMappingsAtExit) {
        this.workload.leftAtClose.push({ rule: 'CONT-6', message: `MDL #${m.mdl.id} was still mapped into ${this.name} at 0x${m.va.toString(16)} when it exited, after the cleanup of its handle`, ...acquiredPlace(m.mappedAt) });
      }
    }
  }

  /** CancelIo on the handle. */
  cancelIo(): NtStatus {
    this.workload.disturb('cancelled', this);
    return this.app.CancelIo(this.requireHandle());
  }

  /**
   * Let `delayNs` of simulated time pass (the machine runs meanwhile), then
   * cancel one request with CancelIoEx: after 0 ns it is still in dispatch or
   * queued, after a little it may wait for its map registers or list, later
   * it is on the device or completing in the DPC.
   */
  cancelAfter(tracked: TrackedRequest, delayNs: number): NtStatus {
    const handle = this.requireHandle();
    if (delayNs > 0) this.workload.machine.kernel.clock.advance(delayNs);
    this.workload.ledger.disturb('cancelled', (t) => t === tracked);
    return this.app.CancelIoEx(handle, tracked.request);
  }

  /**
   * DuplicateHandle of this application's handle into another application's
   * process; the other application keeps the copy until it closes it or exits.
   * The new handle there, or null when duplicating failed.
   */
  duplicateInto(target: WorkloadApplication): number | null {
    if (target === this) throw new Error(`application ${this.name} cannot duplicate its handle into itself here: name another application`);
    if (target.duplicates.has(this)) throw new Error(`application ${target.name} already holds a duplicate of ${this.name}'s handle`);
    const copy = this.app.DuplicateHandle(this.requireHandle(), target.app).handle;
    if (copy !== null) target.duplicates.set(this, copy);
    return copy;
  }

  /** CloseHandle of the duplicate of `owner`'s handle this application holds. */
  closeDuplicateOf(owner: WorkloadApplication): NtStatus {
    const copy = this.duplicates.get(owner);
    if (copy === undefined) throw new Error(`application ${this.name} holds no duplicate of ${owner.name}'s handle`);
    this.duplicates.delete(owner);
    return this.closeHandle(copy);
  }

  /** Wait for every request of the application still outstanding. */
  waitForAll(): void {
    for (const t of this.workload.ledger.outstanding()) if (t.request.process === this.process) this.app.waitFor(t.request);
  }

  // --- buffers ------------------------------------------------------------------------

  /** VirtualAlloc `size` bytes starting `offsetIntoPage` bytes into a page; optionally named for later steps. */
  allocate(size: number, offsetIntoPage = 0, name?: string): UserBuffer {
    if (!(Number.isInteger(offsetIntoPage) && offsetIntoPage >= 0 && offsetIntoPage < PAGE_SIZE)) {
      throw new RangeError(`a buffer starts 0 to ${PAGE_SIZE - 1} bytes into its page, not ${offsetIntoPage}`);
    }
    if (name !== undefined && this.named.has(name)) throw new Error(`application ${this.name} already has a buffer "${name}"`);
    const buffer = this.app.allocate(size, { offset: offsetIntoPage });
    if (name !== undefined) this.named.set(name, buffer);
    return buffer;
  }

  buffer(name: string): UserBuffer {
    const b = this.named.get(name);
    if (!b) throw new Error(`application ${this.name} has no buffer "${name}"${this.named.size ? `: its buffers are ${[...this.named.keys()].map((n) => `"${n}"`).join(', ')}` : ''}`);
    return b;
  }

  /** VirtualFree; requests still using the buffer are disturbed (their data is no longer the application's to check). */
  free(buffer: UserBuffer): void {
    for (const [t, b] of this.bufferOf) if (b === buffer && !t.request.done) t.disturbances.add('buffer-freed');
    this.app.free(buffer);
  }

  /** Page the buffer out (severe pressure on the application alone) and make page `page` of it unreadable from the paging file. */
  losePageOf(buffer: UserBuffer, page: number): void {
    const pages = Math.ceil((buffer.address % PAGE_SIZE + buffer.length) / PAGE_SIZE);
    if (!(Number.isInteger(page) && page >= 0 && page < pages)) throw new RangeError(`the buffer has pages 0 to ${pages - 1}; there is no page ${page}`);
    this.app.writeBytes(buffer, new Uint8Array(buffer.length).fill(0x5a)); // something to page out
    const mm = this.workload.machine.mm;
    mm.applyMemoryPressure('severe', this.process.addressSpace);
    mm.injectPageInError(this.process.addressSpace, (Math.floor(buffer.address / PAGE_SIZE) + page) * PAGE_SIZE);
  }

  // --- reads and writes ----------------------------------------------------------------

  /** ReadFile into the buffer: it must succeed with the buffer's full length, and the buffer must then hold the device's stream. */
  read(buffer: UserBuffer, options: TransferOptions = {}): TrackedRequest {
    const streamOffset = this.workload.nextStreamOffset(buffer.length);
    const label = options.label ?? this.describe('read', buffer, streamOffset);
    const request = this.app.ReadFile(this.requireHandle(), buffer, undefined, { overlapped: options.overlapped ?? false, byteOffset: streamOffset });
    const tracked = this.track(request, label, { kind: 'success', length: buffer.length }, READ_WRITE_RULES.completion, buffer, { offset: streamOffset, length: buffer.length });
    this.expectStream(tracked, buffer, streamOffset, READ_WRITE_RULES.data);
    return tracked;
  }

  /** WriteFile from the buffer, filled first with the stretch of the stream the device expects. */
  write(buffer: UserBuffer, options: TransferOptions = {}): TrackedRequest {
    const streamOffset = this.workload.nextStreamOffset(buffer.length);
    this.app.writePattern(buffer, this.pattern, streamOffset);
    const label = options.label ?? this.describe('write', buffer, streamOffset);
    const request = this.app.WriteFile(this.requireHandle(), buffer, undefined, { overlapped: options.overlapped ?? false, byteOffset: streamOffset });
    return this.track(request, label, { kind: 'success', length: buffer.length }, READ_WRITE_RULES.completion, buffer, { offset: streamOffset, length: buffer.length });
  }

  /** A read or write of a raw address the application does not own (hostile input): it must fail. */
  transferRaw(direction: 'read' | 'write', address: number, length: number, why: string): TrackedRequest {
    const handle = this.requireHandle();
    const request = direction === 'read' ? this.app.ReadFile(handle, address, length) : this.app.WriteFile(handle, address, length);
    return this.track(request, `${direction} of ${formatBytes(length)} at ${why} by ${this.name}`, { kind: 'error', why }, 'PAGE-3');
  }

  /** A read whose buffer the application already freed: it must fail. */
  readFreed(size: number): TrackedRequest {
    const buffer = this.allocate(size);
    this.app.free(buffer);
    return this.transferRaw('read', buffer.address, size, 'a freed buffer');
  }

  /** A read longer than its buffer, reaching into memory the application never allocated: it must fail. */
  readPastEnd(size: number): TrackedRequest {
    // Keep the allocation off a 64 KiB boundary, so the page after it is never part of another allocation.
    const allocated = Math.ceil(size / PAGE_SIZE) * PAGE_SIZE % ALLOCATION_GRANULARITY === 0 ? size + PAGE_SIZE : size;
    const buffer = this.allocate(allocated);
    const length = Math.ceil(allocated / PAGE_SIZE) * PAGE_SIZE + PAGE_SIZE;
    return this.transferRaw('read', buffer.address, length, `a ${formatBytes(allocated)} buffer too short for it`);
  }

  // --- bookkeeping ---------------------------------------------------------------------

  /** The buffer a request of this application uses, if it has one of its own. */
  bufferOfRequest(tracked: TrackedRequest): UserBuffer | undefined {
    return this.bufferOf.get(tracked);
  }

  /** Track a request; `buffer` is the memory it uses, if any. */
  track(request: IoRequest, label: string, expectation: Expectation, rule: RuleRef, buffer?: UserBuffer, stream: StreamRange | null = null): TrackedRequest {
    const tracked = this.workload.track(request, label, expectation, rule, stream);
    if (buffer) this.bufferOf.set(tracked, buffer);
    return tracked;
  }

  /** Once the request has finished successfully, `buffer` (from `at`) must hold the stream from `streamOffset` for the bytes it reports. */
  expectStream(tracked: TrackedRequest, buffer: UserBuffer, streamOffset: number, rule: RuleRef, at = 0): void {
    this.reads.push({ tracked, buffer, streamOffset, at, rule, checked: false });
    if (tracked.request.done) this.checkFinishedReads();
  }

  /** Run `then` once the request has finished (it runs when the workload next settles). */
  afterRequest(tracked: TrackedRequest, then: () => void): void {
    this.whenFinished.push({ tracked, then });
  }

  /** Compare every finished, successful read with the stream while its buffer still holds the data. */
  checkFinishedReads(): void {
    for (let i = 0; i < this.whenFinished.length;) {
      const w = this.whenFinished[i]!;
      if (!w.tracked.request.done || this.exited) {
        i++;
        continue;
      }
      this.whenFinished.splice(i, 1);
      w.then();
    }
    for (const r of this.reads) {
      if (r.checked || !r.tracked.request.done) continue;
      r.checked = true;
      const { request } = r.tracked;
      if (request.status !== STATUS.SUCCESS || request.information === 0) continue;
      if (r.buffer.freed || this.exited || r.tracked.disturbances.has('buffer-freed')) continue; // nothing left to look at
      // Success claimed for bytes the device failed to move: the completion oracle reports it with the device's error, the cause.
      if (r.tracked.stream && this.workload.session?.trace.deviceLog.shortfallAfterError(r.tracked.stream, request.information)) continue;
      const length = Math.min(request.information, r.buffer.length - r.at);
      let c: StreamComparison;
      try {
        c = this.app.comparePattern(r.buffer, this.pattern, r.streamOffset, length, r.at);
      } catch (e) {
        if (!(e instanceof RaisedStatus)) throw e;
        this.workload.recordDataCheck({ label: r.tracked.label, rule: r.rule, mismatch: `${this.name} cannot read the buffer at 0x${r.buffer.address.toString(16)}: ${e.message}` });
        continue;
      }
      const mismatch = c.matches ? null
        : `byte ${c.first} of ${length} is 0x${c.got.toString(16).padStart(2, '0')}, the stream has 0x${c.expected.toString(16).padStart(2, '0')} at offset ${r.streamOffset + c.first}; ${c.differing} byte(s) differ`;
      this.workload.recordDataCheck({ label: r.tracked.label, rule: r.rule, mismatch });
    }
  }

  private describe(direction: 'read' | 'write', buffer: UserBuffer, streamOffset: number): string {
    this.counter++;
    return `${direction} #${this.counter} of ${this.name} (${formatBytes(buffer.length)} ${direction === 'read' ? 'into' : 'from'} a buffer ${buffer.address % PAGE_SIZE} byte(s) into its page, stream offset ${streamOffset})`;
  }
}

/** A status in words, for step messages. */
export function describeStatus(status: NtStatus): string {
  return statusName(status);
}
