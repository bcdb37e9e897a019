/**
 * A user-mode DMA library in the style of the vendor toolkit of seed 002,
 * with names of this project's own (docs/user-dma-library.md maps them to the
 * toolkit's). An application locks its own buffer for scatter/gather DMA or
 * asks for a contiguous kernel buffer mapped into its address space, programs
 * the device with the pages it gets back, and unlocks when done; a
 * transaction splits one request into transfers no longer than the device's
 * maximum transfer length (DEV-2).
 *
 * Underneath it is an ordinary kernel driver on the HAL: it locks pages with
 * MmProbeAndLockPages, maps them with GetScatterGatherList, allocates
 * contiguous memory (or takes a buffer preallocated at boot, CONT-3), so the
 * verifier sees everything it maps. Calls must run in the application's
 * process context (cpu.inProcess), at PASSIVE_LEVEL.
 */
import { DISPATCH_LEVEL } from '../../machine/irql';
import { RaisedStatus, STATUS } from '../../machine/ntstatus';
import { ADDRESS_AND_SIZE_TO_SPAN_PAGES, formatAddress } from '../../contracts/units';
import type { GpuDevice } from '../../pci/gpu-device';
import type { MmProcess } from '../mm/memory-manager';
import { MDL } from '../mm/mdl';
import type { DeviceMapping } from '../verifier/dma-verifier';
import { PreallocatedBuffer, highestAddressFor } from './boot-preallocation';
import { DeviceAddressMapping, pagePieces } from './device-address-space';
import { DmaAdapter, DmaPhysicalDevice, adapterOf, identifyDevice } from './dma-adapter';
import { DEVICE_DESCRIPTION_VERSION3, MAXIMUM_32BIT_ADDRESS } from './device-description';
import type { Hal } from './hal';
import { SCATTER_GATHER_LIST } from './scatter-gather-list';
import { DMA_OPTION, PAGES_PER_LOW_LEVEL_LOCK, USER_DMA_STATUS, UserDmaStatus, optionNames } from '../../contracts/user-dma-options';

/** The kernel side of the library is a driver of its own; locked pages and leaks are charged to it. */
export const USER_DMA_DRIVER = 'user-dma-library';

/** The longest buffer the library maps in one go (its adapter's MaximumLength). */
export const LIBRARY_MAXIMUM_MAPPING = 256 * 1024 * 1024;

export interface UserDmaDeviceCapabilities {
  /** The device emits 64-bit bus addresses. */
  readonly dma64Bit: boolean;
  /** The most bytes the device moves in one transfer (DEV-2). */
  readonly maximumTransferLength: number;
}

/** One (device address, length) run of a locked buffer, the toolkit's page entry. */
export interface DmaPage {
  readonly physicalAddress: number;
  readonly bytes: number;
}

export type DmaBufferKind = 'scatter-gather' | 'contiguous' | 'gpu-memory';

/** A locked or allocated DMA buffer, the toolkit's DMA descriptor. */
export interface DmaBuffer {
  readonly kind: DmaBufferKind;
  readonly device: UserDmaDevice;
  /** Where the application reaches the buffer (its own address for a scatter/gather lock). */
  readonly userAddress: number;
  /** Where the kernel reaches a contiguous buffer; 0 for the others. */
  readonly kernelAddress: number;
  readonly bytes: number;
  readonly options: number;
  /** What to program the device with, in buffer order. */
  readonly pages: readonly DmaPage[];
  /** A contiguous buffer that came from the boot-time preallocation. */
  readonly preallocated: boolean;
  locked: boolean;
}

/** What the library keeps per buffer to undo it. */
interface BufferState {
  readonly process: MmProcess | null;
  readonly mdl: MDL | null;
  readonly list: SCATTER_GATHER_LIST | null;
  readonly writeToDevice: boolean;
  readonly contiguousVa: number;
  readonly preallocatedBuffer: PreallocatedBuffer | null;
  readonly mapping: DeviceMapping | null;
  readonly deviceAddresses: DeviceAddressMapping | null;
}

export interface LockResult {
  readonly status: UserDmaStatus;
  readonly buffer: DmaBuffer | null;
}

export class UserDmaDevice {
  open = true;

