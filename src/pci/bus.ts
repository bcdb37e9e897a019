/**
 * The PCI bus: config space, the CPU's MMIO and port accesses routed to the
 * function whose BAR decodes them, and bus-master DMA from the functions to
 * memory.
 *
 * Device DMA takes the only path it has on hardware: the requester's
 * bus-master bit must be set; the bus address goes through the IOMMU when the
 * machine has one; the resulting physical address is a RAM frame, a peer's
 * memory BAR (peer-to-peer: the bytes never cross RAM), or nothing (master
 * abort). A request is handled in pieces that never cross a 4 KiB boundary,
 * as PCI Express requires of its requests, so each piece touches one frame
 * and the observer (the DMA verifier) sees every frame before it is touched.
 *
 * CPU accesses charge the cost table on the clock. DMA does not: it is the
 * device's time, which the device model spends in clock events using
 * `linkTransferNs`.
 */
import { BootConfig, FOUR_GIB } from '../machine/boot-config';
import { Clock } from '../machine/clock';
import { COST } from '../machine/cost-model';
import { Cpu } from '../machine/cpu';
import { PAGE_SIZE, offsetWithin } from '../contracts/units';
import { FrameFlag, PhysicalMemory } from '../kernel/mm/physical-memory';
import { PagePattern, streamBytes } from '../kernel/mm/pattern-pages';
import { Iommu, formatRequesterId } from '../kernel/hal/iommu';
import { BarDescription, PciCommand, allOnes } from './config-space';
import { DeviceRamAccess, DmaFaultKind, DmaObserver, noDmaObserver } from './dma-observer';
import { InterruptLine } from './interrupt-line';
import { AccessWidth, BusConnection, DmaReadResult, DmaResult, PciFunction } from './pci-function';

export interface PciBusDependencies {
  readonly config: BootConfig;
  readonly clock: Clock;
  readonly cpu: Cpu;
  readonly physical: PhysicalMemory;
  /** The machine's IOMMU, or null when device DMA is untranslated. */
  readonly iommu: Iommu | null;
  readonly observer?: DmaObserver;
}

/** One BAR as assigned at boot: what a driver finds in its resource list. */
export interface AssignedBar {
  readonly bar: number;
  readonly kind: 'memory' | 'io';
  readonly base: number;
  readonly size: number;
  readonly prefetchable: boolean;
  readonly is64Bit: boolean;
}

export interface AttachedFunction {
  readonly requesterId: number;
  readonly function: PciFunction;
  readonly bars: readonly AssignedBar[];
  readonly interrupt: InterruptLine;
}

/** A CPU access nothing decoded: reads returned all ones, writes went nowhere. */
export interface UnclaimedAccess {
  readonly space: 'memory' | 'port';
  readonly address: number;
  readonly width: AccessWidth;
  readonly write: boolean;
  readonly atNs: number;
}

export interface BusStatistics {
  mmioReads: number;
  mmioWrites: number;
  portReads: number;
  portWrites: number;
  dmaBytesFromRam: number;
  dmaBytesToRam: number;
  dmaBytesPeerToPeer: number;
  dmaFaults: number;
}

/** First port handed to I/O BARs; below it are the PC's legacy devices. */
const FIRST_ASSIGNED_PORT = 0x1000;
const PORT_SPACE = 0x10000;
/** Interrupt vectors handed to functions: above the legacy ISA IRQs, as on an I/O APIC. */
const FIRST_VECTOR = 16;
/** A PCI Express request never crosses a 4 KiB boundary. */
const REQUEST_BOUNDARY = 4096;

export class PciBus {
  readonly stats: BusStatistics = { mmioReads: 0, mmioWrites: 0, portReads: 0, portWrites: 0, dmaBytesFromRam: 0, dmaBytesToRam: 0, dmaBytesPeerToPeer: 0, dmaFaults: 0 };
  readonly unclaimedAccesses: UnclaimedAccess[] = [];
  /** The machine's clock; the HAL register routines charge their own cost on it. */
  readonly clock: Clock;
  private readonly cpu: Cpu;
  private readonly physical: PhysicalMemory;
  private readonly iommu: Iommu | null;
  private observer: DmaObserver;
  /** The access the observer is told of, refilled for each one (DeviceRamAccess says so). */
  private readonly ramAccess: { -readonly [K in keyof DeviceRamAccess]: DeviceRamAccess[K] } = { device: 0, deviceName: '', busAddress: 0, physicalAddress: 0, pfn: 0, length: 0, write: false, atNs: 0 };
  private readonly attached: AttachedFunction[] = [];
  private readonly byFunction = new Map<PciFunction, AttachedFunction>();
  private lastFunction: AttachedFunction | null = null;
  private readonly holeBase: number;
  private memoryRanges: Array<{ base: number; end: number }> = [];
  private portRanges: Array<{ base: number; end: number }> = [];

