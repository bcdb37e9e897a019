/**
 * The kernel API a driver under test receives as DriverEntry's second
 * argument: the documented routines, under their Windows names and with the
 * parameter names of wdm.h (ntddk.h for the few that live there), and nothing
 * else. This declaration is the contract; kernel-api-binding.ts binds it to
 * one machine and the compiler checks the binding against it, so the contract
 * changes only when this file does.
 *
 * Two simulator conventions, both documented in docs/driver-contract.md:
 * - Out-parameters are objects (`{ value }`, a PHYSICAL_ADDRESS `{ QuadPart }`)
 *   or returned in a result object (IoCreateDevice returns
 *   `{ status, DeviceObject }`).
 * - Memory is reached through RtlCopyMemory and friends, whose source or
 *   destination may be a Uint8Array standing for a local variable; a C driver
 *   would dereference the pointer instead. Registers are reached by physical
 *   address (the resource's Start plus the register offset).
 */
import type { Irql } from '../../machine/irql';
import type { NtStatus } from '../../machine/ntstatus';
import type { DEVICE_DESCRIPTION } from '../../kernel/hal/device-description';
import type { DMA_ADAPTER, DmaPhysicalDevice, Out, PHYSICAL_ADDRESS } from '../../kernel/hal/dma-adapter';
import type { KPROCESSOR_MODE, MEMORY_CACHING_TYPE } from '../../kernel/mm/memory-manager';
import type { LOCK_OPERATION, MDL, MM_PAGE_PRIORITY } from '../../kernel/mm/mdl';
import type { PoolType } from '../../kernel/mm/pool';
import type { CSQ_COMPLETE_CANCELED_IRP, IO_CSQ, IO_CSQ_IRP_CONTEXT } from '../../kernel/io/cancel-safe-queue';
import type { DEVICE_OBJECT } from '../../kernel/io/device-object';
import type { KDEFERRED_ROUTINE, KDPC } from '../../kernel/io/dpc';
import type { DRIVER_OBJECT } from '../../kernel/io/driver-object';
import type { EVENT_TYPE, KEVENT } from '../../kernel/io/event';
import type { FILE_OBJECT } from '../../kernel/io/file-object';
import type { KINTERRUPT, KINTERRUPT_MODE, KSERVICE_ROUTINE, KSYNCHRONIZE_ROUTINE } from '../../kernel/io/interrupt';
import type { IO_DPC_ROUTINE } from '../../kernel/io/io-manager';
import type { DRIVER_CANCEL, IO_COMPLETION_ROUTINE, IO_STACK_LOCATION, IRP } from '../../kernel/io/irp';
import type { KAPC_STATE, PEPROCESS } from '../../kernel/io/process';
import type { KSPIN_LOCK } from '../../kernel/io/spin-lock';
import type { KTIMER } from '../../kernel/io/timer';
import type { IO_WORKITEM, IO_WORKITEM_ROUTINE, WORK_QUEUE_TYPE } from '../../kernel/io/work-item';

/** The properties IoGetDeviceProperty answers: the PCI bus number and the device's address on it. */
export type DEVICE_REGISTRY_PROPERTY = 'DevicePropertyBusNumber' | 'DevicePropertyAddress';
/** The bus data HalGetBusDataByOffset reaches: PCI configuration space. */
export type BUS_DATA_TYPE = 'PCIConfiguration';
/** Why a thread waits (KeWaitForSingleObject); a driver waits for Executive. */
export type KWAIT_REASON = 'Executive' | 'UserRequest';

export interface KernelApi {
  // --- device objects ----------------------------------------------------------
  IoCreateDevice(DriverObject: DRIVER_OBJECT, DeviceExtensionSize: number, DeviceName: string | null, DeviceType: number, DeviceCharacteristics: number, Exclusive: boolean): { status: NtStatus; DeviceObject: DEVICE_OBJECT | null };
  IoDeleteDevice(DeviceObject: DEVICE_OBJECT): void;
  IoCreateSymbolicLink(SymbolicLinkName: string, DeviceName: string): NtStatus;
  IoDeleteSymbolicLink(SymbolicLinkName: string): NtStatus;
  IoAttachDeviceToDeviceStack(SourceDevice: DEVICE_OBJECT, TargetDevice: DEVICE_OBJECT): DEVICE_OBJECT | null;
  IoDetachDevice(TargetDevice: DEVICE_OBJECT): void;
  /** Bus number, or PCI address (device << 16 | function), of a physical device object; the value is returned rather than written to a buffer. */
  IoGetDeviceProperty(DeviceObject: DEVICE_OBJECT, DeviceProperty: DEVICE_REGISTRY_PROPERTY): { status: NtStatus; value: number };