  constructor(
    readonly name: string,
    readonly capabilities: UserDmaDeviceCapabilities,
    readonly adapter: DmaAdapter,
  ) {}
}

export type TransactionState = 'initialized' | 'executing' | 'completed' | 'released' | 'uninitialized';

/** One DMA transfer of a transaction: the runs to program, no longer than the maximum transfer length in total. */
export interface DmaTransfer {
  readonly index: number;
  /** Offset of the transfer in the buffer. */
  readonly offset: number;
  readonly bytes: number;
  readonly pages: readonly DmaPage[];
}

export class DmaTransaction {
  state: TransactionState = 'initialized';
  current = 0;

  constructor(
    readonly buffer: DmaBuffer,
    readonly maximumTransferLength: number,
    readonly transfers: readonly DmaTransfer[],
  ) {}

  get currentTransfer(): DmaTransfer | null {
    return this.state === 'executing' ? this.transfers[this.current] ?? null : null;
  }
}

export interface TransactionResult {
  readonly status: UserDmaStatus;
  readonly transaction: DmaTransaction | null;
}

export interface TransferResult {
  readonly status: UserDmaStatus;
  /** The transfer to program now; null when the transaction is complete or the call failed. */
  readonly transfer: DmaTransfer | null;
}

export class UserDmaLibrary {
  private readonly state = new WeakMap<DmaBuffer, BufferState>();
  private readonly liveBuffers = new Set<DmaBuffer>();

  constructor(private readonly hal: Hal, private readonly gpu: GpuDevice | null = null) {}

  private get kernel() {
    return this.hal.kernel;
  }

  /** Buffers locked or allocated and not yet unlocked. */
  get outstandingBuffers(): number {
    return this.liveBuffers.size;
  }

  /** Open a device for DMA: the library obtains a DMA adapter for it. */
  openDevice(device: DmaPhysicalDevice, capabilities: UserDmaDeviceCapabilities): { status: UserDmaStatus; device: UserDmaDevice | null } {
    if (!(Number.isSafeInteger(capabilities.maximumTransferLength) && capabilities.maximumTransferLength > 0)) {
      return { status: USER_DMA_STATUS.INVALID_PARAMETER, device: null };
    }
    const granted = { value: 0 };
    const adapter = this.asDriver(() => this.hal.IoGetDmaAdapter(device, {
      Version: DEVICE_DESCRIPTION_VERSION3,
      Master: true,
      ScatterGather: true,
      Dma32BitAddresses: true,
      Dma64BitAddresses: capabilities.dma64Bit,
      InterfaceType: 'PCIBus',
      MaximumLength: LIBRARY_MAXIMUM_MAPPING,
    }, granted));
    if (!adapter) return { status: USER_DMA_STATUS.INSUFFICIENT_RESOURCES, device: null };
    return { status: USER_DMA_STATUS.SUCCESS, device: new UserDmaDevice(identifyDevice(device).name, capabilities, adapterOf(adapter)) };
  }

  /** Close the device: its buffers must be unlocked first. */
  closeDevice(device: UserDmaDevice): UserDmaStatus {
    if (!device.open) return USER_DMA_STATUS.INVALID_PARAMETER;
    for (const b of this.liveBuffers) if (b.device === device) return USER_DMA_STATUS.INVALID_PARAMETER;
    this.asDriver(() => device.adapter.DmaOperations.PutDmaAdapter(device.adapter));
    device.open = false;
    return USER_DMA_STATUS.SUCCESS;
  }

  /**
   * The high-level scatter/gather lock: lock the application's buffer and
   * describe its pages. It sets LARGE_BUFFER itself, so any size works (DEV-8).
   */
  lockScatterGatherBuffer(device: UserDmaDevice, userAddress: number, bytes: number, options: number): LockResult {
    return this.lockBuffer(device, userAddress, bytes, options | DMA_OPTION.LARGE_BUFFER);
  }

