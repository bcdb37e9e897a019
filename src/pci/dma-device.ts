/**
 * The DMA test device: a bus-master PCI device in the spirit of QEMU's edu
 * device and Zephyr's DMA emulator, for driving real driver code. Its
 * register map, descriptor layout, error codes and timing are specified in
 * docs/dma-device.md; the constants below are that specification in code.
 *
 * It moves a seeded data pattern: device-to-host it writes the pattern,
 * host-to-device it checks every byte it reads against the pattern. It reaches
 * memory only through the bus (descriptor fetches included), and spends
 * simulated time doing so, so a driver that releases a buffer before the
 * transfer completes is caught at the moment the device touches the frame.
 */
import {
  DESCRIPTOR_SIZE, DescriptorFlag, DmaCapability, DmaControl, DmaError, DmaInterrupt, DmaPortRegister, DmaRegister, DmaState, DmaStatusBit,
  DMA_DEVICE_ID_VALUE, DMA_DEVICE_VENDOR_ID, DMA_DEVICE_DEVICE_ID, DmaBar, MAX_RING_DESCRIPTORS, dmaErrorName,
} from '../contracts/dma-test-device-registers';
import type { DmaErrorCode } from '../contracts/dma-test-device-registers';

const INTERRUPT_SOURCES = 0x7;
import { DeviceTransferLog } from './dma-transfer-log';
import { Clock, ReservedEvent } from '../machine/clock';
import { COST } from '../machine/cost-model';
import { KiB, offsetWithin } from '../contracts/units';
import { PciConfigSpace, allOnes } from './config-space';
import { DataPattern, PatternChecker } from './data-pattern';
import { InterruptLine } from './interrupt-line';
import { AccessWidth, BusConnection, DmaResult, PciFunction } from './pci-function';
import { detectionEnabled } from '../kernel/detections/detection-switch';

export type DmaFaultInjection = 'master-abort' | 'hang' | 'surprise-removal';

/**
 * Where in a transfer an injected fault strikes: at once (a removal or a
 * hang) or at the next data burst (a master abort), once some more bytes
 * have moved (inside a burst when the count falls there), halfway through
 * the next burst, or when the device fetches a given descriptor of its ring
 * (a descriptor boundary; a shorter ring passes it on to the next one).
 */
export type DmaFaultPoint =
  | { readonly at: 'next' }
  | { readonly at: 'after-bytes'; readonly bytes: number }
  | { readonly at: 'mid-burst' }
  | { readonly at: 'descriptor'; readonly index: number };

export function describeFaultPoint(p: DmaFaultPoint): string {
  switch (p.at) {
    case 'next': return 'at once';
    case 'after-bytes': return `after ${p.bytes} more byte(s)`;
    case 'mid-burst': return 'in the middle of a data burst';
    case 'descriptor': return `at descriptor ${p.index} of a ring`;
  }
}

export interface DmaTestDeviceOptions {
  /** Name in reports; default "dma0". */
  readonly name?: string;
  /** 32: the device drives only address bits 0..31 (high address registers read 0). Default 64. */
  readonly addressBits?: 32 | 64;
  /** Longest transfer one descriptor (or the single buffer) may ask for. Default 64 KiB. */
  readonly maxTransferLength?: number;
  /** Seed of the data pattern. Default 1. */
  readonly patternSeed?: number;
  /** Size of the on-device memory window (BAR2), a power of two >= 16. Default 4 KiB. */
  readonly memoryWindowBytes?: number;
}

type State = 'idle' | 'busy' | 'done' | 'error';
const STATE_CODE: Record<State, number> = { idle: DmaState.Idle, busy: DmaState.Busy, done: DmaState.Done, error: DmaState.Error };

/** The stretch of memory the engine moves now: one descriptor's, or the single buffer's. */
interface Segment {
  address: number;
  length: number;
  flags: number;
  /** Where the descriptor lives, for the write-back; null in single-buffer mode. */
  descriptorAddress: number | null;
  dataStartNs: number;
  done: number;
  /** The burst scheduled next: its bus address and length. */
  burstAt: number;
  burstBytes: number;
}