  constructor(deps: PciBusDependencies) {
    this.clock = deps.clock;
    this.cpu = deps.cpu;
    this.physical = deps.physical;
    this.iommu = deps.iommu;
    this.observer = deps.observer ?? noDmaObserver;
    this.holeBase = FOUR_GIB - deps.config.deviceHoleBytes;
  }

  /** The DMA verifier installs itself here. */
  setObserver(observer: DmaObserver): void {
    this.observer = observer;
  }

  get functions(): readonly AttachedFunction[] {
    return this.attached;
  }

  /**
   * Plug a function into the next slot and do what firmware does at boot:
   * place its BARs (memory in the device hole below 4 GiB, I/O in port space),
   * give it an interrupt vector and enable decoding. Bus mastering stays off
   * until a driver turns it on. Returns the function's requester ID.
   */
  attach(fn: PciFunction): number {
    if (this.byFunction.has(fn)) throw new Error(`PCI function ${fn.name} is already attached`);
    const slot = this.attached.length + 1;
    if (slot > 31) throw new Error('PCI bus 0 has no free slot left (31 devices attached)');
    const requesterId = slot << 3;
    const bars: AssignedBar[] = [];
    fn.config.bars.forEach((bar, index) => {
      if (!bar) return;
      const base = bar.kind === 'memory' ? this.placeMemoryBar(fn, index, bar) : this.placePortBar(fn, index, bar);
      fn.config.assignBar(index, base);
      bars.push({ bar: index, kind: bar.kind, base, size: bar.size, prefetchable: bar.prefetchable ?? false, is64Bit: bar.is64Bit ?? false });
    });
    const vector = FIRST_VECTOR + slot - 1;
    fn.config.setInterruptLine(vector);
    fn.config.setCommandBits(PciCommand.MemorySpace | PciCommand.IoSpace, true);
    const interrupt = new InterruptLine(this.clock, this.cpu, vector, fn.name);
    const entry: AttachedFunction = { requesterId, function: fn, bars, interrupt };
    this.attached.push(entry);
    this.byFunction.set(fn, entry);
    const connection: BusConnection = {
      requesterId,
      interrupt,
      dmaRead: (busAddress, length, into) => this.dmaRead(fn, busAddress, length, into),
      dmaWrite: (busAddress, bytes) => this.dmaWrite(fn, busAddress, bytes),
      dmaWritePattern: (busAddress, length, pattern, streamOffset) => this.dmaWritePattern(fn, busAddress, length, pattern, streamOffset),
      signalMasterAbort: (busAddress, length, write) => this.refuse(entry, 'injected-master-abort', busAddress, null, length, write),
      linkTransferNs: (bytes) => this.linkTransferNs(bytes),
    };
    fn.attach(connection);
    return requesterId;
  }

  /** The attachment record of a function (its BARs and interrupt line). */
  functionOf(fn: PciFunction): AttachedFunction {
    // Every device request asks, mostly for the function that asked last; functions are never detached.
    if (this.lastFunction?.function === fn) return this.lastFunction;
    const entry = this.byFunction.get(fn);
    if (!entry) throw new Error(`PCI function ${fn.name} is not attached to this bus`);
    this.lastFunction = entry;
    return entry;
  }

  byRequesterId(requesterId: number): AttachedFunction {
    const entry = this.attached.find((a) => a.requesterId === requesterId);
    if (!entry) throw new RangeError(`no PCI function at ${formatRequesterId(requesterId)}`);
    return entry;
  }

  // --- configuration space -----------------------------------------------------

  configRead(requesterId: number, offset: number, width: 1 | 2 | 4): number {
    return this.byRequesterId(requesterId).function.config.read(offset, width);
  }

  configWrite(requesterId: number, offset: number, width: 1 | 2 | 4, value: number): void {
    const fn = this.byRequesterId(requesterId).function;
    fn.config.write(offset, width, value);
    fn.configWritten?.();
  }

