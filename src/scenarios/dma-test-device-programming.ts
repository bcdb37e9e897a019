/**
 * Programming the machine's DMA test device (docs/dma-device.md) the way a
 * driver does: bus mastering in config space, a descriptor ring in a common
 * buffer or the single-buffer registers, a start command, then waiting for
 * completion by polling STATUS or by taking the completion interrupt (ISR,
 * then a DPC). Every register access goes through the HAL register routines,
 * so it costs simulated time as a driver's would.
 */
import { Machine } from '../machine/machine';
import { COST } from '../machine/cost-model';
import { PAGE_SIZE } from '../contracts/units';
import { KDPC } from '../kernel/io/dpc';
import { DmaAdapter } from '../kernel/hal/dma-adapter';
import { READ_REGISTER_ULONG, WRITE_REGISTER_ULONG } from '../kernel/hal/register-access';
import { PciCommand, PciConfigOffset, PciStatus } from '../pci/config-space';
import { DESCRIPTOR_SIZE, DescriptorFlag, DmaControl, DmaErrorCode, DmaRegister, DmaStatusBit, dmaErrorName } from '../contracts/dma-test-device-registers';

export type DmaDirection = 'to-device' | 'from-device';
export type Completion = 'polling' | 'interrupt';

/** One (device address, length) run the device is told to move. */
export interface DeviceRun {
  readonly address: number;
  readonly length: number;
}

/** How a transfer on the device ended. */
export interface DeviceTransferResult {
  readonly state: 'idle' | 'busy' | 'done' | 'error';
  readonly error: DmaErrorCode;
  /** The error code's name in docs/dma-device.md ("None", "MasterAbort" ...). */
  readonly errorName: string;
  /** Simulated time from programming the device to seeing it finish. */
  readonly elapsedNs: number;
  /** Descriptors (or single buffers) the transfer was cut into. */
  readonly pieces: number;
}

const TWO_32 = 2 ** 32;

export { dmaErrorName };

/** Set or clear the bus-master bit of the device's PCI command register, as a driver's StartDevice does. */
export function setBusMastering(machine: Machine, on: boolean): void {
  const rid = machine.dmaDevice.requesterId;
  const command = machine.bus.configRead(rid, PciConfigOffset.Command, 2);
  machine.bus.configWrite(rid, PciConfigOffset.Command, 2, on ? command | PciCommand.BusMaster : command & ~PciCommand.BusMaster);
}

/** The device's config space records that a request it mastered was refused. */
export function receivedMasterAbort(machine: Machine): boolean {
  return (machine.dmaDevice.config.status & PciStatus.ReceivedMasterAbort) !== 0;
}

function writeRegister(machine: Machine, offset: number, value: number): void {
  WRITE_REGISTER_ULONG(machine.bus, machine.dmaDevice.registerAddress(offset), value);
}

function readRegister(machine: Machine, offset: number): number {
  return READ_REGISTER_ULONG(machine.bus, machine.dmaDevice.registerAddress(offset));
}

/** Cut runs so that none is longer than the device's maximum transfer length. */
export function cutToDeviceMaximum(runs: readonly DeviceRun[], maximum: number): DeviceRun[] {
  const out: DeviceRun[] = [];
  for (const r of runs) for (let at = 0; at < r.length; at += maximum) out.push({ address: r.address + at, length: Math.min(maximum, r.length - at) });
  return out;
}

/** The descriptor bytes of a ring over the runs, the last one flagged LAST. */
export function descriptorRing(runs: readonly DeviceRun[]): Uint8Array {
  const bytes = new Uint8Array(runs.length * DESCRIPTOR_SIZE);
  const v = new DataView(bytes.buffer);
  runs.forEach((r, i) => {
    v.setUint32(i * DESCRIPTOR_SIZE, r.address % TWO_32, true);
    v.setUint32(i * DESCRIPTOR_SIZE + 4, Math.floor(r.address / TWO_32), true);
    v.setUint32(i * DESCRIPTOR_SIZE + 8, r.length, true);
    v.setUint32(i * DESCRIPTOR_SIZE + 12, i === runs.length - 1 ? DescriptorFlag.Last : 0, true);
  });
  return bytes;
}

/** A descriptor-ring transfer the device has been told to start and nobody has waited for yet. */
export interface StartedRingTransfer {
  readonly adapter: DmaAdapter;
  readonly ring: number;
  readonly ringBytes: number;
  readonly logicalAddress: number;
  readonly startedAtNs: number;
  readonly pieces: number;
}

