/**
 * An application using the user DMA library (docs/user-dma-library.md) with
 * the DMA test device: options written as names ("FROM_DEVICE | ALLOW_CACHE"),
 * every call in the application's process context, and a transaction run
 * transfer by transfer on the device (DEV-2).
 */
import { Machine } from '../machine/machine';
import { Process } from '../kernel/io/process';
import { DmaBuffer, DmaTransaction, LockResult, UserDmaLibrary } from '../kernel/hal/user-dma-library';
import { DMA_OPTION, USER_DMA_STATUS, UserDmaStatus, userDmaStatusName } from '../contracts/user-dma-options';
import { Completion, DeviceTransferResult, runSingleTransfers } from './dma-test-device-programming';
import type { LibraryUser } from './dma-scenario-objects';

/** "FROM_DEVICE | ALLOW_CACHE" -> the flags; "0" or "" -> none. An unknown name is an error listing the known ones. */
export function parseDmaOptions(text: string): number {
  let options = 0;
  for (const raw of text.split('|')) {
    const name = raw.trim();
    if (name === '' || name === '0') continue;
    const value = (DMA_OPTION as Record<string, number>)[name];
    if (value === undefined) throw new RangeError(`unknown DMA option "${name}": the options are ${Object.keys(DMA_OPTION).join(', ')}`);
    options |= value;
  }
  return options;
}

/** A status name of the library ("SUCCESS", "INSUFFICIENT_RESOURCES" ...) as its value. */
export function userDmaStatusNamed(name: string): UserDmaStatus {
  const value = (USER_DMA_STATUS as Record<string, UserDmaStatus>)[name];
  if (value === undefined) throw new RangeError(`unknown user DMA library status "${name}": the statuses are ${Object.keys(USER_DMA_STATUS).join(', ')}`);
  return value;
}

export { userDmaStatusName };

/** The application opens the DMA test device through the library (a DMA adapter is obtained for it). */
export function openTestDevice(machine: Machine, processName: string): LibraryUser {
  const library = new UserDmaLibrary(machine.hal, machine.gpu);
  const device = machine.dmaDevice;
  const r = library.openDevice({ name: device.name, requesterId: device.requesterId }, { dma64Bit: device.addressBits === 64, maximumTransferLength: device.maxTransferLength });
  if (!r.device) throw new Error(`the user DMA library could not open ${device.name}: ${userDmaStatusName(r.status)}`);
  return { process: processName, library, device: r.device };
}

export type LockCall = 'low-level' | 'high-level';

/** A scatter/gather lock of [va, va + bytes) of the application's memory, by the low- or high-level call. */
export function lockForScatterGather(machine: Machine, process: Process, user: LibraryUser, call: LockCall, va: number, bytes: number, options: number): LockResult {
  return machine.cpu.inProcess(process, () => (call === 'low-level'
    ? user.library.lockBuffer(user.device, va, bytes, options)
    : user.library.lockScatterGatherBuffer(user.device, va, bytes, options)));
}

/** A contiguous kernel buffer mapped into the application. */
export function lockContiguous(machine: Machine, process: Process, user: LibraryUser, bytes: number, options: number): LockResult {
  return machine.cpu.inProcess(process, () => user.library.lockContiguousBuffer(user.device, bytes, options));
}

export interface TransactionRun {
  readonly transfers: number;
  /** What each "transfer completed and check" returned, in order. */
  readonly completionStatuses: readonly number[];
  /** Each transfer's length as the device was programmed with it. */
  readonly transferLengths: readonly number[];
  readonly device: DeviceTransferResult | null;
}

/**
 * Execute the transaction and program the device with each transfer in turn
 * (single-buffer mode per page run, the stream carrying on from transfer to
 * transfer), learning of each end by `completion`, and calling "transfer
 * completed and check" after each.
 */
export function runTransaction(machine: Machine, process: Process, user: LibraryUser, transaction: DmaTransaction, completion: Completion = 'polling'): TransactionRun {
  const lib = user.library;
  const statuses: number[] = [];
  const lengths: number[] = [];
  let device: DeviceTransferResult | null = null;
  const direction = transaction.buffer.options & DMA_OPTION.TO_DEVICE ? 'to-device' : 'from-device';
  machine.cpu.inProcess(process, () => {
    let r = lib.transactionExecute(transaction);
    if (r.status !== USER_DMA_STATUS.SUCCESS) throw new Error(`transactionExecute returned ${userDmaStatusName(r.status)}`);
    let first = true;
    while (r.transfer) {
      lengths.push(r.transfer.bytes);
      device = runSingleTransfers(machine, r.transfer.pages.map((p) => ({ address: p.physicalAddress, length: p.bytes })), direction, completion, first ? 0 : null, false);
      first = false;
      r = lib.transferCompletedAndCheck(transaction);
      statuses.push(r.status);
    }
  });
  return { transfers: transaction.transfers.length, completionStatuses: statuses, transferLengths: lengths, device };
}

/** Unlock a buffer the application locked. */
export function unlockDmaBuffer(machine: Machine, process: Process, user: LibraryUser, buffer: DmaBuffer): number {
  return machine.cpu.inProcess(process, () => user.library.unlockBuffer(buffer));
}