/** A step of the engine asked for by the step running now (DmaTestDevice.after). */
interface FollowUp {
  reserved: ReservedEvent;
  label: string;
  step: () => void;
}

interface Run {
  readonly ring: boolean;
  readonly toDevice: boolean;
  readonly ringBase: number;
  readonly ringCount: number;
  index: number;
  segment: Segment | null;
  /** Stream offset of the transfer's first byte. */
  readonly streamStart: number;
}

const TWO_32 = 2 ** 32;
const REGISTER_FILE_BYTES = 4 * KiB;
const PORT_BYTES = 16;
/** Device requests never cross a 4 KiB boundary (PCI Express rule). */
const BURST_BOUNDARY = 4096;

export class DmaTestDevice implements PciFunction {
  readonly name: string;
  readonly config: PciConfigSpace;
  readonly addressBits: 32 | 64;
  readonly maxTransferLength: number;
  readonly pattern: DataPattern;
  /** Host-to-device bytes (DMA and FIFO writes) checked against the pattern. */
  readonly checker: PatternChecker;
  /** The on-device memory reachable through BAR2. */
  readonly memoryWindow: Uint8Array;

  /** Transfers that ended in Done. */
  transfersCompleted = 0;
  /** Bytes moved by DMA over the device's life (both directions). */
  totalDmaBytes = 0;
  /** Bytes moved through the FIFO data port. */
  totalFifoBytes = 0;
  /** How every transfer ended (the model's record, not a register). */
  readonly transferLog = new DeviceTransferLog();

  private connection: BusConnection | null = null;
  private control = 0;
  private state: State = 'idle';
  private error: DmaErrorCode = DmaError.None;
  private commandRejected = false;
  private interruptStatus = 0;
  private interruptMask = 0;
  private ringBase = 0;
  private ringCount = 0;
  private ringProgress = 0;
  private bufferAddress = 0;
  private bufferLength = 0;
  private streamOffset = 0;
  private bytesTransferred = 0;
  private errorAddress = 0;
  private run: Run | null = null;
  private pendingEvent: number | null = null;
  /** The follow-up step a running step asked for, not queued yet: it may run in place of its clock event (runSteps). */
  private followUp: FollowUp | null = null;
  private readonly segmentSlot: Segment = { address: 0, length: 0, flags: 0, descriptorAddress: null, dataStartNs: 0, done: 0, burstAt: 0, burstBytes: 0 };
  private readonly followUpSlot: FollowUp = { reserved: { id: 0, at: 0 }, label: '', step: () => {} };
  private inStep = false;
  /** The descriptor being fetched or written back, reused: the device holds one at a time. */
  private readonly descriptorBytes = new Uint8Array(DESCRIPTOR_SIZE);
  private readonly descriptorView = new DataView(this.descriptorBytes.buffer);
  /** The descriptor's flags word, as written back. */
  private readonly descriptorFlagBytes = this.descriptorBytes.subarray(12, 16);
  /** The engine's steps, made once rather than a closure per page. */
  private readonly fetchStep = () => this.fetchDescriptor();
  private readonly burstStep = () => this.burst();
  /** The clock labels of the engine's steps, made once rather than per page. */
  private readonly labels: { readonly fetch: string; readonly burst: string };
  private hung = false;
  private hangArmed = false;
  /** A fault waiting for its point in a transfer, and the device's byte count when it was armed. */
  private armed: { readonly fault: DmaFaultInjection; readonly point: DmaFaultPoint; readonly movedBefore: number } | null = null;
  private isRemoved = false;

