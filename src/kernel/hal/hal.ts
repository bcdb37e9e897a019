/**
 * The HAL's DMA layer of one machine: IoGetDmaAdapter and the adapters it
 * gives out, KeFlushIoBuffers, boot-time preallocated DMA buffers, and the
 * unload check for DMA resources a driver left behind. Every misuse goes to
 * the DMA verifier, which also watches the bus.
 */
import { PASSIVE_LEVEL, irqlName } from '../../machine/irql';
import { Acquisition, acquiredPlace } from '../../machine/driver-place';
import { formatAddress } from '../../contracts/units';
import type { Kernel } from '../kernel';
import type { MDL } from '../mm/mdl';
import { DmaVerifier } from '../verifier/dma-verifier';
import { BootPreallocation, DmaInstallConfiguration, PreallocatedBuffer } from './boot-preallocation';
import { KeFlushIoBuffers } from './common-buffer';
import type { PciBus } from '../../pci/bus';
import { DeviceAddressSpace, IovaAllocator, pagePieces } from './device-address-space';
import { DMA_ADAPTER, DMA_OPERATIONS, DmaAdapter, DmaPhysicalDevice, Out, PHYSICAL_ADDRESS, adapterOf, identifyDevice } from './dma-adapter';
import type { DeviceMapping } from '../verifier/dma-verifier';
import {
  DEVICE_DESCRIPTION,
  MAXIMUM_BOUNCING_MAP_REGISTERS,
  MAXIMUM_MAP_REGISTERS,
  checkSupported,
  describeInvalidDescription,
  highestDeviceAddress,
  mapRegistersAskedFor,
} from './device-description';
import { Iommu } from './iommu';
import { MapRegisterFile } from './map-registers';
import { recordingFailures } from './failed-dma-calls';
import { detectionEnabled } from '../detections/detection-switch';

export interface HalOptions {
  /** The verifier to report to (and to install as the bus observer); a new one by default. */
  readonly verifier?: DmaVerifier;
  /** The machine's IOMMU when it has one: device addresses are then IOVAs the HAL maps. */
  readonly iommu?: Iommu | null;
}

/** The DMA_OPERATIONS table: one for every adapter, dispatching on the adapter passed in, as in the DDK. */
function dmaOperations(): DMA_OPERATIONS {
  return recordingFailures({
    PutDmaAdapter: (a) => adapterOf(a).PutDmaAdapter(),
    AllocateCommonBuffer: (a, length, logicalAddress, cacheEnabled) => adapterOf(a).commonBuffers.AllocateCommonBuffer(length, logicalAddress, cacheEnabled),
    FreeCommonBuffer: (a, length, logicalAddress, virtualAddress, cacheEnabled) => adapterOf(a).commonBuffers.FreeCommonBuffer(length, logicalAddress, virtualAddress, cacheEnabled),
    AllocateAdapterChannel: (a, deviceObject, n, routine, context) => adapterOf(a).channel.AllocateAdapterChannel(deviceObject, n, routine, context),
    FlushAdapterBuffers: (a, mdl, base, currentVa, length, writeToDevice) => adapterOf(a).channel.FlushAdapterBuffers(mdl, base, currentVa, length, writeToDevice),
    FreeAdapterChannel: (a) => adapterOf(a).channel.FreeAdapterChannel(),
    FreeMapRegisters: (a, base, n) => adapterOf(a).channel.FreeMapRegisters(base, n),
    MapTransfer: (a, mdl, base, currentVa, length, writeToDevice) => adapterOf(a).channel.MapTransfer(mdl, base, currentVa, length, writeToDevice),
    GetDmaAlignment: (a) => {
      adapterOf(a).enter('GetDmaAlignment');
      return 1;
    },
    GetScatterGatherList: (a, deviceObject, mdl, currentVa, length, routine, context, writeToDevice) => adapterOf(a).lists.GetScatterGatherList(deviceObject, mdl, currentVa, length, routine, context, writeToDevice),
    PutScatterGatherList: (a, list, writeToDevice) => adapterOf(a).lists.PutScatterGatherList(list, writeToDevice),
    CalculateScatterGatherList: (a, mdl, currentVa, length) => adapterOf(a).lists.CalculateScatterGatherList(mdl, currentVa, length),
    BuildScatterGatherList: (a, deviceObject, mdl, currentVa, length, routine, context, writeToDevice, buffer, bufferLength) =>
      adapterOf(a).lists.BuildScatterGatherList(deviceObject, mdl, currentVa, length, routine, context, writeToDevice, buffer, bufferLength),
  }, adapterOf);
}

/** A boot-preallocated buffer a driver holds, and how to undo its device mapping. */
interface HeldPreallocatedBuffer {
  readonly adapter: DmaAdapter;
  readonly preallocation: BootPreallocation;
  readonly buffer: PreallocatedBuffer;
  readonly mapping: DeviceMapping;
  readonly release: () => void;
  /** The driver's takePreallocatedBuffer call, for a buffer never returned. */
  readonly acquired: Acquisition | null;
}

