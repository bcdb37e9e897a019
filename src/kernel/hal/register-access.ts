/**
 * Programmed I/O: the HAL's register and port routines, under their Windows
 * names, taking the bus and a register's physical address (or a port number)
 * where Windows takes a mapped pointer.
 *
 * Semantics follow the x64 implementations in wdm.h:
 * - READ_/WRITE_REGISTER_BUFFER_* are string moves (`movs`): both the device
 *   address and the buffer address increment (a memory-block transfer). Aimed
 *   at a FIFO register they walk off it into the next registers.
 * - READ_/WRITE_PORT_BUFFER_* are `rep ins`/`rep outs`: every element goes to
 *   the same port (a FIFO transfer); only the buffer address increments.
 * `transferBlock` offers both behaviours for memory and ports (WinDriver's
 * auto-increment flag, seed 002).
 *
 * Every device access is naturally aligned on the bus. An access whose device
 * address is not aligned to its width is split into the largest aligned
 * pieces (e.g. a ULONG at an odd address becomes byte, word, byte), and each
 * piece is a separate bus access (seed 002: misaligned string transfers are
 * split into smaller portions).
 *
 * Cost: the bus charges each access (MMIO read, posted MMIO write, port
 * access). On top, a single-access routine charges one call overhead; a block
 * routine charges one call overhead plus a per-element cost for every bus
 * access it makes (seed 002: block transfers beat single calls).
 */
import { COST } from '../../machine/cost-model';
import { AccessWidth } from '../../pci/pci-function';
import { PciBus } from '../../pci/bus';

const ACCOUNT = 'hal:register-access';

export type RegisterSpace = 'memory' | 'port';

export interface BlockTransfer {
  readonly space: RegisterSpace;
  /** Physical address of the first device register, or the first port. */
  readonly address: number;
  readonly elementWidth: AccessWidth;
  readonly count: number;
  /** 'read': device to buffer; 'write': buffer to device. */
  readonly direction: 'read' | 'write';
  /** Elements packed little-endian; at least count * elementWidth bytes. */
  readonly buffer: Uint8Array;
  /** true: memory-block (device address increments); false: FIFO (the same device address every element). */
  readonly autoIncrement: boolean;
}

/** Run a block transfer; returns the number of bus accesses it took. */
export function transferBlock(bus: PciBus, t: BlockTransfer): number {
  if (!Number.isSafeInteger(t.count) || t.count < 0) throw new RangeError(`block transfer count must be a non-negative whole number, got ${t.count}`);
  if (t.buffer.length < t.count * t.elementWidth) {
    throw new RangeError(`block transfer of ${t.count} elements of ${t.elementWidth} bytes needs a ${t.count * t.elementWidth}-byte buffer, got ${t.buffer.length}`);
  }
  charge(bus, COST.singleAccessCallOverhead.ns);
  let accesses = 0;
  const perAccess = () => {
    accesses++;
    charge(bus, COST.blockTransferPerElement.ns);
  };
  if (t.autoIncrement) {
    moveSplit(bus, t.space, t.direction, t.address, t.buffer, 0, t.count * t.elementWidth, t.elementWidth, perAccess);
  } else {
    for (let e = 0; e < t.count; e++) moveSplit(bus, t.space, t.direction, t.address, t.buffer, e * t.elementWidth, t.elementWidth, t.elementWidth, perAccess);
  }
  return accesses;
}

// --- single accesses -----------------------------------------------------------------

export function READ_REGISTER_UCHAR(bus: PciBus, register: number): number {
  return single(bus, 'memory', register, 1);
}
export function READ_REGISTER_USHORT(bus: PciBus, register: number): number {
  return single(bus, 'memory', register, 2);
}
export function READ_REGISTER_ULONG(bus: PciBus, register: number): number {
  return single(bus, 'memory', register, 4);
}
export function WRITE_REGISTER_UCHAR(bus: PciBus, register: number, value: number): void {
  single(bus, 'memory', register, 1, value);
}
export function WRITE_REGISTER_USHORT(bus: PciBus, register: number, value: number): void {
  single(bus, 'memory', register, 2, value);
}
export function WRITE_REGISTER_ULONG(bus: PciBus, register: number, value: number): void {
  single(bus, 'memory', register, 4, value);
}
export function READ_PORT_UCHAR(bus: PciBus, port: number): number {
  return single(bus, 'port', port, 1);
}
export function READ_PORT_USHORT(bus: PciBus, port: number): number {
  return single(bus, 'port', port, 2);
}
export function READ_PORT_ULONG(bus: PciBus, port: number): number {
  return single(bus, 'port', port, 4);
}
export function WRITE_PORT_UCHAR(bus: PciBus, port: number, value: number): void {
  single(bus, 'port', port, 1, value);
}
export function WRITE_PORT_USHORT(bus: PciBus, port: number, value: number): void {
  single(bus, 'port', port, 2, value);
}
export function WRITE_PORT_ULONG(bus: PciBus, port: number, value: number): void {
  single(bus, 'port', port, 4, value);
}