  // --- IRPs --------------------------------------------------------------------
  IoGetCurrentIrpStackLocation(Irp: IRP): IO_STACK_LOCATION;
  IoGetNextIrpStackLocation(Irp: IRP): IO_STACK_LOCATION;
  IoCopyCurrentIrpStackLocationToNext(Irp: IRP): void;
  IoSkipCurrentIrpStackLocation(Irp: IRP): void;
  IoMarkIrpPending(Irp: IRP): void;
  IoSetCancelRoutine(Irp: IRP, CancelRoutine: DRIVER_CANCEL | null): DRIVER_CANCEL | null;
  IoSetCompletionRoutine(Irp: IRP, CompletionRoutine: IO_COMPLETION_ROUTINE | null, Context: unknown, InvokeOnSuccess?: boolean, InvokeOnError?: boolean, InvokeOnCancel?: boolean): void;
  IoCallDriver(DeviceObject: DEVICE_OBJECT, Irp: IRP): NtStatus;
  IoCompleteRequest(Irp: IRP, PriorityBoost?: number): void;
  IoCancelIrp(Irp: IRP): boolean;
  /** Returns the IRQL to give back to IoReleaseCancelSpinLock, where wdm.h writes it through the `Irql` out-parameter. */
  IoAcquireCancelSpinLock(): Irql;
  IoReleaseCancelSpinLock(Irql: Irql): void;
  IoAllocateIrp(StackSize: number, ChargeQuota?: boolean): IRP | null;
  IoFreeIrp(Irp: IRP): void;
  IoReuseIrp(Irp: IRP, Iostatus: NtStatus): void;

  // --- cancel-safe queues ------------------------------------------------------
  /** The queue's callbacks are the simulator's own list; a driver only chooses how cancelled IRPs complete. */
  IoCsqInitialize(Csq: IO_CSQ, CompleteCanceledIrp?: CSQ_COMPLETE_CANCELED_IRP | null): NtStatus;
  IoCsqInsertIrp(Csq: IO_CSQ, Irp: IRP, Context: IO_CSQ_IRP_CONTEXT | null): void;
  IoCsqInsertIrpEx(Csq: IO_CSQ, Irp: IRP, Context: IO_CSQ_IRP_CONTEXT | null): NtStatus;
  IoCsqRemoveIrp(Csq: IO_CSQ, Context: IO_CSQ_IRP_CONTEXT): IRP | null;
  /** PeekContext: null for any IRP, a file object for that handle's IRPs, or a predicate (the CsqPeekNextIrp a driver would write). */
  IoCsqRemoveNextIrp(Csq: IO_CSQ, PeekContext?: FILE_OBJECT | ((Irp: IRP) => boolean) | null): IRP | null;

  // --- interrupts, DPCs, timers, work items ------------------------------------
  IoConnectInterrupt(ServiceRoutine: KSERVICE_ROUTINE, ServiceContext: unknown, SpinLock: KSPIN_LOCK | null, Vector: number, Irql: Irql, SynchronizeIrql: Irql, InterruptMode?: KINTERRUPT_MODE, ShareVector?: boolean, ProcessorEnableMask?: number, FloatingSave?: boolean): { status: NtStatus; InterruptObject: KINTERRUPT | null };
  IoDisconnectInterrupt(InterruptObject: KINTERRUPT): void;
  KeSynchronizeExecution(Interrupt: KINTERRUPT, SynchronizeRoutine: KSYNCHRONIZE_ROUTINE, SynchronizeContext: unknown): boolean;
  IoInitializeDpcRequest(DeviceObject: DEVICE_OBJECT, DpcRoutine: IO_DPC_ROUTINE): void;
  IoRequestDpc(DeviceObject: DEVICE_OBJECT, Irp: IRP | null, Context: unknown): void;
  KeInitializeDpc(Dpc: KDPC, DeferredRoutine: KDEFERRED_ROUTINE, DeferredContext: unknown): void;
  KeInsertQueueDpc(Dpc: KDPC, SystemArgument1: unknown, SystemArgument2: unknown): boolean;
  KeRemoveQueueDpc(Dpc: KDPC): boolean;
  KeInitializeTimer(Timer: KTIMER): void;
  /** DueTime in 100-ns units, negative for relative. */
  KeSetTimer(Timer: KTIMER, DueTime: number, Dpc?: KDPC | null): boolean;
  KeSetTimerEx(Timer: KTIMER, DueTime: number, Period: number, Dpc?: KDPC | null): boolean;
  KeCancelTimer(Timer: KTIMER): boolean;
  KeReadStateTimer(Timer: KTIMER): boolean;
  IoAllocateWorkItem(DeviceObject: DEVICE_OBJECT): IO_WORKITEM | null;
  IoQueueWorkItem(IoWorkItem: IO_WORKITEM, WorkerRoutine: IO_WORKITEM_ROUTINE, QueueType: WORK_QUEUE_TYPE, Context: unknown): void;
  IoFreeWorkItem(IoWorkItem: IO_WORKITEM): void;

