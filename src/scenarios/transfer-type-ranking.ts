/**
 * DEV-3: the four ways an application's driver can move data from the DMA
 * test device into a buffer, each measured in simulated time from the first
 * call to the data being in the buffer (seed 002 ranks them blocking,
 * non-blocking, DMA with interrupts, DMA with polling, slowest to fastest).
 *
 * - blocking block transfer: block reads of the FIFO register; each call
 *   parks the thread (COST.blockingCallOverhead) and moves one FIFO's worth;
 * - non-blocking single accesses: one READ_REGISTER_ULONG of the FIFO per
 *   four bytes;
 * - DMA with interrupts / with polling: a contiguous DMA buffer of the user
 *   DMA library, allocated up front as seed 002 advises, and a transaction
 *   whose transfers (each at most the device's maximum) the device runs one
 *   after another; the end of each is learnt from the completion interrupt
 *   (ISR, then DPC) or by reading STATUS every poll interval.
 *
 * Each method's data ends up in a buffer of the application, checked against
 * the device's pattern.
 */
import { COST } from '../machine/cost-model';
import { Machine } from '../machine/machine';
import { Process } from '../kernel/io/process';
import { READ_REGISTER_ULONG, WRITE_REGISTER_ULONG, transferBlock } from '../kernel/hal/register-access';
import { DmaRegister } from '../contracts/dma-test-device-registers';
import { DMA_OPTION, userDmaStatusName } from '../contracts/user-dma-options';
import { setBusMastering } from './dma-test-device-programming';
import { openTestDevice, runTransaction } from './user-dma-application';

export const TRANSFER_TYPES = ['blocking block transfer', 'non-blocking single accesses', 'DMA with interrupts', 'DMA with polling'] as const;
export type TransferType = (typeof TRANSFER_TYPES)[number];

/**
 * Bytes one blocking block call moves before it parks the thread again.
 * Assumption: the device's FIFO holds 16 ULONGs; a blocking call waits for it
 * to fill, drains it, and returns. Seed 002 gives no figure.
 */
export const BLOCKING_CALL_BYTES = 64;

export interface TransferTypeMeasurement {
  readonly type: TransferType;
  readonly bytes: number;
  readonly elapsedNs: number;
  /** The application's buffer holds exactly the bytes the device sent. */
  readonly dataIntact: boolean;
}

export function transferTypeNamed(name: string): TransferType {
  const t = TRANSFER_TYPES.find((x) => x === name);
  if (!t) throw new RangeError(`unknown transfer type "${name}": the types are ${TRANSFER_TYPES.map((x) => `"${x}"`).join(', ')}`);
  return t;
}

/** Move `bytes` (a whole number of ULONGs) from the device into a new buffer of `process` by `type`. */
export function measureTransferType(machine: Machine, process: Process, type: TransferType, bytes: number): TransferTypeMeasurement {
  if (!(Number.isSafeInteger(bytes) && bytes > 0 && bytes % 4 === 0)) throw new RangeError(`the transfer-type measurement moves whole ULONGs: ${bytes} bytes is not a positive multiple of 4`);
  const va = machine.mm.allocateVirtual(process.addressSpace, bytes, { label: `${type} buffer` });
  const inApp = <T>(fn: () => T): T => machine.cpu.inProcess(process, fn);
  // The same start for every method: the device's pattern from offset 0, the buffer's pages resident.
  WRITE_REGISTER_ULONG(machine.bus, machine.dmaDevice.registerAddress(DmaRegister.StreamOffsetLow), 0);
  WRITE_REGISTER_ULONG(machine.bus, machine.dmaDevice.registerAddress(DmaRegister.StreamOffsetHigh), 0);
  inApp(() => machine.mm.fillVirtual(va, bytes, 0));
  let elapsedNs: number;
  if (type === 'blocking block transfer' || type === 'non-blocking single accesses') {
    const start = machine.clock.now;
    const fifo = machine.dmaDevice.registerAddress(DmaRegister.FifoData);
    for (let at = 0; at < bytes; ) {
      const chunk = Math.min(BLOCKING_CALL_BYTES, bytes - at);
      const data = new Uint8Array(chunk);
      if (type === 'blocking block transfer') {
        machine.clock.charge(COST.blockingCallOverhead.ns, 'pio:blocking-call');
        transferBlock(machine.bus, { space: 'memory', address: fifo, elementWidth: 4, count: chunk / 4, direction: 'read', buffer: data, autoIncrement: false });
      } else {
        const view = new DataView(data.buffer);
        for (let i = 0; i < chunk; i += 4) view.setUint32(i, READ_REGISTER_ULONG(machine.bus, fifo), true);
      }
      inApp(() => machine.mm.writeVirtual(va + at, data));
      at += chunk;
    }
    elapsedNs = machine.clock.now - start;
  } else {
    // The DMA buffer is allocated once, up front, as seed 002 advises; the clock runs from the transaction's start.
    setBusMastering(machine, true);
    const user = openTestDevice(machine, process.name);
    const init = inApp(() => user.library.transactionInitContiguous(user.device, bytes, DMA_OPTION.FROM_DEVICE));
    if (!init.transaction) throw new Error(`the user DMA library could not set up a ${bytes}-byte contiguous transaction: ${userDmaStatusName(init.status)}`);
    const tx = init.transaction;
    const start = machine.clock.now;
    runTransaction(machine, process, user, tx, type === 'DMA with interrupts' ? 'interrupt' : 'polling');
    elapsedNs = machine.clock.now - start;
    const received = inApp(() => machine.mm.readVirtual(tx.buffer.userAddress, bytes));
    inApp(() => machine.mm.writeVirtual(va, received));
    inApp(() => {
      user.library.transactionRelease(tx);
      user.library.transactionUninit(tx);
    });
    user.library.closeDevice(user.device);
  }
  const arrived = inApp(() => machine.mm.readVirtual(va, bytes));
  const dataIntact = machine.dmaDevice.pattern.firstMismatch(0, arrived) < 0;
  inApp(() => machine.mm.freeVirtual(process.addressSpace, va));
  return { type, bytes, elapsedNs, dataIntact };
}

/** Every transfer type in turn on the same machine, in the order of TRANSFER_TYPES. */
export function measureEveryTransferType(machine: Machine, process: Process, bytes: number): TransferTypeMeasurement[] {
  return TRANSFER_TYPES.map((type) => measureTransferType(machine, process, type, bytes));
}

/** The measured types from slowest to fastest. */
export function slowestToFastest(measurements: readonly TransferTypeMeasurement[]): TransferType[] {
  return [...measurements].sort((a, b) => b.elapsedNs - a.elapsedNs).map((m) => m.type);
}