/** Put the ring for `runs` (cut to the device's maximum unless `cut` is false) into a common buffer of `adapter` and program the ring registers (no start yet). */
function programRing(machine: Machine, adapter: DmaAdapter, runs: readonly DeviceRun[], streamOffset: number | null, cut = true): Omit<StartedRingTransfer, 'startedAtNs'> {
  if (runs.length === 0) throw new RangeError('a ring transfer needs at least one (address, length) run');
  const pieces = cut ? cutToDeviceMaximum(runs, machine.dmaDevice.maxTransferLength) : [...runs];
  const ringBytes = descriptorRing(pieces);
  const logical = { QuadPart: 0 };
  const ring = adapter.DmaOperations.AllocateCommonBuffer(adapter, ringBytes.length, logical, false);
  if (ring === null) throw new Error(`AllocateCommonBuffer returned NULL for a descriptor ring of ${pieces.length} descriptors on ${adapter.label}`);
  machine.mm.writeVirtual(ring, ringBytes);
  if (streamOffset !== null) setStreamOffset(machine, streamOffset);
  writeRegister(machine, DmaRegister.RingBaseLow, logical.QuadPart % TWO_32);
  writeRegister(machine, DmaRegister.RingBaseHigh, Math.floor(logical.QuadPart / TWO_32));
  writeRegister(machine, DmaRegister.RingCount, pieces.length);
  return { adapter, ring, ringBytes: ringBytes.length, logicalAddress: logical.QuadPart, pieces: pieces.length };
}

function freeRing(r: Omit<StartedRingTransfer, 'startedAtNs'>): void {
  r.adapter.DmaOperations.FreeCommonBuffer(r.adapter, r.ringBytes, { QuadPart: r.logicalAddress }, r.ring, false);
}

/**
 * Program and start one descriptor-ring transfer over `runs` (device
 * addresses, cut to the device's maximum): the ring goes into a common buffer
 * of `adapter`. The device works only as simulated time passes, so the CPU may
 * do other things (or make mistakes) before `finishRingTransfer`.
 * `streamOffset` is where the device's data pattern starts (null: carry on
 * from where the last transfer left it).
 */
export function startRingTransfer(machine: Machine, adapter: DmaAdapter, runs: readonly DeviceRun[], direction: DmaDirection, streamOffset: number | null = 0): StartedRingTransfer {
  const startedAtNs = machine.clock.now;
  const ring = programRing(machine, adapter, runs, streamOffset);
  writeRegister(machine, DmaRegister.Control, DmaControl.ModeDescriptorRing | directionBit(direction) | DmaControl.Start);
  return { ...ring, startedAtNs };
}

/** Poll until the started transfer ends, then free its ring. */
export function finishRingTransfer(machine: Machine, started: StartedRingTransfer): DeviceTransferResult {
  pollUntilNotBusy(machine);
  freeRing(started);
  return result(machine, started.startedAtNs, started.pieces);
}

/**
 * Run one descriptor-ring transfer over `runs` from start to end, learning of
 * the end by `completion`; the ring's common buffer is freed afterwards.
 * With `cut` false the runs are the descriptors as they are, however long
 * (or short) each is: the device decides.
 */
export function runRingTransfer(machine: Machine, adapter: DmaAdapter, runs: readonly DeviceRun[], direction: DmaDirection, completion: Completion, streamOffset: number | null = 0, cut = true): DeviceTransferResult {
  const start = machine.clock.now;
  const ring = programRing(machine, adapter, runs, streamOffset, cut);
  startAndWait(machine, DmaControl.ModeDescriptorRing | directionBit(direction), completion);
  freeRing(ring);
  return result(machine, start, ring.pieces);
}

/**
 * Run the runs one after another in single-buffer mode (no descriptor
 * traffic), each cut to the device's maximum; stops at the first that fails.
 */