// --- block (string) transfers ----------------------------------------------------------

/** Memory-block: `count` ULONGs from consecutive device addresses starting at `register`. */
export function READ_REGISTER_BUFFER_ULONG(bus: PciBus, register: number, buffer: Uint32Array, count: number): void {
  const bytes = new Uint8Array(count * 4);
  checkCount(buffer, count);
  transferBlock(bus, { space: 'memory', address: register, elementWidth: 4, count, direction: 'read', buffer: bytes, autoIncrement: true });
  unpackUlongs(bytes, buffer, count);
}

/** Memory-block: `count` ULONGs to consecutive device addresses starting at `register`. */
export function WRITE_REGISTER_BUFFER_ULONG(bus: PciBus, register: number, buffer: Uint32Array, count: number): void {
  checkCount(buffer, count);
  transferBlock(bus, { space: 'memory', address: register, elementWidth: 4, count, direction: 'write', buffer: packUlongs(buffer, count), autoIncrement: true });
}

/** FIFO: `count` ULONGs, all read from the same port. */
export function READ_PORT_BUFFER_ULONG(bus: PciBus, port: number, buffer: Uint32Array, count: number): void {
  const bytes = new Uint8Array(count * 4);
  checkCount(buffer, count);
  transferBlock(bus, { space: 'port', address: port, elementWidth: 4, count, direction: 'read', buffer: bytes, autoIncrement: false });
  unpackUlongs(bytes, buffer, count);
}

/** FIFO: `count` ULONGs, all written to the same port. */
export function WRITE_PORT_BUFFER_ULONG(bus: PciBus, port: number, buffer: Uint32Array, count: number): void {
  checkCount(buffer, count);
  transferBlock(bus, { space: 'port', address: port, elementWidth: 4, count, direction: 'write', buffer: packUlongs(buffer, count), autoIncrement: false });
}

// --- internals -----------------------------------------------------------------------------

function single(bus: PciBus, space: RegisterSpace, address: number, width: AccessWidth, value?: number): number {
  const write = value !== undefined;
  if (write && (!Number.isInteger(value) || value < 0 || value >= 2 ** (8 * width))) {
    throw new RangeError(`value ${value} does not fit in ${width} byte(s)`);
  }
  charge(bus, COST.singleAccessCallOverhead.ns);
  const buffer = new Uint8Array(width);
  if (write) for (let i = 0; i < width; i++) buffer[i] = Math.floor(value / 2 ** (8 * i)) & 0xff;
  moveSplit(bus, space, write ? 'write' : 'read', address, buffer, 0, width, width, () => {});
  let v = 0;
  for (let i = width - 1; i >= 0; i--) v = v * 256 + buffer[i]!;
  return write ? 0 : v;
}

/**
 * Move `length` bytes between the device at `address` and `buffer[from..]`,
 * as naturally aligned accesses no wider than `maxWidth`.
 */
function moveSplit(bus: PciBus, space: RegisterSpace, direction: 'read' | 'write', address: number, buffer: Uint8Array, from: number, length: number, maxWidth: AccessWidth, onAccess: () => void): void {
  let done = 0;
  while (done < length) {
    const at = address + done;
    const left = length - done;
    const w: AccessWidth = maxWidth >= 4 && at % 4 === 0 && left >= 4 ? 4 : maxWidth >= 2 && at % 2 === 0 && left >= 2 ? 2 : 1;
    if (direction === 'read') {
      const v = space === 'memory' ? bus.mmioRead(at, w) : bus.portRead(at, w);
      for (let i = 0; i < w; i++) buffer[from + done + i] = Math.floor(v / 2 ** (8 * i)) & 0xff;
    } else {
      let v = 0;
      for (let i = w - 1; i >= 0; i--) v = v * 256 + buffer[from + done + i]!;
      if (space === 'memory') bus.mmioWrite(at, w, v);
      else bus.portWrite(at, w, v);
    }
    onAccess();
    done += w;
  }
}

function charge(bus: PciBus, ns: number): void {
  bus.clock.charge(ns, ACCOUNT);
}

function checkCount(buffer: Uint32Array, count: number): void {
  if (!Number.isSafeInteger(count) || count < 0) throw new RangeError(`Count must be a non-negative whole number, got ${count}`);
  if (buffer.length < count) throw new RangeError(`Buffer holds ${buffer.length} ULONGs, Count asks for ${count}`);
}

function packUlongs(values: Uint32Array, count: number): Uint8Array {
  const bytes = new Uint8Array(count * 4);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < count; i++) view.setUint32(i * 4, values[i]!, true);
  return bytes;
}

function unpackUlongs(bytes: Uint8Array, into: Uint32Array, count: number): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  for (let i = 0; i < count; i++) into[i] = view.getUint32(i * 4, true);
}
