/**
 * The application side of the mapped-buffer-ioctl class
 * (mapped-buffer-interface.ts): ask the driver for a buffer mapped into this
 * process, have the device fill parts of it and check them through the
 * mapping, write parts of it and have the device read and check them.
 *
 * The mapping must be usable by this process: reading or writing through it
 * at the address the driver returned must reach the buffer. If the address
 * is not mapped in this process (the driver mapped it into another one),
 * the access fails, and that is recorded as a failed data check.
 */
import type { UserBuffer } from '../../kernel/io/application';
import { RaisedStatus, STATUS } from '../../machine/ntstatus';
import { KiB, MiB, formatAddress, formatBytes } from '../../contracts/units';
import { ALL_FAILURES, ClassProtocol } from '../class-protocol';
import { IOCTL_MAPPED_MAP, IOCTL_MAPPED_TRANSFER, MAPPED_BUFFER_MAXIMUM, MAP_OUTPUT_BYTES, TRANSFER_INPUT_BYTES, decodeMapOutput, encodeTransferOrder } from './interface';
import type { Expectation, TrackedRequest } from '../../workload/request-ledger';
import { encodeU32 } from '../../contracts/little-endian';
import type { WorkloadApplication } from '../../workload/workload-application';
import type { RuleRef } from '../../rules/rule-ref';
import { failCallNumber, restoreCalls } from '../../workload/machine-events';

/** The rules the class's requests and data guard. */
export const MAPPED_BUFFER_RULES = { map: 'CONT-6', transfer: 'DEV-2', data: 'CONT-6' } as const satisfies Record<string, RuleRef>;

export class MappedBufferClient {
  /** The buffer as this process sees it, once mapped. */
  view: UserBuffer | null = null;
  /** The handle the view was mapped through: closing it unmaps the view, so a reopened handle has none yet. */
  private viewHandle: number | null = null;
  /**
   * A second map request on the view's handle failed: the driver must still serve the first mapping. A
   * transfer it refuses from then on shows that mapping lost (CONT-6), not a transfer refused (DEV-2).
   */
  private repeatRefused = false;

  constructor(readonly app: WorkloadApplication) {}

  private get handle(): number {
    if (this.app.handle === null) throw new Error(`application ${this.app.name} has not opened the device`);
    return this.app.handle;
  }

  /** IOCTL_MAPPED_MAP for `bytes`; the mapping it returns becomes the view. */
  map(bytes: number, outputBytes = MAP_OUTPUT_BYTES, expectation?: Expectation): TrackedRequest {
    if (this.viewHandle !== this.handle) {
      this.view = null;
      this.repeatRefused = false;
    }
    const input = this.app.allocate(4);
    const output = this.app.allocate(Math.max(outputBytes, 1));
    this.app.app.writeBytes(input, encodeU32(bytes));
    const request = this.app.app.DeviceIoControl(this.handle, IOCTL_MAPPED_MAP, input, 4, output, outputBytes);
    const tracked = this.app.track(request, `map request of ${this.app.name} for ${formatBytes(bytes)}${outputBytes < MAP_OUTPUT_BYTES ? ` with a ${outputBytes}-byte output buffer` : ''}`,
      expectation ?? { kind: 'success', length: MAP_OUTPUT_BYTES }, MAPPED_BUFFER_RULES.map);
    if (request.status === STATUS.SUCCESS && request.information >= MAP_OUTPUT_BYTES && !this.view) {
      const out = decodeMapOutput(this.app.app.readBytes(output, MAP_OUTPUT_BYTES));
      this.view = { address: out.address, length: out.bytes, base: out.address, allocatedLength: out.bytes, kind: 'view', freed: false };
      this.viewHandle = this.handle;
      if (out.bytes !== bytes) this.app.workload.recordDataCheck({ label: tracked.label, rule: MAPPED_BUFFER_RULES.map, of: 'driver-answer', mismatch: `the driver mapped ${out.bytes} bytes for a request of ${bytes}` });
      this.touch(tracked.label);
    } else if (this.view && request.done && request.status !== STATUS.SUCCESS) {
      this.repeatRefused = true;
    }
    this.app.free(input);
    this.app.free(output);
    return tracked;
  }

  /** The application reads the first and last byte of its new mapping, as any user of it would: the address must be mapped in this process. */
  private touch(label: string): void {
    const view = this.view!;
    try {
      this.app.app.readBytes(view, 1);
      this.app.app.readBytes(view, 1, view.length - 1);
    } catch (e) {
      if (!(e instanceof RaisedStatus)) throw e;
      this.app.workload.recordDataCheck({ label, rule: MAPPED_BUFFER_RULES.map, of: 'driver-answer', mismatch: `the address the driver returned (${formatAddress(view.address)}) is not usable in ${this.app.name}: ${e.message}` });
    }
  }

  private requireView(): UserBuffer {
    if (!this.view) throw new Error(`application ${this.app.name} has no mapped buffer (its map request failed or was never sent)`);
    return this.view;
  }