  constructor(private readonly clock: Clock, options: DmaTestDeviceOptions = {}) {
    this.name = options.name ?? 'dma0';
    this.labels = { fetch: `${this.name}: fetch descriptor`, burst: `${this.name}: burst` };
    this.addressBits = options.addressBits ?? 64;
    if (this.addressBits !== 32 && this.addressBits !== 64) throw new RangeError(`addressBits must be 32 or 64, got ${String(this.addressBits)}`);
    this.maxTransferLength = options.maxTransferLength ?? 64 * KiB;
    if (!Number.isSafeInteger(this.maxTransferLength) || this.maxTransferLength <= 0 || this.maxTransferLength >= TWO_32) {
      throw new RangeError(`maxTransferLength must be 1 .. 2^32-1 bytes, got ${this.maxTransferLength}`);
    }
    const windowBytes = options.memoryWindowBytes ?? 4 * KiB;
    this.pattern = new DataPattern(options.patternSeed ?? 1);
    this.checker = new PatternChecker(this.pattern);
    this.memoryWindow = new Uint8Array(windowBytes);
    this.config = new PciConfigSpace({
      vendorId: DMA_DEVICE_VENDOR_ID,
      deviceId: DMA_DEVICE_DEVICE_ID,
      classCode: 0x080100, // base system peripheral, DMA controller
      revisionId: 1,
      bars: [
        { kind: 'memory', size: REGISTER_FILE_BYTES },
        { kind: 'io', size: PORT_BYTES },
        { kind: 'memory', size: windowBytes },
      ],
      dma64BitCapable: this.addressBits === 64,
      interruptPin: 1,
    });
  }

  // --- attachment and the model's own view (for the suite, not for drivers) -------------

  attach(connection: BusConnection): void {
    if (this.connection) throw new Error(`${this.name} is already attached to a bus`);
    this.connection = connection;
  }

  get requesterId(): number {
    return this.bus().requesterId;
  }

  get interrupt(): InterruptLine {
    return this.bus().interrupt;
  }

  /** Physical address of a BAR0 register. */
  registerAddress(offset: number): number {
    return this.barBase(DmaBar.Registers) + offset;
  }

  /** Port number of a BAR1 register. */
  portAddress(offset: number): number {
    return this.barBase(DmaBar.Ports) + offset;
  }

  /** Physical (and bus) address of the memory window. */
  get memoryWindowAddress(): number {
    return this.barBase(DmaBar.MemoryWindow);
  }

  get status(): State {
    return this.state;
  }

  get errorCode(): DmaErrorCode {
    return this.isRemoved ? DmaError.Removed : this.error;
  }

  get removed(): boolean {
    return this.isRemoved;
  }

  /**
   * Make the device misbehave:
   * - 'master-abort': its next data request ends in a master abort.
   * - 'hang': the running transfer (or the next one started) stops making progress; it never completes.
   * - 'surprise-removal': the device is gone: reads return all ones, DMA and interrupts stop.
   */
  injectFault(fault: DmaFaultInjection, point: DmaFaultPoint = { at: 'next' }): void {
    if (point.at === 'after-bytes' && !(Number.isSafeInteger(point.bytes) && point.bytes >= 0)) throw new RangeError(`a fault after a number of bytes needs a whole number >= 0, got ${String(point.bytes)}`);
    if (point.at === 'descriptor' && !(Number.isSafeInteger(point.index) && point.index >= 0 && point.index < MAX_RING_DESCRIPTORS)) {
      throw new RangeError(`a fault at a descriptor needs an index from 0 to ${MAX_RING_DESCRIPTORS - 1}, got ${String(point.index)}`);
    }
    if (!['master-abort', 'hang', 'surprise-removal'].includes(fault)) throw new RangeError(`unknown fault injection "${String(fault)}"`);
    if (point.at === 'next' && fault !== 'master-abort') return this.strike(fault);
    // A master abort needs a data request to refuse: "now" is the next burst, before it moves anything.
    this.armed = { fault, point: point.at === 'next' ? { at: 'after-bytes', bytes: 0 } : point, movedBefore: detectionEnabled('FAULT-AFTER-BYTES-FROM-ARMING') ? this.totalDmaBytes : 0 };
  }

  /** A hang or a removal happens now. */
  private strike(fault: Exclude<DmaFaultInjection, 'master-abort'>): void {
    switch (fault) {
      case 'hang':
        if (this.run) this.stall();
        else this.hangArmed = true;
        return;
      case 'surprise-removal':
        // The transfer under way ends here: what it moved so far is all it will move.
        if (this.run) this.logEnd(DmaError.Removed, this.run.segment ? this.run.segment.address + this.run.segment.done : 0);
        this.cancelPending();
        this.run = null;
        this.isRemoved = true;
        this.config.removed = true;
        this.connection?.interrupt.setLevel(false);
        return;
    }
  }