  // --- CPU accesses to device registers ------------------------------------------

  mmioRead(physicalAddress: number, width: AccessWidth): number {
    this.checkAccess('memory', physicalAddress, width);
    this.clock.charge(COST.mmioRead.ns, 'bus:mmio');
    this.stats.mmioReads++;
    const hit = this.decodeCpuAccess('memory', physicalAddress, width);
    if (!hit) return this.unclaimed('memory', physicalAddress, width, false);
    return hit.fn.readRegister(hit.bar, hit.offset, width);
  }

  mmioWrite(physicalAddress: number, width: AccessWidth, value: number): void {
    this.checkAccess('memory', physicalAddress, width);
    checkValue(value, width);
    this.clock.charge(COST.mmioWrite.ns, 'bus:mmio');
    this.stats.mmioWrites++;
    const hit = this.decodeCpuAccess('memory', physicalAddress, width);
    if (!hit) {
      this.unclaimed('memory', physicalAddress, width, true);
      return;
    }
    hit.fn.writeRegister(hit.bar, hit.offset, width, value);
  }

  portRead(port: number, width: AccessWidth): number {
    this.checkAccess('port', port, width);
    this.clock.charge(COST.ioPortAccess.ns, 'bus:port');
    this.stats.portReads++;
    const hit = this.decodeCpuAccess('port', port, width);
    if (!hit) return this.unclaimed('port', port, width, false);
    return hit.fn.readRegister(hit.bar, hit.offset, width);
  }

  portWrite(port: number, width: AccessWidth, value: number): void {
    this.checkAccess('port', port, width);
    checkValue(value, width);
    this.clock.charge(COST.ioPortAccess.ns, 'bus:port');
    this.stats.portWrites++;
    const hit = this.decodeCpuAccess('port', port, width);
    if (!hit) {
      this.unclaimed('port', port, width, true);
      return;
    }
    hit.fn.writeRegister(hit.bar, hit.offset, width, value);
  }

  // --- device DMA --------------------------------------------------------------------

  /** Simulated ns to move `bytes` across the link (whole ns, rounded up). */
  linkTransferNs(bytes: number): number {
    return Math.ceil(bytes / COST.linkBytesPerNs.ns);
  }

  /** The device reads host memory (host-to-device), into `into` when given (bytes not reached are zeroed). */
  dmaRead(fn: PciFunction, busAddress: number, length: number, into?: Uint8Array): DmaReadResult {
    if (into && into.length < length) throw new RangeError(`${fn.name}: a DMA read of ${length} bytes into ${into.length}`);
    const data = into ? into.fill(0, 0, length) : new Uint8Array(length);
    const result = this.dma(fn, busAddress, length, false, data);
    return { status: result.status, bytesTransferred: result.bytesTransferred, faultAddress: result.faultAddress, data };
  }

  /** The device writes host memory (device-to-host). */
  dmaWrite(fn: PciFunction, busAddress: number, bytes: Uint8Array): DmaResult {
    return this.dma(fn, busAddress, bytes.length, true, bytes);
  }

  /** The device writes `length` bytes of a pattern's stream into host memory, without the bytes being made for RAM. */
  dmaWritePattern(fn: PciFunction, busAddress: number, length: number, pattern: PagePattern, streamOffset: number): DmaResult {
    return this.dma(fn, busAddress, length, true, pattern, streamOffset);
  }

