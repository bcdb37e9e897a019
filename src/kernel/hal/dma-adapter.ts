/**
 * The DMA adapter object IoGetDmaAdapter returns (SG-1), and the table of
 * routines a driver calls through it: `adapter.DmaOperations.X(adapter, ...)`,
 * as in wdm.h. One adapter holds its map registers, its channel queue, its
 * scatter/gather lists and its common buffers; PutDmaAdapter releases it last.
 */
import { Acquisition, acquiredPlace } from '../../machine/driver-place';
import { COST } from '../../machine/cost-model';
import { DISPATCH_LEVEL, PASSIVE_LEVEL, irqlName } from '../../machine/irql';
import { NtStatus } from '../../machine/ntstatus';
import type { Kernel } from '../kernel';
import type { MDL } from '../mm/mdl';
import type { DeviceMapping, DeviceRange, DmaVerifier, MappingKind } from '../verifier/dma-verifier';
import { AdapterChannel, DRIVER_CONTROL } from './adapter-channel';
import { CommonBuffers } from './common-buffer';
import { DeviceAddressSpace } from './device-address-space';
import type { DmaDeviceObject } from './dma-device-object';
import { DEVICE_DESCRIPTION } from './device-description';
import type { FailedDmaCall } from './failed-dma-calls';
import { MapRegisterBase, MapRegisterFile } from './map-registers';
import { DRIVER_LIST_CONTROL, SCATTER_GATHER_LIST, ScatterGatherLists, ScatterGatherListSize } from './scatter-gather-list';

/** A 64-bit physical or device-visible address, as the DDK's LARGE_INTEGER. */
export interface PHYSICAL_ADDRESS {
  QuadPart: number;
}

/** An out (or in/out) parameter: the routine reads and writes `value`. */
export interface Out<T> {
  value: T;
}

/**
 * The device IoGetDmaAdapter is asked about (the physical device object).
 * `requesterId` is the device's bus/device/function on the simulated PCI bus;
 * the verifier uses it to tie device DMA to what the HAL mapped for it.
 */
export interface DmaPhysicalDevice {
  readonly name?: string;
  readonly requesterId?: number | null;
  /** A DEVICE_OBJECT's PCI function, when the device object stands for hardware. */
  readonly pci?: { readonly requesterId: number; readonly function: { readonly name: string } } | null;
  readonly displayName?: string;
}

/** The requester ID and name of the device behind a device object, as far as it says. */
export function identifyDevice(d: DmaPhysicalDevice): { requesterId: number | null; name: string } {
  const requesterId = d.requesterId ?? d.pci?.requesterId ?? null;
  return { requesterId, name: d.name ?? d.pci?.function.name ?? d.displayName ?? `device ${requesterId ?? '(off the bus)'}` };
}

export type { DmaDeviceObject } from './dma-device-object';