  // --- CPU accesses --------------------------------------------------------------------

  readRegister(bar: number, offset: number, width: AccessWidth): number {
    if (this.isRemoved) return allOnes(width);
    if (bar === DmaBar.Registers) {
      if (isFifo(offset, DmaRegister.FifoData)) return this.fifoRead(width);
      return subRegister(this.registerValue(offset - (offset % 4)), offset % 4, width);
    }
    if (bar === DmaBar.Ports) {
      if (isFifo(offset, DmaPortRegister.FifoData)) return this.fifoRead(width);
      if (offset >= DmaPortRegister.Status && offset < DmaPortRegister.Status + 4) return subRegister(this.statusValue(), offset % 4, width);
      return 0;
    }
    if (bar === DmaBar.MemoryWindow) {
      let v = 0;
      for (let i = width - 1; i >= 0; i--) v = v * 256 + this.memoryWindow[offset + i]!;
      return v;
    }
    throw new RangeError(`${this.name} has no BAR${bar}`);
  }

  writeRegister(bar: number, offset: number, width: AccessWidth, value: number): void {
    if (this.isRemoved && detectionEnabled('REMOVED-DEVICE-IGNORES-WRITES')) return; // the write goes nowhere: nobody is there
    if (bar === DmaBar.Registers) {
      if (isFifo(offset, DmaRegister.FifoData)) return this.fifoWrite(width, value);
      const reg = offset - (offset % 4);
      // A narrower write merges into the register's current value, as a byte-enable would.
      const merged = width === 4 ? value : mergeBytes(this.readbackValue(reg), offset % 4, width, value);
      this.writeRegister32(reg, merged);
      return;
    }
    if (bar === DmaBar.Ports) {
      if (isFifo(offset, DmaPortRegister.FifoData)) this.fifoWrite(width, value);
      return; // the other ports are read-only
    }
    if (bar === DmaBar.MemoryWindow) {
      for (let i = 0; i < width; i++) this.memoryWindow[offset + i] = Math.floor(value / 2 ** (8 * i)) & 0xff;
      return;
    }
    throw new RangeError(`${this.name} has no BAR${bar}`);
  }

  /** Peer-to-peer into the memory window moves bytes in bulk; into the registers, byte by byte. */
  readMemory(bar: number, offset: number, length: number): Uint8Array {
    if (this.isRemoved) return new Uint8Array(length).fill(0xff);
    if (bar === DmaBar.MemoryWindow) return this.memoryWindow.slice(offset, offset + length);
    const out = new Uint8Array(length);
    for (let i = 0; i < length; i++) out[i] = this.readRegister(bar, offset + i, 1);
    return out;
  }

  writeMemory(bar: number, offset: number, bytes: Uint8Array): void {
    if (this.isRemoved) return;
    if (bar === DmaBar.MemoryWindow) {
      this.memoryWindow.set(bytes, offset);
      return;
    }
    for (let i = 0; i < bytes.length; i++) this.writeRegister(bar, offset + i, 1, bytes[i]!);
  }

  configWritten(): void {
    this.updateInterrupt();
  }

  // --- registers ------------------------------------------------------------------------

  private registerValue(reg: number): number {
    switch (reg) {
      case DmaRegister.Id: return DMA_DEVICE_ID_VALUE;
      case DmaRegister.Capabilities: return (this.addressBits === 64 ? DmaCapability.Addressing64Bit : 0) | DmaCapability.DescriptorRing;
      case DmaRegister.Status: return this.statusValue();
      case DmaRegister.InterruptStatus: return this.interruptStatus;
      case DmaRegister.RingProgress: return this.ringProgress;
      case DmaRegister.MaxTransferLength: return this.maxTransferLength;
      case DmaRegister.BytesTransferred: return this.bytesTransferred % TWO_32;
      case DmaRegister.ErrorAddressLow: return this.errorAddress % TWO_32;
      case DmaRegister.ErrorAddressHigh: return Math.floor(this.errorAddress / TWO_32) % TWO_32;
      default: return this.readbackValue(reg);
    }
  }