  /**
   * One device request. `buffer` is where a read lands or what a write
   * carries: bytes, or a pattern whose stream from `streamOffset` the
   * device writes (to RAM as the pattern, to a peer's BAR as bytes).
   */
  private dma(fn: PciFunction, busAddress: number, length: number, write: boolean, buffer: Uint8Array | PagePattern, streamOffset = 0): DmaResult {
    const entry = this.functionOf(fn);
    if (!Number.isSafeInteger(length) || length < 0) throw new RangeError(`${fn.name}: DMA length must be a whole number of bytes, got ${length}`);
    if (!Number.isInteger(busAddress) || busAddress < 0) throw new RangeError(`${fn.name}: DMA bus address must be a non-negative integer, got ${busAddress}`);
    if (!fn.config.busMasterEnabled) {
      return this.refuse(entry, 'bus-master-disabled', busAddress, null, length, write);
    }
    // Far beyond any simulated memory (and beyond exact arithmetic): nothing can decode it.
    if (!Number.isSafeInteger(busAddress + length)) return this.refuse(entry, 'no-target', busAddress, null, length, write);
    let done = 0;
    while (done < length) {
      const bus = busAddress + done;
      let n = Math.min(length - done, REQUEST_BOUNDARY - offsetWithin(bus, REQUEST_BOUNDARY));
      let pa = bus;
      if (this.iommu) {
        const translated = this.iommu.translate(entry.requesterId, bus, write);
        if (translated === null) return this.refuse(entry, 'iommu-blocked', bus, null, n, write, done);
        pa = translated;
      }
      const pfn = Math.floor(pa / PAGE_SIZE);
      if (this.physical.isRam(pfn)) {
        const access = this.ramAccess;
        access.device = entry.requesterId;
        access.deviceName = fn.name;
        access.busAddress = bus;
        access.physicalAddress = pa;
        access.pfn = pfn;
        access.length = n;
        access.write = write;
        access.atNs = this.clock.now;
        this.observer.onDeviceAccess(access);
        this.physical.flags[pfn]! |= FrameFlag.DmaTouched;
        if (!write) {
          this.physical.read(pa, n, buffer as Uint8Array, done);
          this.stats.dmaBytesFromRam += n;
        } else {
          // Modified only through the MDL that locked it, at unlock: a device write sets no dirty bit.
          if (buffer instanceof Uint8Array) this.physical.write(pa, buffer, done, n, 'device');
          else this.physical.writePattern(pa, n, buffer, streamOffset + done, 'device');
          this.stats.dmaBytesToRam += n;
        }
      } else {
        const peer = this.decodeMemory(pa);
        if (!peer) return this.refuse(entry, 'no-target', bus, pa, n, write, done);
        // A request running past the end of the peer's BAR continues at whatever decodes next.
        n = Math.min(n, peer.remaining);
        this.observer.onPeerAccess({
          device: entry.requesterId, deviceName: fn.name, busAddress: bus, physicalAddress: pa,
          peer: this.functionOf(peer.fn).requesterId, peerName: peer.fn.name, bar: peer.bar, barOffset: peer.offset,
          length: n, write, atNs: this.clock.now,
        });
        if (!write) (buffer as Uint8Array).set(readPeer(peer.fn, peer.bar, peer.offset, n), done);
        else if (buffer instanceof Uint8Array) writePeer(peer.fn, peer.bar, peer.offset, buffer.subarray(done, done + n));
        else writePeer(peer.fn, peer.bar, peer.offset, streamBytes(buffer, streamOffset + done, n));
        this.stats.dmaBytesPeerToPeer += n;
      }
      done += n;
    }
    return { status: 'ok', bytesTransferred: length, faultAddress: null };
  }

  private refuse(entry: AttachedFunction, kind: DmaFaultKind, busAddress: number, physicalAddress: number | null, length: number, write: boolean, done = 0): DmaResult {
    this.stats.dmaFaults++;
    // A refused request completes with an error the requester records as a master abort.
    entry.function.config.recordMasterAbort();
    this.observer.onDmaFault({ kind, device: entry.requesterId, deviceName: entry.function.name, busAddress, physicalAddress, length, write, atNs: this.clock.now });
    return { status: kind === 'iommu-blocked' ? 'iommu-fault' : 'master-abort', bytesTransferred: done, faultAddress: busAddress };
  }

  // --- decoding -----------------------------------------------------------------------

  /** The memory BAR that decodes `address`, with the bytes left in it from there. */
  private decodeMemory(address: number): BarHit | null {
    for (const a of this.attached) {
      if (!a.function.config.memorySpaceEnabled) continue;
      const hit = findBar(a, 'memory', address);
      if (hit) return hit;
    }
    return null;
  }

  private decodePort(port: number): BarHit | null {
    for (const a of this.attached) {
      if (!a.function.config.ioSpaceEnabled) continue;
      const hit = findBar(a, 'io', port);
      if (hit) return hit;
    }
    return null;
  }

  /** A CPU access must fall inside one BAR. */
  private decodeCpuAccess(space: 'memory' | 'port', address: number, width: number): BarHit | null {
    const hit = space === 'memory' ? this.decodeMemory(address) : this.decodePort(address);
    if (hit && hit.remaining < width) {
      throw new RangeError(`${space} access of ${width} bytes at 0x${address.toString(16)} runs past the end of ${hit.fn.name} BAR${hit.bar}`);
    }
    return hit;
  }