export function runSingleTransfers(machine: Machine, runs: readonly DeviceRun[], direction: DmaDirection, completion: Completion, streamOffset: number | null = 0, cut = true): DeviceTransferResult {
  const start = machine.clock.now;
  const pieces = cut ? cutToDeviceMaximum(runs, machine.dmaDevice.maxTransferLength) : [...runs];
  if (pieces.length === 0) throw new RangeError('a transfer needs at least one (address, length) run');
  if (streamOffset !== null) setStreamOffset(machine, streamOffset);
  let last: DeviceTransferResult | null = null;
  for (const p of pieces) {
    writeRegister(machine, DmaRegister.BufferAddressLow, p.address % TWO_32);
    writeRegister(machine, DmaRegister.BufferAddressHigh, Math.floor(p.address / TWO_32));
    writeRegister(machine, DmaRegister.BufferLength, p.length);
    startAndWait(machine, directionBit(direction), completion);
    last = result(machine, start, pieces.length);
    if (last.state !== 'done') return last;
  }
  return last!;
}

function setStreamOffset(machine: Machine, offset: number): void {
  writeRegister(machine, DmaRegister.StreamOffsetLow, offset % TWO_32);
  writeRegister(machine, DmaRegister.StreamOffsetHigh, Math.floor(offset / TWO_32));
}

function directionBit(direction: DmaDirection): number {
  return direction === 'to-device' ? DmaControl.DirectionHostToDevice : 0;
}

function startAndWait(machine: Machine, control: number, completion: Completion): void {
  if (completion === 'polling') {
    writeRegister(machine, DmaRegister.Control, control | DmaControl.Start);
    pollUntilNotBusy(machine);
  } else {
    waitForInterrupt(machine, () => writeRegister(machine, DmaRegister.Control, control | DmaControl.InterruptEnable | DmaControl.Start));
  }
}

/** How the device says the transfer ended, and the time since `since`. */
function result(machine: Machine, since: number, pieces: number): DeviceTransferResult {
  const device = machine.dmaDevice;
  return { state: device.status, error: device.errorCode, errorName: dmaErrorName(device.errorCode), elapsedNs: machine.clock.now - since, pieces };
}

/** Read STATUS once per poll interval until the engine leaves Busy. */
function pollUntilNotBusy(machine: Machine): void {
  const limit = machine.clock.now + 3_600e9;
  for (;;) {
    const status = readRegister(machine, DmaRegister.Status);
    if ((status & DmaStatusBit.StateMask) !== 1) return;
    if (machine.clock.now > limit) throw new Error('the DMA test device stayed busy for an hour of simulated time; it appears to hang');
    machine.clock.advance(COST.pollInterval.ns);
  }
}

/**
 * Start the device with `start`, then let time pass until the completion
 * interrupt has been taken: the ISR reads and acknowledges INTERRUPT_STATUS
 * and queues a DPC, and the DPC reads STATUS.
 */
function waitForInterrupt(machine: Machine, start: () => void): void {
  let finished = false;
  const dpc = new KDPC();
  machine.io.dpcs.KeInitializeDpc(dpc, () => {
    const status = readRegister(machine, DmaRegister.Status);
    if ((status & DmaStatusBit.StateMask) !== 1) finished = true;
  }, null);
  const disconnect = machine.dmaDevice.interrupt.connect(() => {
    const pending = readRegister(machine, DmaRegister.InterruptStatus);
    if (pending === 0) return false;
    writeRegister(machine, DmaRegister.InterruptAck, pending);
    machine.io.dpcs.KeInsertQueueDpc(dpc, null, null);
    return true;
  });
  try {
    start();
    machine.clock.runUntil(() => finished, 'waiting for the DMA test device\'s completion interrupt');
  } finally {
    disconnect();
    // The device's own interrupt enable stays set only for this transfer.
    if (!machine.dmaDevice.removed) writeRegister(machine, DmaRegister.Control, 0);
  }
}

/**
 * Descriptors over a buffer at `address`, one page each for `pages` pages,
 * with a descriptor of length 0 put in at `zeroAt` (the mistake of a driver
 * that computes a length as 0).
 */
export function pagesWithZeroLengthDescriptor(address: number, pages: number, zeroAt: number): DeviceRun[] {
  if (!(Number.isInteger(zeroAt) && zeroAt >= 0 && zeroAt <= pages)) throw new RangeError(`descriptor ${zeroAt} is not among the ${pages + 1} descriptors of ${pages} page(s) and the zero-length one`);
  const runs: DeviceRun[] = Array.from({ length: pages }, (_, i) => ({ address: address + i * PAGE_SIZE, length: PAGE_SIZE }));
  runs.splice(zeroAt, 0, { address: address + zeroAt * PAGE_SIZE, length: 0 });
  return runs;
}