  /** What a register holds as far as a partial write is concerned (0 for command and read-only registers). */
  private readbackValue(reg: number): number {
    switch (reg) {
      case DmaRegister.Control: return this.control;
      case DmaRegister.InterruptMask: return this.interruptMask;
      case DmaRegister.RingBaseLow: return this.ringBase % TWO_32;
      case DmaRegister.RingBaseHigh: return Math.floor(this.ringBase / TWO_32);
      case DmaRegister.RingCount: return this.ringCount;
      case DmaRegister.BufferAddressLow: return this.bufferAddress % TWO_32;
      case DmaRegister.BufferAddressHigh: return Math.floor(this.bufferAddress / TWO_32);
      case DmaRegister.BufferLength: return this.bufferLength;
      case DmaRegister.StreamOffsetLow: return this.streamOffset % TWO_32;
      case DmaRegister.StreamOffsetHigh: return Math.floor(this.streamOffset / TWO_32);
      default: return 0;
    }
  }

  private writeRegister32(reg: number, value: number): void {
    switch (reg) {
      case DmaRegister.Control: return this.writeControl(value);
      case DmaRegister.InterruptMask:
        this.interruptMask = value & INTERRUPT_SOURCES;
        return this.updateInterrupt();
      case DmaRegister.InterruptAck:
        this.interruptStatus &= ~value & INTERRUPT_SOURCES;
        return this.updateInterrupt();
      case DmaRegister.RingBaseLow:
        this.ringBase = this.highPart(this.ringBase) + value;
        return;
      case DmaRegister.RingBaseHigh:
        this.ringBase = this.withHigh(this.ringBase, value);
        return;
      case DmaRegister.RingCount:
        this.ringCount = value;
        return;
      case DmaRegister.BufferAddressLow:
        this.bufferAddress = this.highPart(this.bufferAddress) + value;
        return;
      case DmaRegister.BufferAddressHigh:
        this.bufferAddress = this.withHigh(this.bufferAddress, value);
        return;
      case DmaRegister.BufferLength:
        this.bufferLength = value;
        return;
      case DmaRegister.StreamOffsetLow:
        this.streamOffset = Math.floor(this.streamOffset / TWO_32) * TWO_32 + value;
        return;
      case DmaRegister.StreamOffsetHigh:
        // The stream offset is kept below 2^53 so it stays exact.
        this.streamOffset = (value % 2 ** 21) * TWO_32 + (this.streamOffset % TWO_32);
        return;
      default:
        return; // read-only or unused: ignored, as on hardware
    }
  }

  private highPart(address: number): number {
    return Math.floor(address / TWO_32) * TWO_32;
  }

  /** A 32-bit device has no high address bits: the write is dropped and the register reads 0. */
  private withHigh(address: number, high: number): number {
    if (this.addressBits === 32) return address % TWO_32;
    return high * TWO_32 + (address % TWO_32);
  }

  private statusValue(): number {
    return STATE_CODE[this.state] | (this.commandRejected ? DmaStatusBit.CommandRejected : 0) | (this.error << DmaStatusBit.ErrorCodeShift);
  }

  private writeControl(value: number): void {
    if (value & DmaControl.Reset) {
      this.reset();
      return;
    }
    if (value & DmaControl.Abort) this.abort();
    this.control = value & (DmaControl.InterruptEnable | DmaControl.ModeDescriptorRing | DmaControl.DirectionHostToDevice);
    this.updateInterrupt();
    if (value & DmaControl.Start) this.start();
  }

  private reset(): void {
    this.cancelPending();
    this.run = null;
    this.hung = false;
    this.hangArmed = false;
    this.armed = null;
    this.control = 0;
    this.state = 'idle';
    this.error = DmaError.None;
    this.commandRejected = false;
    this.interruptStatus = 0;
    this.interruptMask = 0;
    this.ringBase = 0;
    this.ringCount = 0;
    this.ringProgress = 0;
    this.bufferAddress = 0;
    this.bufferLength = 0;
    this.streamOffset = 0;
    this.bytesTransferred = 0;
    this.errorAddress = 0;
    this.updateInterrupt();
  }