  /**
   * The low-level lock. Without KERNEL_BUFFER_ALLOC it locks the
   * application's buffer for scatter/gather DMA and describes at most 256
   * pages unless LARGE_BUFFER is set (DEV-8); with it, it allocates a
   * contiguous kernel buffer (then `userAddress` is ignored). GPUDIRECT takes
   * GPU memory from the GPU's allocator; ordinary memory fails with
   * 0x20000007 (DEV-7).
   */
  lockBuffer(device: UserDmaDevice, userAddress: number, bytes: number, options: number): LockResult {
    if (!device.open || !(Number.isSafeInteger(bytes) && bytes > 0)) return fail(USER_DMA_STATUS.INVALID_PARAMETER);
    if (options & DMA_OPTION.KERNEL_BUFFER_ALLOC) return this.allocateContiguous(device, bytes, options);
    if (options & DMA_OPTION.GPUDIRECT) return this.lockGpuMemory(device, userAddress, bytes, options);
    // [inferred] the descriptor has room for 256 pages; without LARGE_BUFFER more do not fit.
    if (!(options & DMA_OPTION.LARGE_BUFFER) && ADDRESS_AND_SIZE_TO_SPAN_PAGES(userAddress, bytes) > PAGES_PER_LOW_LEVEL_LOCK) {
      return fail(USER_DMA_STATUS.INSUFFICIENT_RESOURCES);
    }
    return this.lockUserPages(device, userAddress, bytes, options);
  }

  /** The contiguous lock: a kernel buffer, contiguous for the device, mapped into the application. */
  lockContiguousBuffer(device: UserDmaDevice, bytes: number, options: number): LockResult {
    return this.lockBuffer(device, 0, bytes, options | DMA_OPTION.KERNEL_BUFFER_ALLOC);
  }

  /** Undo a lock: unmap, unlock and free whatever the lock took. */
  unlockBuffer(buffer: DmaBuffer): UserDmaStatus {
    const s = this.state.get(buffer);
    if (!s || !buffer.locked) return USER_DMA_STATUS.INVALID_PARAMETER;
    const adapter = buffer.device.adapter;
    this.asDriver(() => this.kernel.cpu.inProcess(s.process, () => {
      if (s.list) this.kernel.cpu.atIrql(DISPATCH_LEVEL, () => adapter.DmaOperations.PutScatterGatherList(adapter, s.list!, s.writeToDevice));
      if (s.mapping) adapter.unmap(s.mapping);
      s.deviceAddresses?.release();
      if (buffer.kind === 'scatter-gather' && s.mdl) {
        this.kernel.mdl.MmUnlockPages(s.mdl);
        this.kernel.mdl.IoFreeMdl(s.mdl);
      }
      if (buffer.kind === 'contiguous' && s.mdl) {
        this.kernel.mdl.MmUnmapLockedPages(buffer.userAddress, s.mdl);
        this.kernel.mdl.IoFreeMdl(s.mdl);
        if (s.preallocatedBuffer) this.hal.preallocationFor(buffer.device.name)!.giveBack(s.preallocatedBuffer);
        else this.kernel.mm.MmFreeContiguousMemory(s.contiguousVa);
      }
    }));
    buffer.locked = false;
    this.liveBuffers.delete(buffer);
    return USER_DMA_STATUS.SUCCESS;
  }

  /**
   * Before the CPU reads what the device wrote: data the HAL bounced for a
   * 32-bit device comes back to the application's pages. Syncing a buffer
   * that is no longer locked is a sync outside any mapping.
   */
  syncCpu(buffer: DmaBuffer): UserDmaStatus {
    return this.sync(buffer, false);
  }

  /** Before the device reads what the CPU wrote: the application's bytes go to the bounce pages. */
  syncIo(buffer: DmaBuffer): UserDmaStatus {
    return this.sync(buffer, true);
  }

  // --- transactions ------------------------------------------------------------

  /** A scatter/gather transaction over the application's buffer. */
  transactionInitScatterGather(device: UserDmaDevice, userAddress: number, bytes: number, options: number, maximumTransferLength = device.capabilities.maximumTransferLength): TransactionResult {
    if (!(Number.isSafeInteger(maximumTransferLength) && maximumTransferLength > 0)) return { status: USER_DMA_STATUS.INVALID_PARAMETER, transaction: null };
    const r = this.lockScatterGatherBuffer(device, userAddress, bytes, options | DMA_OPTION.TRANSACTION);
    return this.transactionFrom(r, maximumTransferLength);
  }