export class Hal {
  readonly verifier: DmaVerifier;
  private readonly operations = dmaOperations();
  private readonly adapterSet = new Set<DmaAdapter>();
  private readonly preallocations = new Map<string, BootPreallocation>();
  /** Boot-preallocated buffers drivers hold now, by system virtual address. */
  private readonly heldPreallocated = new Map<number, HeldPreallocatedBuffer>();
  /** Adapters numbered per machine, so a run's bug-check parameters depend on its seed alone. */
  private adapterCount = 0;
  /** Why the last IoGetDmaAdapter returned NULL, for reports. */
  lastAdapterFailure: string | null = null;

  readonly iommu: Iommu | null;
  /** One IOVA allocator per device domain, shared by all adapters of the device. */
  private readonly iovaAllocators = new Map<number, IovaAllocator>();

  /**
   * With a bus, the verifier becomes the bus's DMA observer, so every device
   * access to RAM is checked against what this HAL mapped.
   */
  constructor(readonly kernel: Kernel, readonly bus: PciBus | null = null, options: HalOptions = {}) {
    this.verifier = options.verifier ?? new DmaVerifier(kernel);
    this.iommu = options.iommu ?? null;
    bus?.setObserver(this.verifier);
  }

  /**
   * IoGetDmaAdapter: an adapter for the device, or null (invalid description,
   * injected failure, no bounce page below 4 GiB for a 32-bit device).
   * `numberOfMapRegisters` receives how many map registers were granted,
   * which may be fewer than the description asks for.
   */
  IoGetDmaAdapter(physicalDeviceObject: DmaPhysicalDevice, deviceDescription: DEVICE_DESCRIPTION, numberOfMapRegisters: Out<number>): DMA_ADAPTER | null {
    const irql = this.kernel.cpu.irql;
    if (irql > PASSIVE_LEVEL) this.verifier.reportWrongIrql(irql, PASSIVE_LEVEL, `IoGetDmaAdapter called at ${irqlName(irql)}; it must be called at PASSIVE_LEVEL`);
    const fail = (why: string): null => {
      this.lastAdapterFailure = why;
      return null;
    };
    checkSupported(deviceDescription);
    const invalid = describeInvalidDescription(deviceDescription);
    if (invalid) return fail(invalid);
    if (this.kernel.faults.shouldFail('IoGetDmaAdapter', this.kernel.cpu.currentDriver ?? '')) return fail('injected low-resources failure');
    const highest = highestDeviceAddress(deviceDescription);
    const device = identifyDevice(physicalDeviceObject);
    const addressing = this.addressingFor(device.requesterId, highest);
    const bouncing = !addressing.remapped && highest < this.kernel.physical.highRamTop - 1;
    const granted = Math.min(mapRegistersAskedFor(deviceDescription), bouncing ? MAXIMUM_BOUNCING_MAP_REGISTERS : MAXIMUM_MAP_REGISTERS, this.kernel.config.mapRegisterLimit);
    const id = ++this.adapterCount;
    const registers = MapRegisterFile.create(this.kernel, id, granted, highest, bouncing);
    if (!registers) return fail('no bounce page below 4 GiB could be reserved for a device with 32-bit addressing');
    const adapter = new DmaAdapter(id, this.kernel, this.verifier, this.operations, device, { ...deviceDescription }, registers, addressing);
    this.adapterSet.add(adapter);
    numberOfMapRegisters.value = registers.granted;
    this.lastAdapterFailure = null;
    return adapter;
  }

  private addressingFor(requesterId: number | null, highest: number): DeviceAddressSpace {
    if (!this.iommu || requesterId === null) return new DeviceAddressSpace(null, requesterId, null, highest);
    let allocator = this.iovaAllocators.get(requesterId);
    if (!allocator) this.iovaAllocators.set(requesterId, (allocator = new IovaAllocator()));
    return new DeviceAddressSpace(this.iommu, requesterId, allocator, highest);
  }

  /** KeFlushIoBuffers (see common-buffer.ts). */
  KeFlushIoBuffers(mdl: MDL, readOperation: boolean, dmaOperation: boolean): void {
    KeFlushIoBuffers(this.kernel, this.verifier, mdl, readOperation, dmaOperation);
  }

  /** Adapters given out and not yet released. */
  liveAdapters(driver?: string): DmaAdapter[] {
    return [...this.adapterSet].filter((a) => !a.released && (driver === undefined || a.driver === driver));
  }

  /**
   * Boot-time preallocation of contiguous DMA buffers for one device, from
   * its install configuration (CONT-3). Call right after boot, before memory
   * fragments. A configuration error throws with the reason.
   */
  preallocateForDevice(deviceName: string, configuration: DmaInstallConfiguration): BootPreallocation {
    if (this.preallocations.has(deviceName)) throw new Error(`DMA buffers for device "${deviceName}" were already preallocated at boot`);
    const p = BootPreallocation.atBoot(this.kernel, deviceName, configuration);
    this.preallocations.set(deviceName, p);
    return p;
  }