export interface DMA_OPERATIONS {
  PutDmaAdapter(adapter: DMA_ADAPTER): void;
  AllocateCommonBuffer(adapter: DMA_ADAPTER, length: number, logicalAddress: PHYSICAL_ADDRESS, cacheEnabled: boolean): number | null;
  FreeCommonBuffer(adapter: DMA_ADAPTER, length: number, logicalAddress: PHYSICAL_ADDRESS, virtualAddress: number, cacheEnabled: boolean): void;
  AllocateAdapterChannel(adapter: DMA_ADAPTER, deviceObject: DmaDeviceObject, numberOfMapRegisters: number, executionRoutine: DRIVER_CONTROL, context: unknown): NtStatus;
  FlushAdapterBuffers(adapter: DMA_ADAPTER, mdl: MDL, mapRegisterBase: MapRegisterBase, currentVa: number, length: number, writeToDevice: boolean): boolean;
  FreeAdapterChannel(adapter: DMA_ADAPTER): void;
  FreeMapRegisters(adapter: DMA_ADAPTER, mapRegisterBase: MapRegisterBase, numberOfMapRegisters: number): void;
  MapTransfer(adapter: DMA_ADAPTER, mdl: MDL, mapRegisterBase: MapRegisterBase, currentVa: number, length: Out<number>, writeToDevice: boolean): PHYSICAL_ADDRESS;
  GetDmaAlignment(adapter: DMA_ADAPTER): number;
  GetScatterGatherList(adapter: DMA_ADAPTER, deviceObject: DmaDeviceObject, mdl: MDL, currentVa: number, length: number, executionRoutine: DRIVER_LIST_CONTROL, context: unknown, writeToDevice: boolean): NtStatus;
  PutScatterGatherList(adapter: DMA_ADAPTER, scatterGather: SCATTER_GATHER_LIST, writeToDevice: boolean): void;
  CalculateScatterGatherList(adapter: DMA_ADAPTER, mdl: MDL | null, currentVa: number, length: number): ScatterGatherListSize;
  BuildScatterGatherList(adapter: DMA_ADAPTER, deviceObject: DmaDeviceObject, mdl: MDL, currentVa: number, length: number, executionRoutine: DRIVER_LIST_CONTROL, context: unknown, writeToDevice: boolean, scatterGatherBuffer: number, scatterGatherLength: number): NtStatus;
}

export interface DMA_ADAPTER {
  readonly Version: number;
  readonly Size: number;
  readonly DmaOperations: DMA_OPERATIONS;
}

export class DmaAdapter implements DMA_ADAPTER {
  readonly Version = 1;
  readonly Size = 16;
  readonly channel: AdapterChannel;
  readonly lists: ScatterGatherLists;
  readonly commonBuffers: CommonBuffers;
  /** The driver that obtained the adapter, for leak checks at unload. */
  readonly driver: string | null;
  /** The driver's IoGetDmaAdapter call, for an adapter never released. */
  readonly acquired: Acquisition | null;
  readonly deviceName: string;
  readonly requesterId: number | null;
  released = false;
  /** The calls on this adapter that failed (failed-dma-calls.ts). */
  readonly failedCalls: FailedDmaCall[] = [];

  constructor(
    /** A number that identifies the adapter in bug-check parameters (its "address"); the HAL numbers its adapters from 1. */
    readonly id: number,
    readonly kernel: Kernel,
    readonly verifier: DmaVerifier,
    readonly DmaOperations: DMA_OPERATIONS,
    device: { requesterId: number | null; name: string },
    readonly description: Readonly<DEVICE_DESCRIPTION>,
    readonly mapRegisters: MapRegisterFile,
    /** Device addresses: physical, or IOVAs when the IOMMU is on. */
    readonly addressing: DeviceAddressSpace,
  ) {
    this.driver = kernel.cpu.currentDriver;
    this.acquired = kernel.cpu.acquisition('IoGetDmaAdapter');
    this.requesterId = device.requesterId;
    this.deviceName = device.name;
    this.channel = new AdapterChannel(this);
    this.lists = new ScatterGatherLists(this);
    this.commonBuffers = new CommonBuffers(this);
  }

  get label(): string {
    return `DMA adapter #${this.id} of ${this.deviceName}`;
  }

  get numberOfMapRegisters(): number {
    return this.mapRegisters.granted;
  }

  /**
   * Entry checks of every DMA routine: charge the call, refuse a released
   * adapter (0x18), and flag a call above the routine's documented IRQL.
   * Returns false when the routine must not go on.
   */
  enter(routine: string, maxIrql: number = DISPATCH_LEVEL): boolean {
    this.kernel.clock.charge(COST.adapterCall.ns, `hal:${routine}`);
    if (this.released) {
      this.verifier.report('VER-ADAPTER-USED-AFTER-RELEASE', this.id, 0, 0, `${routine} called on ${this.label} after PutDmaAdapter released it`);
      return false;
    }
    const irql = this.kernel.cpu.irql;
    if (irql > maxIrql) {
      this.verifier.reportWrongIrql(irql, maxIrql, `${routine} called at ${irqlName(irql)}; it may be called at ${irqlName(maxIrql)} at most`);
    }
    return true;
  }

