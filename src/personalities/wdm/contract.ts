/**
 * The driver contract: what a driver under test implements, as one typed
 * interface. A driver module default-exports an object of this type (or
 * exports it as `driver`); the suite loads it by path (loader.ts), loads it
 * into a simulated machine the way Windows loads a WDM driver, and runs the
 * scenarios of the conformance classes it claims.
 *
 *   DriverEntry   once, at load: register dispatch routines in
 *                 DriverObject.MajorFunction (create, close, read, write,
 *                 device control, cleanup), keep the kernel API.
 *   AddDevice     once per device: IoCreateDevice, set DO_DIRECT_IO or
 *                 DO_BUFFERED_IO, attach to the physical device object, clear
 *                 DO_DEVICE_INITIALIZING.
 *   StartDevice   with the device's resources (BARs, interrupt): get a DMA
 *                 adapter, enable the device.
 *   InterruptService / DpcForIsr   optional; when declared, the I/O manager
 *                 connects the ISR to the device's interrupt and makes the DPC
 *                 the device's DpcForIsr (IoRequestDpc) before StartDevice.
 *                 A driver may instead call IoConnectInterrupt itself.
 *   RemoveDevice  release what StartDevice took and IoDeleteDevice.
 *   DriverUnload  last; anything still held is a leak.
 *
 * docs/driver-contract.md explains every part with a small example driver.
 * This module also re-exports the types and constants a driver needs, so a
 * driver imports from one place.
 */
import type { NtStatus } from '../../machine/ntstatus';
import type { DEVICE_OBJECT } from '../../kernel/io/device-object';
import type { DeviceResources } from '../../kernel/io/device-resources';
import type { DRIVER_OBJECT } from '../../kernel/io/driver-object';
import type { KDPC } from '../../kernel/io/dpc';
import type { KINTERRUPT } from '../../kernel/io/interrupt';
import type { IRP } from '../../kernel/io/irp';
import type { KernelApi } from './kernel-api';
import type { ConformanceClass } from '../../conformance/classes';
import type { RuleRef } from '../../rules/rule-ref';

export type { RuleRef } from '../../rules/rule-ref';

export type { ConformanceClass } from '../../conformance/classes';

export interface DriverModule {
  /** The driver's name: reports, bug checks and findings name it. */
  readonly name: string;
  /** The classes of scenarios the driver claims to pass; the others are skipped for it, with the reason. */
  readonly conformanceClasses: readonly ConformanceClass[];
  /** A deliberately faulty driver names the rule it breaks (e.g. "PAGE-5", docs/RULES.md) or a verifier catalog entry; the mutation check expects that rule's scenarios to reject it. */
  readonly breaksRule?: RuleRef;
  /** One sentence for the report. */
  readonly description?: string;

  DriverEntry(DriverObject: DRIVER_OBJECT, Kernel: KernelApi): NtStatus;
  AddDevice(DriverObject: DRIVER_OBJECT, PhysicalDeviceObject: DEVICE_OBJECT): NtStatus;
  StartDevice(DeviceObject: DEVICE_OBJECT, Resources: DeviceResources): NtStatus;
  RemoveDevice?(DeviceObject: DEVICE_OBJECT): void;
  InterruptService?(Interrupt: KINTERRUPT, ServiceContext: unknown): boolean;
  DpcForIsr?(Dpc: KDPC, DeviceObject: DEVICE_OBJECT, Irp: IRP | null, Context: unknown): void;
  DriverUnload?(DriverObject: DRIVER_OBJECT): void;
}

// What a driver needs besides the kernel API object: types, structures and constants.
export type { KernelApi } from './kernel-api';
export type { NtStatus } from '../../machine/ntstatus';
export { STATUS, NT_SUCCESS, RaisedStatus } from '../../machine/ntstatus';
export { PASSIVE_LEVEL, APC_LEVEL, DISPATCH_LEVEL, DEVICE_LEVEL } from '../../machine/irql';
export type { Irql } from '../../machine/irql';
export { PAGE_SIZE, ADDRESS_AND_SIZE_TO_SPAN_PAGES } from '../../contracts/units';
export { DEVICE_OBJECT, DO_BUFFERED_IO, DO_DIRECT_IO, DO_DEVICE_INITIALIZING, DO_POWER_PAGABLE } from '../../kernel/io/device-object';
export type { DeviceResources, MemoryResource, PortResource, InterruptResource } from '../../kernel/io/device-resources';
export { DRIVER_OBJECT } from '../../kernel/io/driver-object';
export type { DRIVER_DISPATCH, DRIVER_UNLOAD } from '../../kernel/io/driver-object';
export { FILE_OBJECT } from '../../kernel/io/file-object';
export { KAPC_STATE } from '../../kernel/io/process';
export type { PEPROCESS } from '../../kernel/io/process';
export { IRP, SL_PENDING_RETURNED } from '../../kernel/io/irp';
export type { IO_STACK_LOCATION, DRIVER_CANCEL, IO_COMPLETION_ROUTINE } from '../../kernel/io/irp';
export {
  IRP_MJ_CREATE,
  IRP_MJ_CLOSE,
  IRP_MJ_READ,
  IRP_MJ_WRITE,
  IRP_MJ_FLUSH_BUFFERS,
  IRP_MJ_DEVICE_CONTROL,
  IRP_MJ_INTERNAL_DEVICE_CONTROL,
  IRP_MJ_CLEANUP,
  IRP_MJ_POWER,
  IRP_MJ_PNP,
} from '../../kernel/io/major-function';
export { CTL_CODE, METHOD_BUFFERED, METHOD_IN_DIRECT, METHOD_OUT_DIRECT, METHOD_NEITHER, FILE_ANY_ACCESS, FILE_READ_ACCESS, FILE_WRITE_ACCESS, FILE_DEVICE_UNKNOWN, METHOD_FROM_CTL_CODE } from '../../contracts/ioctl';
export { KEVENT } from '../../kernel/io/event';
export type { EVENT_TYPE } from '../../kernel/io/event';
export { KDPC } from '../../kernel/io/dpc';
export { KTIMER } from '../../kernel/io/timer';
export { KSPIN_LOCK } from '../../kernel/io/spin-lock';
export type { KINTERRUPT } from '../../kernel/io/interrupt';
export { IO_CSQ, IO_CSQ_IRP_CONTEXT } from '../../kernel/io/cancel-safe-queue';
export type { IO_WORKITEM } from '../../kernel/io/work-item';
export type { MDL, LOCK_OPERATION, MM_PAGE_PRIORITY } from '../../kernel/mm/mdl';
export { MDL_MAPPED_TO_SYSTEM_VA, MDL_PAGES_LOCKED, MDL_SOURCE_IS_NONPAGED_POOL, MDL_PARTIAL } from '../../kernel/mm/mdl';
export type { DEVICE_DESCRIPTION } from '../../kernel/hal/device-description';
export { DEVICE_DESCRIPTION_VERSION, DEVICE_DESCRIPTION_VERSION3 } from '../../kernel/hal/device-description';
export type { DMA_ADAPTER, DMA_OPERATIONS, PHYSICAL_ADDRESS, Out } from '../../kernel/hal/dma-adapter';
export type { MapRegisterBase } from '../../kernel/hal/map-registers';
export type { SCATTER_GATHER_LIST, SCATTER_GATHER_ELEMENT } from '../../kernel/hal/scatter-gather-list';