  /** A contiguous-buffer transaction. */
  transactionInitContiguous(device: UserDmaDevice, bytes: number, options: number, maximumTransferLength = device.capabilities.maximumTransferLength): TransactionResult {
    if (!(Number.isSafeInteger(maximumTransferLength) && maximumTransferLength > 0)) return { status: USER_DMA_STATUS.INVALID_PARAMETER, transaction: null };
    const r = this.lockContiguousBuffer(device, bytes, options | DMA_OPTION.TRANSACTION);
    return this.transactionFrom(r, maximumTransferLength);
  }

  /** Start (or restart after a release) the transaction: the first transfer to program. */
  transactionExecute(t: DmaTransaction): TransferResult {
    if (t.state !== 'initialized' && t.state !== 'released') return { status: USER_DMA_STATUS.INVALID_PARAMETER, transfer: null };
    if (t.buffer.options & DMA_OPTION.TO_DEVICE) this.syncIo(t.buffer);
    t.state = 'executing';
    t.current = 0;
    return { status: USER_DMA_STATUS.SUCCESS, transfer: t.transfers[0]! };
  }

  /**
   * The device finished the current transfer. MORE_PROCESSING_REQUIRED with
   * the next transfer while some remain; SUCCESS (and no transfer) after the
   * last, when the transaction is complete.
   */
  transferCompletedAndCheck(t: DmaTransaction): TransferResult {
    if (t.state !== 'executing') return { status: USER_DMA_STATUS.INVALID_PARAMETER, transfer: null };
    if (t.current < t.transfers.length - 1) {
      t.current++;
      return { status: USER_DMA_STATUS.MORE_PROCESSING_REQUIRED, transfer: t.transfers[t.current]! };
    }
    t.state = 'completed';
    if (t.buffer.options & DMA_OPTION.FROM_DEVICE) this.syncCpu(t.buffer);
    return { status: USER_DMA_STATUS.SUCCESS, transfer: null };
  }

  /** End the transaction; the buffer stays locked for another execute. */
  transactionRelease(t: DmaTransaction): UserDmaStatus {
    if (t.state !== 'completed' && t.state !== 'executing') return USER_DMA_STATUS.INVALID_PARAMETER;
    t.state = 'released';
    return USER_DMA_STATUS.SUCCESS;
  }

  /** Unlock the transaction's buffer; the transaction is over for good. */
  transactionUninit(t: DmaTransaction): UserDmaStatus {
    if (t.state === 'uninitialized' || t.state === 'executing') return USER_DMA_STATUS.INVALID_PARAMETER;
    const s = this.unlockBuffer(t.buffer);
    if (s === USER_DMA_STATUS.SUCCESS) t.state = 'uninitialized';
    return s;
  }

  // --- internals ---------------------------------------------------------------

  private transactionFrom(r: LockResult, maximumTransferLength: number): TransactionResult {
    if (!r.buffer) return { status: r.status, transaction: null };
    return { status: USER_DMA_STATUS.SUCCESS, transaction: new DmaTransaction(r.buffer, maximumTransferLength, splitIntoTransfers(r.buffer.pages, maximumTransferLength)) };
  }

  private asDriver<T>(fn: () => T): T {
    return this.kernel.cpu.inDriver(USER_DMA_DRIVER, fn);
  }