  /** Tell the verifier the device may now DMA in `ranges`. */
  map(kind: MappingKind, ranges: readonly DeviceRange[], mdlId: number, writeToDevice: boolean | null, label: string): DeviceMapping {
    const m: DeviceMapping = { kind, requesterId: this.requesterId, adapterId: this.id, ranges, mdlId, writeToDevice, label: `${label} on ${this.label}` };
    this.verifier.registerMapping(m);
    return m;
  }

  unmap(m: DeviceMapping): void {
    this.verifier.unregisterMapping(m);
  }

  /** What the adapter still holds, for PutDmaAdapter and unload checks. */
  outstanding(): { commonBuffers: number; channels: number; mapRegisters: number; scatterGatherLists: number } {
    return {
      commonBuffers: this.commonBuffers.outstandingCount,
      channels: this.channel.outstandingChannels,
      mapRegisters: this.channel.outstandingMapRegisters,
      scatterGatherLists: this.lists.outstandingCount,
    };
  }

  /** Where the driver acquired what the adapter still holds: common buffers, the channel and kept registers, lists, oldest first within each. */
  outstandingAcquisitions(): (Acquisition | null)[] {
    return [...this.commonBuffers.outstandingAcquisitions(), ...this.channel.outstandingAcquisitions(), ...this.lists.outstandingAcquisitions()];
  }

  /**
   * PutDmaAdapter: everything must be freed first (0x07..0x0A); then the bounce pages go back. A finding
   * names where the driver acquired the first of what it kept: that, not its PutDmaAdapter, is what to fix.
   */
  PutDmaAdapter(): void {
    if (!this.enter('PutDmaAdapter', PASSIVE_LEVEL)) return;
    const o = this.outstanding();
    const at = (acquired: (Acquisition | null)[]) => acquiredPlace(...acquired).place;
    if (o.commonBuffers > 0) this.verifier.report('VER-ADAPTER-RELEASED-WITH-COMMON-BUFFERS', this.id, o.commonBuffers, 0, `PutDmaAdapter on ${this.label} with ${o.commonBuffers} common buffer(s) not freed`, at(this.commonBuffers.outstandingAcquisitions()));
    if (o.channels > 0) this.verifier.report('VER-ADAPTER-RELEASED-WITH-CHANNELS', this.id, o.channels, 0, `PutDmaAdapter on ${this.label} with ${o.channels} adapter channel(s) held or requested`, at(this.channel.outstandingAcquisitions()));
    if (o.mapRegisters > 0) this.verifier.report('VER-ADAPTER-RELEASED-WITH-MAP-REGISTERS', this.id, o.mapRegisters, 0, `PutDmaAdapter on ${this.label} with ${o.mapRegisters} map register(s) not freed`, at(this.channel.outstandingAcquisitions()));
    if (o.scatterGatherLists > 0) this.verifier.report('VER-ADAPTER-RELEASED-WITH-SG-LISTS', this.id, o.scatterGatherLists, 0, `PutDmaAdapter on ${this.label} with ${o.scatterGatherLists} scatter/gather list(s) not put back`, at(this.lists.outstandingAcquisitions()));
    this.channel.cancelQueued();
    this.lists.cancelWaiting();
    this.released = true;
    this.mapRegisters.releaseBouncePages();
  }
}

/** The adapter behind a DMA_ADAPTER a driver passes in; anything else is a programming error. */
export function adapterOf(a: DMA_ADAPTER): DmaAdapter {
  if (!(a instanceof DmaAdapter)) throw new TypeError(`a DMA routine was called with ${a === null ? 'a NULL adapter' : 'an object that is not a DMA adapter from IoGetDmaAdapter'}`);
  return a;
}
