/**
 * DEV-4: programmed I/O to the DMA test device measured in simulated time.
 * The same bytes read from the device's FIFO data port through its
 * memory-mapped register (BAR0) or through its I/O port (BAR1), one access
 * per ULONG or in one block transfer; and a block write into the device's
 * memory window at an offset that is not ULONG-aligned, counted in bus
 * accesses.
 */
import { Machine } from '../machine/machine';
import { READ_PORT_ULONG, READ_REGISTER_ULONG, WRITE_REGISTER_ULONG, transferBlock } from '../kernel/hal/register-access';
import { DmaPortRegister, DmaRegister } from '../contracts/dma-test-device-registers';

export const FIFO_READ_METHODS = [
  'single reads through the memory-mapped register',
  'single reads through the I/O port',
  'one block read through the memory-mapped register',
  'one block read through the I/O port',
] as const;
export type FifoReadMethod = (typeof FIFO_READ_METHODS)[number];

export function fifoReadMethodNamed(name: string): FifoReadMethod {
  const m = FIFO_READ_METHODS.find((x) => x === name);
  if (!m) throw new RangeError(`unknown way of reading the FIFO "${name}": the ways are ${FIFO_READ_METHODS.map((x) => `"${x}"`).join(', ')}`);
  return m;
}

export interface FifoReadMeasurement {
  readonly method: FifoReadMethod;
  readonly elapsedNs: number;
  readonly busAccesses: number;
  /** The bytes read are the device's stream, in order. */
  readonly dataIntact: boolean;
}

function busAccessCount(machine: Machine): number {
  const s = machine.bus.stats;
  return s.mmioReads + s.mmioWrites + s.portReads + s.portWrites;
}

/** Read `bytes` (whole ULONGs) of the device's stream from its FIFO by `method`. */
export function measureFifoRead(machine: Machine, method: FifoReadMethod, bytes: number): FifoReadMeasurement {
  if (!(Number.isSafeInteger(bytes) && bytes > 0 && bytes % 4 === 0)) throw new RangeError(`FIFO reads move whole ULONGs: ${bytes} bytes is not a positive multiple of 4`);
  const device = machine.dmaDevice;
  WRITE_REGISTER_ULONG(machine.bus, device.registerAddress(DmaRegister.StreamOffsetLow), 0);
  WRITE_REGISTER_ULONG(machine.bus, device.registerAddress(DmaRegister.StreamOffsetHigh), 0);
  const memory = method.endsWith('memory-mapped register');
  const address = memory ? device.registerAddress(DmaRegister.FifoData) : device.portAddress(DmaPortRegister.FifoData);
  const data = new Uint8Array(bytes);
  const accessesBefore = busAccessCount(machine);
  const start = machine.clock.now;
  if (method.startsWith('single')) {
    const view = new DataView(data.buffer);
    for (let i = 0; i < bytes; i += 4) view.setUint32(i, memory ? READ_REGISTER_ULONG(machine.bus, address) : READ_PORT_ULONG(machine.bus, address), true);
  } else {
    transferBlock(machine.bus, { space: memory ? 'memory' : 'port', address, elementWidth: 4, count: bytes / 4, direction: 'read', buffer: data, autoIncrement: false });
  }
  return {
    method,
    elapsedNs: machine.clock.now - start,
    busAccesses: busAccessCount(machine) - accessesBefore,
    dataIntact: device.pattern.firstMismatch(0, data) < 0,
  };
}

export interface MisalignedBlockWrite {
  readonly busAccesses: number;
  /** The window holds the bytes written, at the offset they were written to. */
  readonly landedInPlace: boolean;
}

/**
 * WRITE_REGISTER_BUFFER_ULONG of `count` ULONGs into the device's memory
 * window at byte `offset`: every access is naturally aligned on the bus, so a
 * misaligned start splits the transfer into smaller accesses.
 */
export function blockWriteIntoMemoryWindow(machine: Machine, offset: number, count: number): MisalignedBlockWrite {
  const device = machine.dmaDevice;
  if (!(Number.isSafeInteger(offset) && offset >= 0 && offset + count * 4 <= device.memoryWindow.length)) {
    throw new RangeError(`${count} ULONGs at offset 0x${offset.toString(16)} do not fit the device's ${device.memoryWindow.length}-byte memory window`);
  }
  const bytes = new Uint8Array(count * 4);
  for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 37 + offset + 1) & 0xff;
  const before = busAccessCount(machine);
  transferBlock(machine.bus, { space: 'memory', address: device.memoryWindowAddress + offset, elementWidth: 4, count, direction: 'write', buffer: bytes, autoIncrement: true });
  const landed = device.memoryWindow.subarray(offset, offset + bytes.length);
  return { busAccesses: busAccessCount(machine) - before, landedInPlace: landed.every((b, i) => b === bytes[i]) };
}