  // --- the transfer engine --------------------------------------------------------------

  private start(): void {
    if (this.state === 'busy') {
      this.commandRejected = true;
      return;
    }
    this.commandRejected = false;
    this.error = DmaError.None;
    this.errorAddress = 0;
    this.bytesTransferred = 0;
    this.ringProgress = 0;
    this.state = 'busy';
    const ring = (this.control & DmaControl.ModeDescriptorRing) !== 0;
    const run: Run = {
      ring,
      toDevice: (this.control & DmaControl.DirectionHostToDevice) !== 0,
      ringBase: this.ringBase,
      ringCount: this.ringCount,
      index: 0,
      segment: null,
      streamStart: this.streamOffset,
    };
    this.run = run;
    if (ring && (run.ringCount === 0 || run.ringCount > MAX_RING_DESCRIPTORS)) return this.fail(DmaError.BadLength, 0);
    if (!ring && (this.bufferLength === 0 || this.bufferLength > this.maxTransferLength)) return this.fail(DmaError.BadLength, this.bufferAddress);
    if (this.hangArmed) {
      this.hangArmed = false;
      this.hung = true;
      return; // busy forever
    }
    if (ring) this.scheduleFetch();
    else this.beginSegment(this.bufferAddress, this.bufferLength, 0, null);
  }

  private abort(): void {
    if (!this.run) return; // nothing running: Abort has no effect
    const address = this.run.segment ? this.run.segment.address + this.run.segment.done : 0;
    this.fail(this.hung ? DmaError.Hang : DmaError.Aborted, address);
  }

  /** The engine stops making progress but still says busy. */
  private stall(): void {
    this.cancelPending();
    this.hung = true;
  }

  private scheduleFetch(): void {
    this.after(COST.descriptorFetch.ns, this.labels.fetch, this.fetchStep);
  }

  private fetchDescriptor(): void {
    const run = this.run!;
    const at = this.deviceAddress(run.ringBase + run.index * DESCRIPTOR_SIZE);
    const r = this.bus().dmaRead(at, DESCRIPTOR_SIZE, this.descriptorBytes);
    if (r.status !== 'ok') return this.fail(DmaError.DescriptorFault, r.faultAddress ?? at);
    if (this.armed?.point.at === 'descriptor' && run.index >= this.armed.point.index) return this.strikeArmed(at, 0);
    const v = this.descriptorView;
    const address = v.getUint32(0, true) + v.getUint32(4, true) * TWO_32;
    const length = v.getUint32(8, true);
    const flags = v.getUint32(12, true);
    if (length === 0 || length > this.maxTransferLength) return this.fail(DmaError.BadLength, at);
    this.beginSegment(address, length, flags, at);
  }

  private beginSegment(address: number, length: number, flags: number, descriptorAddress: number | null): void {
    // The engine moves one segment at a time: one object, refilled for each descriptor.
    const seg = this.segmentSlot;
    seg.address = address;
    seg.length = length;
    seg.flags = flags;
    seg.descriptorAddress = descriptorAddress;
    seg.dataStartNs = this.clock.now;
    seg.done = 0;
    this.run!.segment = seg;
    this.scheduleBurst();
  }

  /** Data moves in bursts that end on 4 KiB boundaries; each lands when the link has carried it. */
  private scheduleBurst(): void {
    const seg = this.run!.segment!;
    const at = this.deviceAddress(seg.address + seg.done);
    const n = Math.min(seg.length - seg.done, BURST_BOUNDARY - offsetWithin(at, BURST_BOUNDARY));
    const landsAt = seg.dataStartNs + this.bus().linkTransferNs(seg.done + n);
    seg.burstAt = at;
    seg.burstBytes = n;
    this.after(Math.max(0, landsAt - this.clock.now), this.labels.burst, this.burstStep);
  }

