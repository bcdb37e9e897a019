/**
 * The application side of the peer-to-peer-dma class (interface.ts): the
 * application gets a window of the GPU's memory from the GPU's own allocator
 * (the cudaMalloc of seed 002; the "other device's driver" of seed 000),
 * hands its bus address to the driver under test, and has the DMA test
 * device write its stream into that window or read it from there. Whether
 * the bytes arrived is read from the GPU's memory, as the application would
 * through the GPU's driver; whether they went device to device is read from
 * the bus's count of peer-to-peer bytes.
 */
import { KiB, MiB, PAGE_SIZE, formatAddress, formatBytes } from '../../contracts/units';
import type { GpuAllocation, GpuDevice } from '../../pci/gpu-device';
import type { OracleFinding } from '../../oracles/oracle-finding';
import { guardedKernelBuffer } from '../../workload/hostile-input';
import { STATUS } from '../../machine/ntstatus';
import type { Expectation, TrackedRequest } from '../../workload/request-ledger';
import type { Workload } from '../../workload/workload';
import type { WorkloadApplication } from '../../workload/workload-application';
import { ALL_FAILURES, ClassProtocol } from '../class-protocol';
import { IOCTL_P2P_TRANSFER, P2P_ORDER_BYTES, P2P_TRANSFER_MAXIMUM, encodePeerOrder } from './interface';

/** The rule every request and data check of the class guards: device to device, through the peer's memory range only. */
export const PEER_TO_PEER_RULE = 'DEV-6';

/**
 * The GPU the class's machines carry. Its memory BAR is small enough to end
 * below 4 GiB with nothing after it, so a transfer run past its end reaches
 * no memory at all rather than RAM.
 */
export const PEER_GPU_MEMORY = 64 * MiB;

/** The window of GPU memory each application gets: not a whole number of the allocator's 64 KiB units. */
const PEER_WINDOW_BYTES = 1 * MiB + 3 * KiB;

/** The GPU of the workload's machine: the peer. */
export function peerOf(workload: Workload): GpuDevice {
  const gpu = workload.machine.gpu;
  if (!gpu) throw new Error('this machine has no GPU to transfer to (boot it with gpuMemoryBytes, as the class\'s protocol does)');
  return gpu;
}

/** The peer-to-peer transfers of each workload that the driver reported done, for the device-to-device check. */
const reported = new WeakMap<Workload, TrackedRequest[]>();

export class PeerToPeerClient {
  /** The application's window of GPU memory, once it has one. */
  window: GpuAllocation | null = null;

  constructor(readonly app: WorkloadApplication) {}

  private get handle(): number {
    if (this.app.handle === null) throw new Error(`application ${this.app.name} has not opened the device`);
    return this.app.handle;
  }

  private get gpu(): GpuDevice {
    return peerOf(this.app.workload);
  }

  /** Get a window of GPU memory from the GPU's allocator; false when the GPU has no room left. */
  acquireWindow(bytes = PEER_WINDOW_BYTES): boolean {
    if (this.window) return true;
    this.window = this.gpu.allocateGpuMemory(bytes);
    return this.window !== null;
  }

  requireWindow(): GpuAllocation {
    if (!this.window) throw new Error(`application ${this.app.name} has no window of GPU memory`);
    return this.window;
  }

  private order(peerAddress: number, bytes: number, fromPeer: boolean, streamOffset: number, label: string, expectation: Expectation, overlapped: boolean): TrackedRequest {
    const input = this.app.allocate(P2P_ORDER_BYTES);
    this.app.app.writeBytes(input, encodePeerOrder({ peerAddress, bytes, fromPeer, streamOffset }));
    const request = this.app.app.DeviceIoControl(this.handle, IOCTL_P2P_TRANSFER, input, P2P_ORDER_BYTES, null, 0, { overlapped });
    const tracked = this.app.track(request, label, expectation, PEER_TO_PEER_RULE, undefined, { offset: streamOffset, length: bytes });
    if (request.done) this.app.free(input);
    else this.app.afterRequest(tracked, () => this.app.free(input));
    return tracked;
  }