  private order(offset: number, bytes: number, streamOffset: number, toDevice: boolean, expectation: Expectation | undefined, overlapped: boolean): TrackedRequest {
    const input = this.app.allocate(TRANSFER_INPUT_BYTES);
    this.app.app.writeBytes(input, encodeTransferOrder({ offset, bytes, streamOffset, toDevice }));
    const request = this.app.app.DeviceIoControl(this.handle, IOCTL_MAPPED_TRANSFER, input, TRANSFER_INPUT_BYTES, null, 0, { overlapped });
    const tracked = this.app.track(request, `${toDevice ? 'send' : 'fill'} of ${formatBytes(bytes)} at offset ${offset} of ${this.app.name}'s mapped buffer (stream offset ${streamOffset})${this.repeatRefused ? ', after a second map request on the handle failed' : ''}`,
      expectation ?? { kind: 'success', length: bytes }, this.repeatRefused ? MAPPED_BUFFER_RULES.map : MAPPED_BUFFER_RULES.transfer, undefined, { offset: streamOffset, length: bytes });
    if (request.done) this.app.free(input);
    else this.app.afterRequest(tracked, () => this.app.free(input));
    return tracked;
  }

  /** The device fills [offset, offset + bytes) of the buffer; once done, the mapping must show the stream there. */
  fill(offset: number, bytes: number, overlapped = false): TrackedRequest {
    const view = this.requireView();
    const streamOffset = this.app.workload.nextStreamOffset(bytes);
    const tracked = this.order(offset, bytes, streamOffset, false, undefined, overlapped);
    this.app.expectStream(tracked, view, streamOffset, MAPPED_BUFFER_RULES.data, offset);
    return tracked;
  }

  /** Write the stream into [offset, offset + bytes) through the mapping, then have the device read and check it. */
  send(offset: number, bytes: number): TrackedRequest | null {
    const view = this.requireView();
    const streamOffset = this.app.workload.nextStreamOffset(bytes);
    try {
      this.app.app.writeBytes(view, this.app.workload.machine.dmaDevice.pattern.expected(streamOffset, bytes), offset);
    } catch (e) {
      if (!(e instanceof RaisedStatus)) throw e;
      this.app.workload.recordDataCheck({ label: `${this.app.name} writing its mapped buffer`, rule: MAPPED_BUFFER_RULES.data, of: 'driver-answer', mismatch: `the address the driver returned (${formatAddress(view.address)}) is not usable in ${this.app.name}: ${e.message}` });
      return null;
    }
    return this.order(offset, bytes, streamOffset, true, undefined, false);
  }

  /** A transfer outside the buffer (hostile input): it must fail. */
  transferOutside(offset: number, bytes: number): TrackedRequest {
    return this.order(offset, bytes, 0, false, { kind: 'error', why: 'a range outside the mapped buffer' }, false);
  }

  /**
   * A transfer of `bytes` (2 or more) whose offset is so near 4 GiB that
   * offset + bytes, summed in a ULONG, wraps to half of `bytes`: a range
   * that ends inside the buffer only for a driver that computes its end in
   * 32 bits (hostile input): it must fail.
   */
  transferWrapping(bytes: number): TrackedRequest {
    if (bytes < 2) throw new Error(`a range whose end wraps past 4 GiB needs at least 2 bytes, not ${bytes}`);
    return this.order(2 ** 32 - Math.floor(bytes / 2), bytes, 0, false, { kind: 'error', why: 'a range whose end wraps past 4 GiB' }, false);
  }
}

const clients = new WeakMap<WorkloadApplication, MappedBufferClient>();

/** The application's mapped-buffer client, made on first use. */
export function mappedBufferClientOf(app: WorkloadApplication): MappedBufferClient {
  let client = clients.get(app);
  if (!client) clients.set(app, (client = new MappedBufferClient(app)));
  return client;
}

/**
 * The size of the buffer each application asks the driver to map into it:
 * an uneven size, and for the second application of a workload the largest
 * the class allows, so the fuzzer and the sweep reach the class's maximum.
 */
const MAPPED_BUFFER_BYTES = [1 * MiB + 3 * KiB, MAPPED_BUFFER_MAXIMUM] as const;

function mappedBufferBytesFor(app: WorkloadApplication): number {
  const started = [...app.workload.applications.values()].indexOf(app);
  return MAPPED_BUFFER_BYTES[started % MAPPED_BUFFER_BYTES.length]!;
}

export const mappedBufferIoctlProtocol: ClassProtocol = {
  conformanceClass: 'mapped-buffer-ioctl',
  bootOptions: {},
  unalignedStarts: true,
  pageInErrorsFailRequests: false,
  overlappingReads: false,
  ...ALL_FAILURES,
  endOracles: [],
  afterOpen(app) {
    const client = mappedBufferClientOf(app);
    const bytes = mappedBufferBytesFor(app);
    // The third application's first map request fails part-way, its buffer and first MDL had and its second MDL not:
    // the driver must give back what it took. Skipped while other failures are armed.
    if ([...app.workload.applications.values()].indexOf(app) === 2 && !app.workload.conditions.has('resources-failing')) {
      failCallNumber(app.workload, 'IoAllocateMdl', 'driver', 2);
      const partWay = client.map(bytes);
      restoreCalls(app.workload);
      if (partWay.request.status === STATUS.SUCCESS) return client.view !== null; // the driver retried and got its MDL
    }
    client.map(bytes);
    return client.view !== null;
  },
  setUpAgain(app) {
    mappedBufferClientOf(app).map(mappedBufferBytesFor(app), undefined, { kind: 'error', why: 'a second map request on one handle' });
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
    // The class's hostile input is a range outside the driver's buffer: past its end, straddling it, or far beyond,
    // at an offset whose sum with the length wraps a ULONG.
    switch (kind) {
      case 'kernel address':
        return client.transferWrapping(Math.max(2, size));
      case 'freed buffer':
        return client.transferOutside(length, size);
      case 'too short buffer':
        return client.transferOutside(length - 1, size + 1);
    }
  },
};