  private unclaimed(space: 'memory' | 'port', address: number, width: AccessWidth, write: boolean): number {
    this.unclaimedAccesses.push({ space, address, width, write, atNs: this.clock.now });
    return allOnes(width);
  }

  private checkAccess(space: 'memory' | 'port', address: number, width: number): void {
    if (width !== 1 && width !== 2 && width !== 4) throw new RangeError(`${space} access width must be 1, 2 or 4 bytes, got ${width}`);
    if (!Number.isSafeInteger(address) || address < 0) throw new RangeError(`${space} access at invalid address ${address}`);
    if (address % width !== 0) {
      throw new RangeError(`${space} access of ${width} bytes at 0x${address.toString(16)} is not naturally aligned; split it (the HAL register routines do)`);
    }
    if (space === 'port') {
      if (address + width > PORT_SPACE) throw new RangeError(`port 0x${address.toString(16)} is outside the 64 KiB port space`);
    } else if (this.physical.isRam(Math.floor(address / PAGE_SIZE))) {
      throw new RangeError(`MMIO access at 0x${address.toString(16)} hits RAM, not a device register`);
    }
  }

  // --- boot-time resource assignment ------------------------------------------------------

  private placeMemoryBar(fn: PciFunction, index: number, bar: BarDescription): number {
    const base = firstFit(this.memoryRanges, this.holeBase, FOUR_GIB, bar.size);
    if (base < 0) {
      throw new Error(`cannot place ${fn.name} BAR${index} (${bar.size} bytes): the device hole [0x${this.holeBase.toString(16)}, 4 GiB) has no aligned free range left`);
    }
    this.memoryRanges = insertRange(this.memoryRanges, base, bar.size);
    return base;
  }

  private placePortBar(fn: PciFunction, index: number, bar: BarDescription): number {
    const base = firstFit(this.portRanges, FIRST_ASSIGNED_PORT, PORT_SPACE, bar.size);
    if (base < 0) throw new Error(`cannot place ${fn.name} BAR${index} (${bar.size} ports): port space is full`);
    this.portRanges = insertRange(this.portRanges, base, bar.size);
    return base;
  }
}

/** `length` bytes of a pattern's stream from `streamOffset`. */

interface BarHit {
  readonly fn: PciFunction;
  readonly bar: number;
  readonly offset: number;
  /** Bytes of the BAR from `offset` to its end. */
  readonly remaining: number;
}

function findBar(a: AttachedFunction, kind: 'memory' | 'io', address: number): BarHit | null {
  for (const bar of a.bars) {
    if (bar.kind !== kind) continue;
    const base = a.function.config.barAddress(bar.bar);
    if (base === null || address < base || address >= base + bar.size) continue;
    return { fn: a.function, bar: bar.bar, offset: address - base, remaining: base + bar.size - address };
  }
  return null;
}

/** Lowest base in [low, high) aligned to `size` that overlaps no taken range; -1 if none. */
function firstFit(taken: ReadonlyArray<{ base: number; end: number }>, low: number, high: number, size: number): number {
  let candidate = Math.ceil(low / size) * size;
  for (const r of taken) {
    if (candidate + size <= r.base) break;
    if (candidate < r.end) candidate = Math.ceil(r.end / size) * size;
  }
  return candidate + size <= high ? candidate : -1;
}

function insertRange(ranges: ReadonlyArray<{ base: number; end: number }>, base: number, size: number): Array<{ base: number; end: number }> {
  return [...ranges, { base, end: base + size }].sort((a, b) => a.base - b.base);
}

function checkValue(value: number, width: AccessWidth): void {
  if (!Number.isInteger(value) || value < 0 || value >= 2 ** (8 * width)) throw new RangeError(`value ${value} does not fit in ${width} byte(s)`);
}

function writePeer(fn: PciFunction, bar: number, offset: number, bytes: Uint8Array): void {
  if (fn.writeMemory) {
    fn.writeMemory(bar, offset, bytes);
    return;
  }
  for (let i = 0; i < bytes.length; i++) fn.writeRegister(bar, offset + i, 1, bytes[i]!);
}

function readPeer(fn: PciFunction, bar: number, offset: number, length: number): Uint8Array {
  if (fn.readMemory) return fn.readMemory(bar, offset, length);
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = fn.readRegister(bar, offset + i, 1);
  return out;
}
