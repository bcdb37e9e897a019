/**
 * DEV-5: a FIFO transfer moves every element through one device address (the
 * port or register stays put, only the buffer address advances); a
 * memory-block transfer advances both. The device addresses each bus access
 * hit are recorded by watching the bus for the length of the transfer.
 */
import { Machine } from '../machine/machine';
import { READ_PORT_BUFFER_ULONG, READ_REGISTER_BUFFER_ULONG, WRITE_REGISTER_BUFFER_ULONG } from '../kernel/hal/register-access';
import { PciBus } from '../pci/bus';
import { DmaPortRegister } from '../contracts/dma-test-device-registers';

export interface BusAccess {
  readonly space: 'memory' | 'port';
  readonly address: number;
  readonly width: number;
  readonly write: boolean;
}

/** Run `fn` and return every CPU access to device registers the bus carried meanwhile. */
export function watchBusAccesses(bus: PciBus, fn: () => void): BusAccess[] {
  const seen: BusAccess[] = [];
  const original = { mmioRead: bus.mmioRead, mmioWrite: bus.mmioWrite, portRead: bus.portRead, portWrite: bus.portWrite };
  // Shadow the four methods on this bus instance only, and put them back however fn ends.
  const watched = bus as unknown as Record<keyof typeof original, unknown>;
  watched.mmioRead = (address: number, width: 1 | 2 | 4) => (seen.push({ space: 'memory', address, width, write: false }), original.mmioRead.call(bus, address, width));
  watched.mmioWrite = (address: number, width: 1 | 2 | 4, value: number) => (seen.push({ space: 'memory', address, width, write: true }), original.mmioWrite.call(bus, address, width, value));
  watched.portRead = (port: number, width: 1 | 2 | 4) => (seen.push({ space: 'port', address: port, width, write: false }), original.portRead.call(bus, port, width));
  watched.portWrite = (port: number, width: 1 | 2 | 4, value: number) => (seen.push({ space: 'port', address: port, width, write: true }), original.portWrite.call(bus, port, width, value));
  try {
    fn();
  } finally {
    for (const k of Object.keys(original) as (keyof typeof original)[]) delete watched[k];
  }
  return seen;
}

export interface WatchedTransfer {
  readonly accesses: readonly BusAccess[];
  /** The bytes the buffer holds afterwards, in buffer order. */
  readonly buffer: Uint8Array;
  /** The device address of the first element. */
  readonly firstDeviceAddress: number;
}

/** A FIFO transfer: READ_PORT_BUFFER_ULONG of `count` ULONGs from the device's FIFO data port. */
export function fifoTransferFromPort(machine: Machine, count: number): WatchedTransfer {
  const port = machine.dmaDevice.portAddress(DmaPortRegister.FifoData);
  const buffer = new Uint32Array(count);
  const accesses = watchBusAccesses(machine.bus, () => READ_PORT_BUFFER_ULONG(machine.bus, port, buffer, count));
  return { accesses, buffer: new Uint8Array(buffer.buffer), firstDeviceAddress: port };
}

/**
 * A memory-block transfer: WRITE_REGISTER_BUFFER_ULONG of `count` ULONGs into
 * the device's memory window at `offset`, then READ_REGISTER_BUFFER_ULONG of
 * them back; returns the read's accesses and the buffer it filled.
 */
export function memoryBlockTransferThroughWindow(machine: Machine, offset: number, count: number): WatchedTransfer & { readonly written: Uint8Array } {
  const address = machine.dmaDevice.memoryWindowAddress + offset;
  const values = Uint32Array.from({ length: count }, (_, i) => (0x01010101 * ((i % 250) + 1)) >>> 0);
  WRITE_REGISTER_BUFFER_ULONG(machine.bus, address, values, count);
  const back = new Uint32Array(count);
  const accesses = watchBusAccesses(machine.bus, () => READ_REGISTER_BUFFER_ULONG(machine.bus, address, back, count));
  return { accesses, buffer: new Uint8Array(back.buffer), firstDeviceAddress: address, written: new Uint8Array(values.buffer) };
}

/** The distinct device addresses the accesses hit. */
export function distinctAddresses(accesses: readonly BusAccess[]): number[] {
  return [...new Set(accesses.map((a) => a.address))];
}

/** True when each access hits the address right after the previous access's bytes. */
export function addressesIncrement(accesses: readonly BusAccess[]): boolean {
  return accesses.every((a, i) => i === 0 || a.address === accesses[i - 1]!.address + accesses[i - 1]!.width);
}