  // --- events, waits, IRQL, spin locks -----------------------------------------
  KeInitializeEvent(Event: KEVENT, Type: EVENT_TYPE, State: boolean): void;
  /** Returns the event's previous state. */
  KeSetEvent(Event: KEVENT, Increment?: number, Wait?: boolean): number;
  KeClearEvent(Event: KEVENT): void;
  KeResetEvent(Event: KEVENT): number;
  KeReadStateEvent(Event: KEVENT): number;
  /** Timeout in 100-ns units, negative for relative; 0 just tests; null waits forever. */
  KeWaitForSingleObject(Object: KEVENT | KTIMER, WaitReason?: KWAIT_REASON, WaitMode?: KPROCESSOR_MODE, Alertable?: boolean, Timeout?: number | null): NtStatus;
  KeStallExecutionProcessor(MicroSeconds: number): void;
  /** Time since boot in 100-ns units. */
  KeQueryInterruptTime(): number;
  KeGetCurrentIrql(): Irql;
  KeRaiseIrql(NewIrql: Irql, OldIrql: Out<Irql>): void;
  KeLowerIrql(NewIrql: Irql): void;
  KeInitializeSpinLock(SpinLock: KSPIN_LOCK): void;
  KeAcquireSpinLock(SpinLock: KSPIN_LOCK, OldIrql: Out<Irql>): void;
  KeReleaseSpinLock(SpinLock: KSPIN_LOCK, NewIrql: Irql): void;
  KeAcquireSpinLockAtDpcLevel(SpinLock: KSPIN_LOCK): void;
  KeReleaseSpinLockFromDpcLevel(SpinLock: KSPIN_LOCK): void;
  /** Stop the machine, as a driver that detects fatal corruption may. */
  KeBugCheckEx(BugCheckCode: number, BugCheckParameter1: number, BugCheckParameter2: number, BugCheckParameter3: number, BugCheckParameter4: number): never;

  // --- processes ---------------------------------------------------------------
  /** The process whose context the caller runs in; null in a system thread or an arbitrary context (IRP_MJ_CLOSE, a DPC). */
  IoGetCurrentProcess(): PEPROCESS | null;
  /** Whether the process has begun exiting: its address space is being or has been torn down. */
  PsGetProcessExitProcessCalled(Process: PEPROCESS): boolean;
  /** Attach to a process's address space (at or below APC_LEVEL), e.g. to undo a user mapping made in it. */
  KeStackAttachProcess(PROCESS: PEPROCESS, ApcState: KAPC_STATE): void;
  KeUnstackDetachProcess(ApcState: KAPC_STATE): void;

  // --- MDLs and locking --------------------------------------------------------
  IoAllocateMdl(VirtualAddress: number, Length: number, SecondaryBuffer: boolean, ChargeQuota: boolean, Irp: IRP | null): MDL | null;
  IoFreeMdl(Mdl: MDL): void;
  IoBuildPartialMdl(SourceMdl: MDL, TargetMdl: MDL, VirtualAddress: number, Length: number): void;
  /** Raises RaisedStatus (catch it as __try/__except would) when the pages cannot be probed. */
  MmProbeAndLockPages(MemoryDescriptorList: MDL, AccessMode: KPROCESSOR_MODE, Operation: LOCK_OPERATION): void;
  MmUnlockPages(MemoryDescriptorList: MDL): void;
  MmBuildMdlForNonPagedPool(MemoryDescriptorList: MDL): void;
  MmGetSystemAddressForMdlSafe(Mdl: MDL, Priority?: MM_PAGE_PRIORITY): number | null;
  MmMapLockedPagesSpecifyCache(MemoryDescriptorList: MDL, AccessMode: KPROCESSOR_MODE, CacheType: MEMORY_CACHING_TYPE, RequestedAddress: number | null, BugCheckOnFailure: boolean, Priority?: MM_PAGE_PRIORITY): number | null;
  MmUnmapLockedPages(BaseAddress: number, MemoryDescriptorList: MDL): void;
  MmGetMdlVirtualAddress(Mdl: MDL): number;
  MmGetMdlByteCount(Mdl: MDL): number;
  MmGetMdlByteOffset(Mdl: MDL): number;
  MmGetMdlPfnArray(Mdl: MDL): readonly number[];