  preallocationFor(deviceName: string): BootPreallocation | null {
    return this.preallocations.get(deviceName) ?? null;
  }

  /**
   * A driver takes one of its device's boot-preallocated contiguous buffers
   * (CONT-3, seed 002): the first free one whose size and option flags match,
   * mapped for the device as a common buffer is. Returns its system virtual
   * address and puts the device address in `logicalAddress`; null when no
   * free buffer matches. Windows has no such routine: this is the kernel side
   * of the vendor toolkit's contiguous-buffer lock, which hands out the
   * buffers its install file preallocated.
   */
  takePreallocatedBuffer(adapter: DMA_ADAPTER, length: number, options: number, logicalAddress: PHYSICAL_ADDRESS): number | null {
    const a = adapterOf(adapter);
    if (!a.enter('takePreallocatedBuffer', PASSIVE_LEVEL)) return null;
    const preallocation = this.preallocations.get(a.deviceName);
    const buffer = preallocation?.take(length, options) ?? null;
    if (!preallocation || !buffer) return null;
    const device = a.addressing.map(pagePieces(buffer.physicalAddress, buffer.bytes), true);
    if (!device) {
      preallocation.giveBack(buffer);
      return null;
    }
    const logical = device.addresses[0]!;
    const mapping = a.map('common-buffer', [{ address: logical, length: buffer.bytes }], 0, null, `boot-preallocated buffer at ${formatAddress(buffer.va)}`);
    this.heldPreallocated.set(buffer.va, { adapter: a, preallocation, buffer, mapping, release: device.release, acquired: this.kernel.cpu.acquisition('takePreallocatedBuffer') });
    logicalAddress.QuadPart = logical;
    return buffer.va;
  }

  /** Give a boot-preallocated buffer back: the device may no longer reach it, and the next matching request may have it. */
  returnPreallocatedBuffer(adapter: DMA_ADAPTER, virtualAddress: number): void {
    const a = adapterOf(adapter);
    if (!a.enter('returnPreallocatedBuffer', PASSIVE_LEVEL)) return;
    const held = this.heldPreallocated.get(virtualAddress);
    if (!held || held.adapter !== a) {
      this.verifier.report('VER-COMMON-BUFFER-DOUBLE-FREE', 1, virtualAddress, a.id, `returnPreallocatedBuffer of ${formatAddress(virtualAddress)} on ${a.label}: no boot-preallocated buffer taken through this adapter starts there (returned already?)`);
      return;
    }
    this.heldPreallocated.delete(virtualAddress);
    a.unmap(held.mapping);
    held.release();
    held.preallocation.giveBack(held.buffer);
  }

  /** Boot-preallocated buffers taken through an adapter and not returned. */
  preallocatedBuffersHeld(adapter?: DMA_ADAPTER): number {
    return [...this.heldPreallocated.values()].filter((h) => adapter === undefined || h.adapter === adapter).length;
  }

  /**
   * The I/O manager calls this when a driver unloads: adapters it did not
   * release and DMA resources it still holds are a leak (VER-LEAK-AT-UNLOAD).
   * Returns true when nothing was left behind.
   */
  checkDriverUnload(driver: string): boolean {
    const mine = [...this.adapterSet].filter((a) => a.driver === driver);
    const unreleased = mine.filter((a) => !a.released);
    let commonBuffers = 0;
    let listsAndBases = 0;
    const acquired: (Acquisition | null)[] = [];
    for (const a of mine) {
      commonBuffers += a.commonBuffers.outstandingCount + this.preallocatedBuffersHeld(a);
      acquired.push(...a.commonBuffers.outstandingAcquisitions(), ...[...this.heldPreallocated.values()].filter((h) => h.adapter === a).map((h) => h.acquired));
      if (detectionEnabled('LEAK-AT-UNLOAD-LISTS-AND-BASES')) {
        listsAndBases += a.lists.outstandingCount + a.channel.outstandingBases;
        acquired.push(...a.lists.outstandingAcquisitions(), ...a.channel.outstandingAcquisitions());
      }
    }
    if (unreleased.length === 0 && commonBuffers === 0 && listsAndBases === 0) return true;
    // What the driver still holds through an adapter was acquired nearer the bug than the adapter itself.
    acquired.push(...unreleased.map((a) => a.acquired));
    this.verifier.report('VER-LEAK-AT-UNLOAD', unreleased.length, commonBuffers, listsAndBases,
      `driver ${driver} unloaded with ${unreleased.length} DMA adapter(s) not released, ${commonBuffers} common buffer(s) and ${listsAndBases} scatter/gather list(s) or map register base(s) outstanding`,
      acquiredPlace(...acquired).place);
    return false;
  }
}