  /** The burst scheduleBurst set up lands. */
  private burst(): void {
    const run = this.run!;
    const seg = run.segment!;
    const at = seg.burstAt;
    const n = seg.burstBytes;
    const allowed = this.bytesBeforeArmedFault(n);
    if (allowed < n) {
      // The fault strikes inside this burst: what comes before it still moves.
      if (allowed > 0 && !this.moveBurst(at, allowed)) return;
      return this.strikeArmed(at + allowed, n - allowed);
    }
    if (!this.moveBurst(at, n)) return;
    if (seg.done < seg.length) return this.scheduleBurst();
    this.segmentDone();
  }

  /** How many of the next `n` bytes move before an armed fault strikes (n or more: it does not strike in them). */
  private bytesBeforeArmedFault(n: number): number {
    const point = this.armed?.point;
    if (point?.at === 'after-bytes') return Math.max(0, this.armed!.movedBefore + point.bytes - this.totalDmaBytes);
    if (point?.at === 'mid-burst') return n > 1 ? Math.floor(n / 2) : 0;
    return n;
  }

  /** The armed fault reaches its point, at bus address `at`, with `left` bytes of the burst not moved. */
  private strikeArmed(at: number, left: number): void {
    const { fault } = this.armed!;
    this.armed = null;
    if (fault === 'master-abort') {
      this.bus().signalMasterAbort(at, Math.max(left, 1), !this.run!.toDevice);
      return this.fail(DmaError.MasterAbort, at);
    }
    this.strike(fault);
  }

  /** Move `n` bytes at `at` in the transfer's direction; false when the bus refused them (the transfer has failed). */
  private moveBurst(at: number, n: number): boolean {
    const run = this.run!;
    const seg = run.segment!;
    let result: DmaResult;
    if (run.toDevice) {
      const r = this.bus().dmaRead(at, n);
      this.checker.check(this.streamOffset, r.data.subarray(0, r.bytesTransferred));
      result = r;
    } else {
      result = this.bus().dmaWritePattern(at, n, this.pattern, this.streamOffset);
    }
    this.streamOffset += result.bytesTransferred;
    this.bytesTransferred += result.bytesTransferred;
    this.totalDmaBytes += result.bytesTransferred;
    seg.done += result.bytesTransferred;
    if (result.status !== 'ok') {
      this.fail(result.status === 'iommu-fault' ? DmaError.IommuFault : DmaError.MasterAbort, result.faultAddress ?? at);
      return false;
    }
    return true;
  }

  private segmentDone(): void {
    const run = this.run!;
    const seg = run.segment!;
    run.segment = null;
    if (!run.ring) return this.complete();
    const flagsAt = seg.descriptorAddress! + 12;
    this.descriptorView.setUint32(12, (seg.flags | DescriptorFlag.Completed) >>> 0, true);
    const r = this.bus().dmaWrite(this.deviceAddress(flagsAt), this.descriptorFlagBytes);
    if (r.status !== 'ok') return this.fail(DmaError.DescriptorFault, r.faultAddress ?? flagsAt);
    this.ringProgress++;
    if (seg.flags & DescriptorFlag.InterruptOnCompletion) this.raise(DmaInterrupt.DescriptorComplete);
    if (seg.flags & DescriptorFlag.Last || run.index + 1 >= run.ringCount) return this.complete();
    run.index++;
    this.scheduleFetch();
  }

  private complete(): void {
    this.logEnd(DmaError.None, 0);
    this.run = null;
    this.state = 'done';
    this.transfersCompleted++;
    this.raise(DmaInterrupt.Done);
  }

  private fail(code: DmaErrorCode, address: number): void {
    this.logEnd(code, address);
    this.cancelPending();
    this.run = null;
    this.hung = false;
    this.state = 'error';
    this.error = code;
    this.errorAddress = address;
    this.raise(DmaInterrupt.Error);
  }

  private logEnd(code: DmaErrorCode, address: number): void {
    const run = this.run;
    if (!run) return;
    this.transferLog.add({
      toDevice: run.toDevice, ring: run.ring, streamStart: run.streamStart, streamEnd: this.streamOffset,
      errorCode: code, errorName: dmaErrorName(code), errorAddress: address,
      descriptor: run.ring && code !== DmaError.None ? run.index : null, endedNs: this.clock.now,
    });
  }

