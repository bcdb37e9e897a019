/**
 * Driving the machine's DMA test device from a test the way a driver would:
 * bus mastering in config space, a single buffer or a descriptor ring in the
 * registers, then let simulated time pass until the device is done.
 */
import { Machine } from '../../src/machine/machine';
import { PciCommand, PciConfigOffset } from '../../src/pci/config-space';
import { DESCRIPTOR_SIZE, DescriptorFlag, DmaControl, DmaRegister } from '../../src/contracts/dma-test-device-registers';
import { WRITE_REGISTER_ULONG } from '../../src/kernel/hal/register-access';

export function setBusMaster(machine: Machine, on: boolean): void {
  const rid = machine.dmaDevice.requesterId;
  const command = machine.bus.configRead(rid, PciConfigOffset.Command, 2);
  machine.bus.configWrite(rid, PciConfigOffset.Command, 2, on ? command | PciCommand.BusMaster : command & ~PciCommand.BusMaster);
}

export function setRegister(machine: Machine, offset: number, value: number): void {
  WRITE_REGISTER_ULONG(machine.bus, machine.dmaDevice.registerAddress(offset), value);
}

/** Start a single-buffer transfer; `toDevice` makes the device read memory. */
export function startSingle(machine: Machine, address: number, length: number, toDevice: boolean): void {
  setRegister(machine, DmaRegister.BufferAddressLow, address % 2 ** 32);
  setRegister(machine, DmaRegister.BufferAddressHigh, Math.floor(address / 2 ** 32));
  setRegister(machine, DmaRegister.BufferLength, length);
  setRegister(machine, DmaRegister.Control, (toDevice ? DmaControl.DirectionHostToDevice : 0) | DmaControl.Start);
}

export interface RingElement {
  readonly address: number;
  readonly length: number;
}

/** The descriptor bytes of a ring over the elements (the last one flagged LAST). */
export function ringBytes(elements: readonly RingElement[]): Uint8Array {
  const bytes = new Uint8Array(elements.length * DESCRIPTOR_SIZE);
  const v = new DataView(bytes.buffer);
  elements.forEach((e, i) => {
    v.setUint32(i * DESCRIPTOR_SIZE, e.address % 2 ** 32, true);
    v.setUint32(i * DESCRIPTOR_SIZE + 4, Math.floor(e.address / 2 ** 32), true);
    v.setUint32(i * DESCRIPTOR_SIZE + 8, e.length, true);
    v.setUint32(i * DESCRIPTOR_SIZE + 12, i === elements.length - 1 ? DescriptorFlag.Last : 0, true);
  });
  return bytes;
}

/** Start a descriptor-ring transfer whose ring lies at `ringAddress` (a device address). */
export function startRing(machine: Machine, ringAddress: number, count: number, toDevice: boolean): void {
  setRegister(machine, DmaRegister.RingBaseLow, ringAddress % 2 ** 32);
  setRegister(machine, DmaRegister.RingBaseHigh, Math.floor(ringAddress / 2 ** 32));
  setRegister(machine, DmaRegister.RingCount, count);
  setRegister(machine, DmaRegister.Control, (toDevice ? DmaControl.DirectionHostToDevice : 0) | DmaControl.ModeDescriptorRing | DmaControl.Start);
}

/** Let simulated time pass until the device leaves the Busy state; returns its state and error code. */
export function waitForDevice(machine: Machine): { state: string; error: number } {
  machine.clock.runUntil(() => machine.dmaDevice.status !== 'busy', 'DMA transfer');
  return { state: machine.dmaDevice.status, error: machine.dmaDevice.errorCode };
}