  // --- memory ------------------------------------------------------------------
  ExAllocatePoolWithTag(PoolType: PoolType, NumberOfBytes: number, Tag: string | number): number | null;
  ExFreePoolWithTag(P: number, Tag?: string | number): void;
  MmAllocateContiguousMemorySpecifyCache(NumberOfBytes: number, LowestAcceptableAddress: number, HighestAcceptableAddress: number, BoundaryAddressMultiple: number, CacheType: MEMORY_CACHING_TYPE): number | null;
  MmFreeContiguousMemory(BaseAddress: number): void;
  MmMapIoSpace(PhysicalAddress: number, NumberOfBytes: number, CacheType?: MEMORY_CACHING_TYPE): number | null;
  MmUnmapIoSpace(BaseAddress: number, NumberOfBytes: number): void;
  /** The physical address behind a resident virtual address (0 when not resident). */
  MmGetPhysicalAddress(BaseAddress: number): PHYSICAL_ADDRESS;
  MmIsAddressValid(VirtualAddress: number): boolean;
  /** The range must lie in user space and be aligned; raises STATUS_ACCESS_VIOLATION (or STATUS_DATATYPE_MISALIGNMENT) otherwise. */
  ProbeForRead(Address: number, Length: number, Alignment: number): void;
  /** As ProbeForRead, and every page must be writable now. */
  ProbeForWrite(Address: number, Length: number, Alignment: number): void;
  RtlCopyMemory(Destination: number | Uint8Array, Source: number | Uint8Array, Length: number): void;
  RtlMoveMemory(Destination: number | Uint8Array, Source: number | Uint8Array, Length: number): void;
  RtlZeroMemory(Destination: number | Uint8Array, Length: number): void;
  RtlFillMemory(Destination: number | Uint8Array, Length: number, Fill: number): void;
  /** How many leading bytes are equal. */
  RtlCompareMemory(Source1: number | Uint8Array, Source2: number | Uint8Array, Length: number): number;

  // --- HAL: DMA adapters -------------------------------------------------------
  /** The adapter's DmaOperations hold the rest of the DMA routines (GetScatterGatherList, AllocateCommonBuffer ...). */
  IoGetDmaAdapter(PhysicalDeviceObject: DEVICE_OBJECT | DmaPhysicalDevice, DeviceDescription: DEVICE_DESCRIPTION, NumberOfMapRegisters: Out<number>): DMA_ADAPTER | null;
  KeFlushIoBuffers(Mdl: MDL, ReadOperation: boolean, DmaOperation: boolean): void;
  /**
   * Boot-preallocated contiguous DMA buffers (CONT-3, seed 002): take the first
   * free one of the device's install-configured buffers whose size and option
   * flags match (null when none does), and return it when done. No Windows
   * routine does this; the names are plain English on purpose.
   */
  takePreallocatedBuffer(DmaAdapter: DMA_ADAPTER, Length: number, Options: number, LogicalAddress: PHYSICAL_ADDRESS): number | null;
  returnPreallocatedBuffer(DmaAdapter: DMA_ADAPTER, VirtualAddress: number): void;

  // --- HAL: PCI configuration space, registers and ports -----------------------
  /** SlotNumber is PCI_SLOT_NUMBER (device | function << 5); returns the bytes read (0: no device). */
  HalGetBusDataByOffset(BusDataType: BUS_DATA_TYPE, BusNumber: number, SlotNumber: number, Buffer: Uint8Array, Offset: number, Length: number): number;
  HalSetBusDataByOffset(BusDataType: BUS_DATA_TYPE, BusNumber: number, SlotNumber: number, Buffer: Uint8Array, Offset: number, Length: number): number;
  READ_REGISTER_UCHAR(Register: number): number;
  READ_REGISTER_USHORT(Register: number): number;
  READ_REGISTER_ULONG(Register: number): number;
  WRITE_REGISTER_UCHAR(Register: number, Value: number): void;
  WRITE_REGISTER_USHORT(Register: number, Value: number): void;
  WRITE_REGISTER_ULONG(Register: number, Value: number): void;
  READ_PORT_UCHAR(Port: number): number;
  READ_PORT_USHORT(Port: number): number;
  READ_PORT_ULONG(Port: number): number;
  WRITE_PORT_UCHAR(Port: number, Value: number): void;
  WRITE_PORT_USHORT(Port: number, Value: number): void;
  WRITE_PORT_ULONG(Port: number, Value: number): void;
  READ_REGISTER_BUFFER_ULONG(Register: number, Buffer: Uint32Array, Count: number): void;
  WRITE_REGISTER_BUFFER_ULONG(Register: number, Buffer: Uint32Array, Count: number): void;
  READ_PORT_BUFFER_ULONG(Port: number, Buffer: Uint32Array, Count: number): void;
  WRITE_PORT_BUFFER_ULONG(Port: number, Buffer: Uint32Array, Count: number): void;
}