  private raise(bits: number): void {
    this.interruptStatus |= bits;
    this.updateInterrupt();
  }

  private updateInterrupt(): void {
    if (!this.connection || this.isRemoved) return;
    const pending = (this.control & DmaControl.InterruptEnable) !== 0 && (this.interruptStatus & ~this.interruptMask & INTERRUPT_SOURCES) !== 0;
    this.config.setInterruptStatus(pending);
    this.connection.interrupt.setLevel(pending && !this.config.interruptDisabled);
  }

  private cancelPending(): void {
    if (this.pendingEvent !== null) this.clock.cancel(this.pendingEvent);
    this.pendingEvent = null;
    this.followUp = null;
  }

  /**
   * The engine's next step, `delayNs` from now, in the clock's event order.
   * Asked for by a step of the engine, it waits until that step returns and
   * then runs in place of its event when the clock would run that event next
   * anyway (Clock.runInPlace): a transfer of many pages with nothing else
   * happening meanwhile is one clock event, at the same simulated times.
   */
  private after(delayNs: number, label: string, step: () => void): void {
    const reserved = this.clock.reserve(delayNs, label);
    if (this.followUp) this.queueFollowUp(); // a second follow-up: the first becomes the event it would have been
    // One follow-up object, refilled: a transfer asks for three steps per page.
    const f = this.followUpSlot;
    f.reserved = reserved;
    f.label = label;
    f.step = step;
    this.followUp = f;
    if (!this.inStep) this.queueFollowUp();
  }

  private queueFollowUp(): void {
    const { reserved, label, step } = this.followUp!;
    this.followUp = null;
    this.pendingEvent = this.clock.scheduleReserved(reserved, label, () => this.runSteps(step));
  }

  private runSteps(first: () => void): void {
    this.pendingEvent = null;
    this.inStep = true;
    try {
      first();
      while (this.followUp && this.clock.runInPlace(this.followUp.reserved)) {
        const { step } = this.followUp;
        this.followUp = null;
        step();
      }
    } finally {
      this.inStep = false;
      if (this.followUp) this.queueFollowUp();
    }
  }

  /** What the device actually drives on the bus: a 32-bit device drops address bits 32 and up. */
  private deviceAddress(address: number): number {
    return this.addressBits === 32 ? address % TWO_32 : address;
  }

  // --- programmed I/O through the FIFO data port -----------------------------------------

  private fifoRead(width: AccessWidth): number {
    const bytes = this.pattern.expected(this.streamOffset, width);
    this.streamOffset += width;
    this.totalFifoBytes += width;
    let v = 0;
    for (let i = width - 1; i >= 0; i--) v = v * 256 + bytes[i]!;
    return v;
  }

  private fifoWrite(width: AccessWidth, value: number): void {
    const bytes = new Uint8Array(width);
    for (let i = 0; i < width; i++) bytes[i] = Math.floor(value / 2 ** (8 * i)) & 0xff;
    this.checker.check(this.streamOffset, bytes);
    this.streamOffset += width;
    this.totalFifoBytes += width;
  }

  private bus(): BusConnection {
    if (!this.connection) throw new Error(`${this.name} is not attached to a PCI bus`);
    return this.connection;
  }

  private barBase(bar: number): number {
    const base = this.config.barAddress(bar);
    if (base === null) throw new Error(`${this.name} BAR${bar} is not assigned; attach the device to the bus first`);
    return base;
  }
}

function isFifo(offset: number, fifoOffset: number): boolean {
  return offset >= fifoOffset && offset < fifoOffset + 4;
}

function subRegister(value: number, byteOffset: number, width: AccessWidth): number {
  return Math.floor(value / 2 ** (8 * byteOffset)) % 2 ** (8 * width);
}

function mergeBytes(current: number, byteOffset: number, width: AccessWidth, value: number): number {
  let out = current;
  for (let i = 0; i < width; i++) {
    const shift = 2 ** (8 * (byteOffset + i));
    const oldByte = Math.floor(out / shift) & 0xff;
    const newByte = Math.floor(value / 2 ** (8 * i)) & 0xff;
    out += (newByte - oldByte) * shift;
  }
  return out;
}
