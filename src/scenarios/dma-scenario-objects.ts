/**
 * The DMA objects a scenario names: adapters ("A"), scatter/gather lists
 * ("L"), common buffers ("C"), device objects that ask for an adapter channel
 * ("disk0"), the user DMA library an application opened and the buffers and
 * transactions it locked, and what the latest DMA routine returned. They live
 * per scenario, beside its world, so scenarios running in one process never
 * see each other's objects.
 *
 *   const adapter = dmaObjects(this).adapters.get('A');
 *
 * A name the scenario never gave fails with a message that lists the names
 * it did give.
 */
import type { AdapterChannelRequest } from './adapter-channel-requests';
import type { DeviceTransferResult, StartedRingTransfer } from './dma-test-device-programming';
import type { WatchedTransfer } from './fifo-and-block-transfers';
import type { LockingCost } from './lock-per-request-cost';
import type { MapTransferMapping } from './map-transfer-mapping';
import type { PeerTransfer } from './peer-to-peer-transfer';
import type { FifoReadMeasurement, MisalignedBlockWrite } from './register-access-measurement';
import type { TransferTypeMeasurement } from './transfer-type-ranking';
import type { TransactionRun } from './user-dma-application';
import type { UserMapping } from './user-mapping';
import type { GpuAllocation } from '../pci/gpu-device';
import type { DmaAdapter } from '../kernel/hal/dma-adapter';
import type { SCATTER_GATHER_LIST, ScatterGatherListSize } from '../kernel/hal/scatter-gather-list';
import type { DmaBuffer, DmaTransaction, UserDmaDevice, UserDmaLibrary } from '../kernel/hal/user-dma-library';
import type { MDL } from '../kernel/mm/mdl';
import type { NtStatus } from '../machine/ntstatus';

export class UnknownDmaObject extends Error {
  constructor(kind: string, name: string, known: readonly string[]) {
    super(`this scenario has no ${kind} named "${name}": ${known.length === 0 ? `no ${kind} has been named yet` : `the known ones are ${known.map((n) => `"${n}"`).join(', ')}`}`);
    this.name = 'UnknownDmaObject';
  }
}

export class DuplicateDmaObject extends Error {
  constructor(kind: string, name: string) {
    super(`this scenario already has a ${kind} named "${name}": give the new one another name`);
    this.name = 'DuplicateDmaObject';
  }
}

/** Objects of one kind by the names a scenario gave them. */
export class DmaNames<T> {
  private readonly byName = new Map<string, T>();

  constructor(readonly kind: string) {}

  add(name: string, item: T): T {
    if (this.byName.has(name)) throw new DuplicateDmaObject(this.kind, name);
    this.byName.set(name, item);
    return item;
  }

  /** Name `item`, replacing an earlier object of that name (the latest request for a device, say). */
  put(name: string, item: T): T {
    this.byName.set(name, item);
    return item;
  }