  /** The device writes its stream into [offset, offset + bytes) of the window; once done, the GPU's memory must hold it there. */
  toPeer(offset: number, bytes: number, overlapped = false): TrackedRequest {
    const window = this.requireWindow();
    const streamOffset = this.app.workload.nextStreamOffset(bytes);
    const tracked = this.order(window.busAddress + offset, bytes, false, streamOffset,
      `${this.app.name}'s transfer of ${formatBytes(bytes)} into GPU memory at ${formatAddress(window.busAddress + offset)} (stream offset ${streamOffset})`,
      { kind: 'success', length: bytes }, overlapped);
    this.remember(tracked);
    const check = () => this.checkWindow(tracked, offset, streamOffset);
    if (tracked.request.done) check();
    else this.app.afterRequest(tracked, check);
    return tracked;
  }

  /** Put the stream into [offset, offset + bytes) of the window (as the GPU's driver copies data in), then have the device read and check it. */
  fromPeer(offset: number, bytes: number): TrackedRequest {
    const window = this.requireWindow();
    const streamOffset = this.app.workload.nextStreamOffset(bytes);
    this.gpu.writeGpuMemory(window.offset + offset, this.app.workload.machine.dmaDevice.pattern.expected(streamOffset, bytes));
    const tracked = this.order(window.busAddress + offset, bytes, true, streamOffset,
      `${this.app.name}'s transfer of ${formatBytes(bytes)} from GPU memory at ${formatAddress(window.busAddress + offset)} (stream offset ${streamOffset})`,
      { kind: 'success', length: bytes }, false);
    this.remember(tracked);
    return tracked;
  }

  /** Hostile input: a transfer whose range is not inside the peer's memory BAR; it must fail, and the device must move nothing. */
  outside(peerAddress: number, bytes: number, why: string): TrackedRequest {
    return this.order(peerAddress, bytes, false, 0, `${this.app.name}'s transfer of ${formatBytes(bytes)} at ${formatAddress(peerAddress)}, ${why}`, { kind: 'error', why }, false);
  }

  /** A range below the GPU's memory BAR, where no function decodes. */
  outsideTheBar(bytes: number): TrackedRequest {
    return this.outside(this.gpu.memoryBarAddress - 16 * MiB, bytes, 'outside every memory BAR');
  }

  /** A range that starts in the GPU's memory BAR and runs past its end. */
  pastTheBarEnd(bytes: number): TrackedRequest {
    const end = this.gpu.memoryBarAddress + this.gpu.memoryBytes;
    return this.outside(end - PAGE_SIZE, Math.max(bytes, 1) + PAGE_SIZE, 'running past the end of the GPU\'s memory BAR');
  }

  /**
   * A range whose end wraps past the top of the 64-bit address space: it starts
   * 4 KiB below 2^64, so start + bytes comes out small. A check of the end
   * against a BAR's end (instead of the bytes against the room left) takes it.
   */
  wrappingPastTheTop(bytes: number): TrackedRequest {
    return this.outside(2 ** 64 - PAGE_SIZE, Math.max(bytes, PAGE_SIZE + 1), 'whose end wraps past the top of the address space');
  }

  /**
   * A range that starts a page into the application's window and is 4 GiB
   * less a page long: summed in 32 bits, its end wraps to the window's own
   * start, inside the BAR; summed as the bus does, it runs far past the
   * BAR's end, and it is longer than the class's longest transfer.
   */
  wrappingPast4GiB(): TrackedRequest {
    const window = this.requireWindow();
    return this.outside(window.busAddress + PAGE_SIZE, 2 ** 32 - PAGE_SIZE, 'whose end wraps past 4 GiB when summed in 32 bits');
  }

  /** Host RAM passed as if it were a BAR: the physical address of kernel memory that must come out unchanged. */
  ramAsBar(bytes: number): TrackedRequest | null {
    const guard = guardedKernelBuffer(this.app.workload, bytes);
    if (!guard) return null;
    return this.outside(this.app.workload.machine.mm.physicalAddressOf(guard.va), bytes, 'host RAM passed as a BAR');
  }

  private remember(tracked: TrackedRequest): void {
    const workload = this.app.workload;
    reported.set(workload, [...(reported.get(workload) ?? []), tracked]);
  }