  private lockUserPages(device: UserDmaDevice, userAddress: number, bytes: number, options: number): LockResult {
    const k = this.kernel;
    const process = k.cpu.currentProcess as MmProcess | null;
    const writeToDevice = !((options & DMA_OPTION.FROM_DEVICE) && !(options & DMA_OPTION.TO_DEVICE));
    return this.asDriver(() => {
      const mdl = k.mdl.IoAllocateMdl(userAddress, bytes, false, false, null, USER_DMA_DRIVER);
      if (!mdl) return fail(USER_DMA_STATUS.INSUFFICIENT_RESOURCES);
      try {
        k.mdl.MmProbeAndLockPages(mdl, 'UserMode', writeToDevice && !(options & DMA_OPTION.FROM_DEVICE) ? 'IoReadAccess' : 'IoWriteAccess');
      } catch (e) {
        k.mdl.IoFreeMdl(mdl);
        if (e instanceof RaisedStatus) return fail(e.status === STATUS.ACCESS_VIOLATION ? USER_DMA_STATUS.INVALID_PARAMETER : USER_DMA_STATUS.INSUFFICIENT_RESOURCES);
        throw e;
      }
      let list: SCATTER_GATHER_LIST | null = null;
      const adapter = device.adapter;
      const status = k.cpu.atIrql(DISPATCH_LEVEL, () => adapter.DmaOperations.GetScatterGatherList(adapter, {}, mdl, userAddress, bytes, (_d, _i, sg) => { list = sg; }, null, writeToDevice));
      if (status !== STATUS.SUCCESS || !list) {
        k.mdl.MmUnlockPages(mdl);
        k.mdl.IoFreeMdl(mdl);
        return fail(USER_DMA_STATUS.INSUFFICIENT_RESOURCES);
      }
      const sg: SCATTER_GATHER_LIST = list;
      const buffer: DmaBuffer = {
        kind: 'scatter-gather', device, userAddress, kernelAddress: 0, bytes, options,
        pages: sg.Elements.map((e) => ({ physicalAddress: e.Address, bytes: e.Length })), preallocated: false, locked: true,
      };
      return this.remember(buffer, { process, mdl, list: sg, writeToDevice, contiguousVa: 0, preallocatedBuffer: null, mapping: null, deviceAddresses: null });
    });
  }

  private allocateContiguous(device: UserDmaDevice, bytes: number, options: number): LockResult {
    const k = this.kernel;
    const process = k.cpu.currentProcess as MmProcess | null;
    if (!process) throw new Error('lockContiguousBuffer: call it in the application\'s process context (cpu.inProcess), where the buffer is mapped');
    const adapter = device.adapter;
    return this.asDriver(() => {
      const cached = (options & DMA_OPTION.ALLOW_CACHE) !== 0;
      const preallocation = this.hal.preallocationFor(device.name);
      const pre = preallocation?.take(bytes, options) ?? null;
      if (!pre && options & DMA_OPTION.GET_PREALLOCATED_BUFFERS_ONLY) return fail(USER_DMA_STATUS.INSUFFICIENT_RESOURCES);
      const highest = device.capabilities.dma64Bit || adapter.addressing.remapped ? highestAddressFor(options) : Math.min(highestAddressFor(options), MAXIMUM_32BIT_ADDRESS);
      const va = pre ? pre.va : k.mm.MmAllocateContiguousMemorySpecifyCache(bytes, 0, highest, 0, cached ? 'MmCached' : 'MmNonCached', USER_DMA_DRIVER);
      if (va === null) return fail(USER_DMA_STATUS.INSUFFICIENT_RESOURCES);
      const undoMemory = () => (pre ? preallocation!.giveBack(pre) : k.mm.MmFreeContiguousMemory(va));
      const mdl = k.mdl.IoAllocateMdl(va, bytes, false, false, null, USER_DMA_DRIVER);
      if (!mdl) {
        undoMemory();
        return fail(USER_DMA_STATUS.INSUFFICIENT_RESOURCES);
      }
      k.mdl.MmBuildMdlForNonPagedPool(mdl);
      // The buffer is mapped into the application too, which needs free user address space (CONT-6).
      const userVa = k.mdl.MmMapLockedPagesSpecifyCache(mdl, 'UserMode', cached ? 'MmCached' : 'MmNonCached', null, false);
      if (userVa === null) {
        k.mdl.IoFreeMdl(mdl);
        undoMemory();
        return fail(USER_DMA_STATUS.INSUFFICIENT_RESOURCES);
      }
      const deviceAddresses = adapter.addressing.map(pagePieces(k.mm.physicalAddressOf(va), bytes), true);
      if (!deviceAddresses) {
        k.mdl.MmUnmapLockedPages(userVa, mdl);
        k.mdl.IoFreeMdl(mdl);
        undoMemory();
        return fail(USER_DMA_STATUS.INSUFFICIENT_RESOURCES);
      }
      const address = deviceAddresses.addresses[0]!;
      const mapping = adapter.map('library-buffer', [{ address, length: bytes }], mdl.id, null, `contiguous DMA buffer at ${formatAddress(va)}`);
      const buffer: DmaBuffer = {
        kind: 'contiguous', device, userAddress: userVa, kernelAddress: va, bytes, options,
        pages: [{ physicalAddress: address, bytes }], preallocated: pre !== null, locked: true,
      };
      return this.remember(buffer, { process, mdl, list: null, writeToDevice: true, contiguousVa: va, preallocatedBuffer: pre, mapping, deviceAddresses });
    });
  }