  get(name: string): T {
    const item = this.byName.get(name);
    if (item === undefined) throw new UnknownDmaObject(this.kind, name, [...this.byName.keys()]);
    return item;
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  values(): T[] {
    return [...this.byName.values()];
  }
}

export interface NamedAdapter {
  readonly name: string;
  readonly adapter: DmaAdapter;
  /** The driver that obtained it: its calls on the adapter run as that driver. */
  readonly driver: string;
}

export interface NamedList {
  readonly name: string;
  readonly adapter: DmaAdapter;
  readonly list: SCATTER_GATHER_LIST;
  readonly mdl: MDL;
  /** The first byte the list maps and how many bytes. */
  readonly va: number;
  readonly length: number;
  readonly writeToDevice: boolean;
}

export interface NamedCommonBuffer {
  readonly name: string;
  readonly adapter: DmaAdapter;
  readonly va: number;
  readonly length: number;
  /** The device-visible address AllocateCommonBuffer returned. */
  readonly logicalAddress: number;
  readonly cacheEnabled: boolean;
}

/** What the latest DMA routine returned and what it did to non-paged pool. */
export interface DmaCallResult {
  readonly routine: string;
  readonly status: NtStatus;
  readonly poolPagesBefore: number;
  readonly poolPagesAfter: number;
}

/** An application that opened the DMA test device through the user DMA library. */
export interface LibraryUser {
  readonly process: string;
  readonly library: UserDmaLibrary;
  readonly device: UserDmaDevice;
}

export class DmaScenarioObjects {
  readonly adapters = new DmaNames<NamedAdapter>('DMA adapter');
  readonly lists = new DmaNames<NamedList>('scatter/gather list');
  readonly commonBuffers = new DmaNames<NamedCommonBuffer>('common buffer');
  /** Device objects by name: the same name is the same device object (VER-MULTIPLE-CHANNELS). */
  readonly deviceObjects = new DmaNames<{ readonly name: string }>('device object');
  readonly channelRequests = new DmaNames<AdapterChannelRequest>('adapter channel request');
  /** MapTransfer mappings by the name of the MDL they map. */
  readonly mapTransfers = new DmaNames<MapTransferMapping>('MapTransfer mapping');
  /** CalculateScatterGatherList results by the name of the MDL (or chain) calculated. */
  readonly calculations = new DmaNames<ScatterGatherListSize>('scatter/gather list calculation');
  readonly libraryUsers = new DmaNames<LibraryUser>('user DMA library user');
  readonly dmaBuffers = new DmaNames<DmaBuffer>('DMA buffer');
  readonly transactions = new DmaNames<DmaTransaction>('DMA transaction');
  /** Physically contiguous memory from MmAllocateContiguousMemorySpecifyCache, by name. */
  readonly contiguousBuffers = new DmaNames<{ readonly va: number; readonly length: number }>('contiguous buffer');
  readonly gpuAllocations = new DmaNames<GpuAllocation>('GPU allocation');
  /** GPU memory mapped into system space with MmMapIoSpace, by the name of the GPU allocation. */
  readonly ioSpaceMappings = new DmaNames<{ readonly va: number; readonly length: number }>('MmMapIoSpace mapping');
  /** Mappings of common buffers into processes, by "<common buffer> in <process>". */
  readonly userMappings = new DmaNames<UserMapping>('mapping into a process');
  readonly transactionRuns = new DmaNames<TransactionRun>('transaction run');
  /** Simulated nanoseconds measured by name ("DMA with polling" ...). */
  readonly measurements = new Map<string, number>();
  readonly transferTypeMeasurements: TransferTypeMeasurement[] = [];
  readonly fifoReads: FifoReadMeasurement[] = [];
  readonly lockingCosts: (LockingCost & { readonly buffer: string })[] = [];
  lastCall: DmaCallResult | null = null;
  /** The latest list routine's execution routine saw a list (false: the call failed before it). */
  lastListReceived: boolean | null = null;
  lastDeviceTransfer: DeviceTransferResult | null = null;
  /** A transfer the device was started on and nobody has waited for yet. */
  startedTransfer: StartedRingTransfer | null = null;
  lastPeerTransfer: PeerTransfer | null = null;
  lastWatchedTransfer: (WatchedTransfer & { readonly expected: Uint8Array }) | null = null;
  lastBlockWrite: MisalignedBlockWrite | null = null;
  /** Bus accesses the latest programmed-I/O transfer took. */
  lastBusAccesses: number | null = null;
  /** The status the user DMA library returned last. */
  lastLibraryStatus: number | null = null;

  deviceObject(name: string): { readonly name: string } {
    return this.deviceObjects.has(name) ? this.deviceObjects.get(name) : this.deviceObjects.add(name, { name });
  }

  /** The latest call's result, or a clear error when no DMA routine has been called. */
  latestCall(): DmaCallResult {
    if (!this.lastCall) throw new Error('no DMA routine has been called yet in this scenario (a "When the driver ... gets/builds/puts ..." step calls one)');
    return this.lastCall;
  }

  latestDeviceTransfer(): DeviceTransferResult {
    if (!this.lastDeviceTransfer) throw new Error('the DMA test device has not been asked to transfer anything yet in this scenario');
    return this.lastDeviceTransfer;
  }

  latestLibraryStatus(): number {
    if (this.lastLibraryStatus === null) throw new Error('the user DMA library has not been called yet in this scenario');
    return this.lastLibraryStatus;
  }
}

const registries = new WeakMap<object, DmaScenarioObjects>();

/** The DMA objects of the scenario `world` belongs to, created on first use. */
export function dmaObjects(world: object): DmaScenarioObjects {
  let registry = registries.get(world);
  if (!registry) {
    registry = new DmaScenarioObjects();
    registries.set(world, registry);
  }
  return registry;
}
