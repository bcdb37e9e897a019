/**
 * One transfer on the DMA test device through a scatter/gather list: the
 * device is programmed with the list's elements (a descriptor ring in a
 * common buffer), moves its data pattern, and the driver learns of the end by
 * polling or by interrupt. `transferThroughNewList` does the whole driver
 * sequence (get the list, run the device, put the list back) and returns the
 * bytes that arrived and the simulated time it all took.
 */
import { Machine } from '../machine/machine';
import { STATUS, statusName } from '../machine/ntstatus';
import { DmaAdapter } from '../kernel/hal/dma-adapter';
import { SCATTER_GATHER_LIST } from '../kernel/hal/scatter-gather-list';
import { MDL } from '../kernel/mm/mdl';
import { Completion, DeviceTransferResult, DmaDirection, runRingTransfer } from './dma-test-device-programming';
import { ListRequest, getScatterGatherList, putScatterGatherList } from './scatter-gather-calls';
import { transferPieces } from './scatter-gather-list-shape';

/** The device moves data through the list's elements, in the list's direction. */
export function deviceTransferThroughList(machine: Machine, adapter: DmaAdapter, list: SCATTER_GATHER_LIST, writeToDevice: boolean, completion: Completion = 'polling'): DeviceTransferResult {
  const direction: DmaDirection = writeToDevice ? 'to-device' : 'from-device';
  return runRingTransfer(machine, adapter, list.Elements.map((e) => ({ address: e.Address, length: e.Length })), direction, completion);
}

/** The bytes the frames of the MDL (chain) hold for [va, va + length), read as a device would: by physical address. */
export function bytesInFrames(machine: Machine, mdl: MDL, va: number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (const p of transferPieces(mdl, va, length)) machine.physical.read(p.physicalAddress, p.length, out, p.at);
  return out;
}

export interface ListTransfer {
  readonly device: DeviceTransferResult;
  /** What the MDL's frames hold after the list was put back (device-to-host: the device's data). */
  readonly data: Uint8Array;
  /** Simulated time from GetScatterGatherList to the put. */
  readonly elapsedNs: number;
}

/**
 * The driver's whole sequence for one request whose MDL is locked: get a
 * list, run the device through it, put it back. A failing GetScatterGatherList
 * is an error naming the status.
 */
export function transferThroughNewList(machine: Machine, driver: string, adapter: DmaAdapter, request: ListRequest, completion: Completion = 'polling'): ListTransfer {
  const start = machine.clock.now;
  const got = getScatterGatherList(machine, driver, adapter, request);
  if (!got.list) throw new Error(`GetScatterGatherList returned ${statusName(got.status)}${got.status === STATUS.SUCCESS ? ' without calling the execution routine' : ''}`);
  const device = machine.cpu.inDriver(driver, () => deviceTransferThroughList(machine, adapter, got.list!, request.writeToDevice, completion));
  putScatterGatherList(machine, driver, adapter, got.list, request.writeToDevice);
  return { device, data: bytesInFrames(machine, request.mdl, request.va, request.length), elapsedNs: machine.clock.now - start };
}