  private checkWindow(tracked: TrackedRequest, offset: number, streamOffset: number): void {
    const { request } = tracked;
    if (request.status !== STATUS.SUCCESS || request.information === 0) return;
    const window = this.requireWindow();
    const length = Math.min(request.information, window.length - offset);
    const actual = this.gpu.readGpuMemory(window.offset + offset, length);
    const expected = this.app.workload.machine.dmaDevice.pattern.expected(streamOffset, length);
    let first = -1;
    for (let i = 0; i < length && first < 0; i++) if (actual[i] !== expected[i]) first = i;
    this.app.workload.recordDataCheck({
      label: tracked.label,
      rule: PEER_TO_PEER_RULE,
      mismatch: first < 0 ? null : `byte ${first} of ${length} in GPU memory is 0x${actual[first]!.toString(16).padStart(2, '0')}, the stream has 0x${expected[first]!.toString(16).padStart(2, '0')} at offset ${streamOffset + first}`,
    });
  }
}

const clients = new WeakMap<WorkloadApplication, PeerToPeerClient>();

/** The application's peer-to-peer client, made on first use. */
export function peerToPeerClientOf(app: WorkloadApplication): PeerToPeerClient {
  let client = clients.get(app);
  if (!client) clients.set(app, (client = new PeerToPeerClient(app)));
  return client;
}

/**
 * DEV-6: every byte the driver reported moved between the device and the
 * peer crossed the bus from device to device. A driver that staged the data
 * in host RAM (or moved less than it claimed) shows as fewer peer-to-peer
 * bytes on the bus than its requests report.
 */
export function deviceToDeviceOracle(workload: Workload): OracleFinding[] {
  const claimed = (reported.get(workload) ?? []).filter((t) => t.request.done && t.request.status === STATUS.SUCCESS).reduce((n, t) => n + t.request.information, 0);
  const carried = workload.machine.bus.stats.dmaBytesPeerToPeer;
  if (carried >= claimed) return [];
  return [{ oracle: 'data', rule: PEER_TO_PEER_RULE, message: `the driver reported ${formatBytes(claimed)} moved between the device and GPU memory, but the bus carried only ${formatBytes(carried)} from device to device: the rest did not go peer to peer` }];
}

export const peerToPeerDmaProtocol: ClassProtocol = {
  conformanceClass: 'peer-to-peer-dma',
  bootOptions: { gpuMemoryBytes: PEER_GPU_MEMORY },
  unalignedStarts: true,
  pageInErrorsFailRequests: false,
  overlappingReads: false,
  ...ALL_FAILURES,
  endOracles: [deviceToDeviceOracle],
  afterOpen(app) {
    // The third application started gets a window of the class's longest transfer and has the device write all of it
    // (not an earlier one: the sweep's standard workload, which fails each of its calls in turn, stays short).
    const client = peerToPeerClientOf(app);
    if ([...app.workload.applications.values()].indexOf(app) !== 2) return client.acquireWindow();
    if (!client.acquireWindow(P2P_TRANSFER_MAXIMUM)) return false;
    client.toPeer(0, P2P_TRANSFER_MAXIMUM);
    return true;
  },
  transfer(app, direction, size, offsetIntoPage, overlapped) {
    const client = peerToPeerClientOf(app);
    const length = client.requireWindow().length;
    const offset = offsetIntoPage % length;
    const bytes = Math.min(size, length - offset);
    // One window serves every transfer of the application: the earlier ones finish first, so each is checked before
    // the next one lands. An overlapped transfer leaves the device running into GPU memory, where a close or exit may find it.
    app.waitForAll();
    app.checkFinishedReads();
    if (direction === 'write') {
      client.fromPeer(offset, bytes);
      return null;
    }
    const tracked = client.toPeer(offset, bytes, overlapped);
    return overlapped ? { tracked, buffer: null } : null;
  },
  hostile(app, kind, size) {
    const client = peerToPeerClientOf(app);
    switch (kind) {
      case 'kernel address':
        return client.ramAsBar(size);
      case 'freed buffer':
        return client.outsideTheBar(size);
      case 'too short buffer':
        return client.pastTheBarEnd(size);
    }
  },
};