  private lockGpuMemory(device: UserDmaDevice, address: number, bytes: number, options: number): LockResult {
    const allocation = this.gpu?.allocationContaining(address, bytes) ?? null;
    // Seed 002: GPU-direct on memory the GPU allocator did not hand out is a system internal error.
    if (!allocation) return fail(USER_DMA_STATUS.SYSTEM_INTERNAL_ERROR);
    const deviceAddresses = device.adapter.addressing.map(pagePieces(address, bytes), (options & DMA_OPTION.TO_DEVICE) === 0);
    if (!deviceAddresses) return fail(USER_DMA_STATUS.INSUFFICIENT_RESOURCES);
    const pages: DmaPage[] = [];
    pagePieces(address, bytes).forEach((p, i) => {
      const a = deviceAddresses.addresses[i]!;
      const last = pages[pages.length - 1];
      if (last && last.physicalAddress + last.bytes === a) pages[pages.length - 1] = { physicalAddress: last.physicalAddress, bytes: last.bytes + p.length };
      else pages.push({ physicalAddress: a, bytes: p.length });
    });
    const buffer: DmaBuffer = { kind: 'gpu-memory', device, userAddress: address, kernelAddress: 0, bytes, options, pages, preallocated: false, locked: true };
    return this.remember(buffer, { process: null, mdl: null, list: null, writeToDevice: true, contiguousVa: 0, preallocatedBuffer: null, mapping: null, deviceAddresses });
  }

  private remember(buffer: DmaBuffer, s: BufferState): LockResult {
    this.state.set(buffer, s);
    this.liveBuffers.add(buffer);
    return { status: USER_DMA_STATUS.SUCCESS, buffer };
  }

  private sync(buffer: DmaBuffer, towardDevice: boolean): UserDmaStatus {
    const s = this.state.get(buffer);
    if (!s) return USER_DMA_STATUS.INVALID_PARAMETER;
    if (!buffer.locked) {
      this.hal.verifier.report('VER-SYNC-OUTSIDE-MAPPING', 0, buffer.userAddress, buffer.bytes,
        `${towardDevice ? 'syncIo' : 'syncCpu'} of a DMA buffer at ${formatAddress(buffer.userAddress)} (${optionNames(buffer.options)}) that was already unlocked`);
      return USER_DMA_STATUS.INVALID_PARAMETER;
    }
    if (s.list) this.asDriver(() => this.kernel.cpu.inProcess(s.process, () => buffer.device.adapter.lists.syncBounced(s.list!, towardDevice)));
    return USER_DMA_STATUS.SUCCESS;
  }
}

function fail(status: UserDmaStatus): LockResult {
  return { status, buffer: null };
}

/** Cut the buffer's runs into transfers of at most `maximum` bytes each, in order. */
export function splitIntoTransfers(pages: readonly DmaPage[], maximum: number): DmaTransfer[] {
  const transfers: DmaTransfer[] = [];
  let current: DmaPage[] = [];
  let currentBytes = 0;
  let offset = 0;
  const close = () => {
    transfers.push({ index: transfers.length, offset: offset - currentBytes, bytes: currentBytes, pages: current });
    current = [];
    currentBytes = 0;
  };
  for (const p of pages) {
    let at = 0;
    while (at < p.bytes) {
      const n = Math.min(p.bytes - at, maximum - currentBytes);
      current.push({ physicalAddress: p.physicalAddress + at, bytes: n });
      currentBytes += n;
      offset += n;
      at += n;
      if (currentBytes === maximum) close();
    }
  }
  if (currentBytes > 0) close();
  return transfers;
}
