/**
 * The kernel API (kernel-api.ts) bound to one machine: each documented routine
 * calls into the simulated kernel, I/O manager, HAL or PCI bus. The routines
 * object must satisfy the declared KernelApi, so a routine added, dropped or
 * retyped here without changing the contract does not compile.
 *
 * Every routine first checks the driver watchdog, so a driver that polls
 * forever is reported as hung instead of running forever.
 */
import { BugCheck } from '../../machine/bug-check';
import { APC_LEVEL, DISPATCH_LEVEL, Irql } from '../../machine/irql';
import { NtStatus, RaisedStatus, STATUS } from '../../machine/ntstatus';
import { PAGE_SIZE, formatAddress, pageOf } from '../../contracts/units';
import type { PciBus } from '../../pci/bus';
import type { Hal } from '../../kernel/hal/hal';
import type { DEVICE_DESCRIPTION } from '../../kernel/hal/device-description';
import type { DMA_ADAPTER, DmaPhysicalDevice, Out, PHYSICAL_ADDRESS } from '../../kernel/hal/dma-adapter';
import * as registers from '../../kernel/hal/register-access';
import type { Kernel } from '../../kernel/kernel';
import { MM_USER_PROBE_ADDRESS, isSystemAddress } from '../../kernel/mm/layout';
import type { KPROCESSOR_MODE, MEMORY_CACHING_TYPE } from '../../kernel/mm/memory-manager';
import { LOCK_OPERATION, MDL, MM_PAGE_PRIORITY, MmGetMdlByteCount, MmGetMdlByteOffset, MmGetMdlPfnArray, MmGetMdlVirtualAddress } from '../../kernel/mm/mdl';
import type { PoolType } from '../../kernel/mm/pool';
import { CSQ_COMPLETE_CANCELED_IRP, IO_CSQ, IoCsqInitialize, IoCsqInsertIrp, IoCsqInsertIrpEx, IoCsqRemoveIrp, IoCsqRemoveNextIrp } from '../../kernel/io/cancel-safe-queue';
import type { DEVICE_OBJECT } from '../../kernel/io/device-object';
import { KDPC, KDEFERRED_ROUTINE } from '../../kernel/io/dpc';
import type { DRIVER_OBJECT } from '../../kernel/io/driver-object';
import { KEVENT, KeClearEvent, KeInitializeEvent, KeReadStateEvent, KeResetEvent, KeSetEvent } from '../../kernel/io/event';
import type { KINTERRUPT, KINTERRUPT_MODE, KSERVICE_ROUTINE, KSYNCHRONIZE_ROUTINE } from '../../kernel/io/interrupt';
import type { IO_DPC_ROUTINE, IoManager } from '../../kernel/io/io-manager';
import { IRP, IoCopyCurrentIrpStackLocationToNext, IoGetCurrentIrpStackLocation, IoGetNextIrpStackLocation, IoSetCancelRoutine, IoSetCompletionRoutine, IoSkipCurrentIrpStackLocation } from '../../kernel/io/irp';
import { KAPC_STATE, PEPROCESS } from '../../kernel/io/process';
import type { KSPIN_LOCK } from '../../kernel/io/spin-lock';
import type { KTIMER } from '../../kernel/io/timer';
import type { IO_WORKITEM, IO_WORKITEM_ROUTINE, WORK_QUEUE_TYPE } from '../../kernel/io/work-item';
import type { BUS_DATA_TYPE, DEVICE_REGISTRY_PROPERTY, KernelApi } from './kernel-api';

export interface KernelApiDependencies {
  readonly kernel: Kernel;
  readonly io: IoManager;
  /** The machine's HAL (IoGetDmaAdapter, KeFlushIoBuffers); without one those routines fail as unsupported. */
  readonly hal?: Hal | null;
  /** The PCI bus, for register, port and configuration-space access. */
  readonly bus?: PciBus | null;
}

/** INVALID_PROCESS_ATTACH_ATTEMPT: attaching to a process where or how it cannot be done. */
const INVALID_PROCESS_ATTACH_ATTEMPT = 0x05;


/** What the routines need but the machine lacks (no HAL, no bus): a clear error, not a crash of the simulator. */
class NotOnThisMachine extends Error {
  constructor(routine: string, what: string) {
    super(`${routine}: this machine has no ${what}`);
    this.name = 'NotOnThisMachine';
  }
}

export function createKernelApi(deps: KernelApiDependencies): KernelApi {
  const { kernel, io } = deps;
  const { mm, mdl, cpu, clock } = kernel;
  const hal = (routine: string): Hal => {
    if (!deps.hal) throw new NotOnThisMachine(routine, 'HAL DMA layer');
    return deps.hal;
  };
  const bus = (routine: string): PciBus => {
    if (!deps.bus) throw new NotOnThisMachine(routine, 'PCI bus');
    return deps.bus;
  };
  /** Copy source bytes: a system or user address in the current context, or a driver-local array. */
  const bytesOf = (source: number | Uint8Array, length: number): Uint8Array => (typeof source === 'number' ? mm.readVirtual(source, length) : source.subarray(0, length));
  const store = (destination: number | Uint8Array, bytes: Uint8Array): void => {
    if (typeof destination === 'number') mm.writeVirtual(destination, bytes);
    else destination.set(bytes);
  };
  const requesterIdOf = (slotNumber: number): number => ((slotNumber & 0x1f) << 3) | ((slotNumber >> 5) & 0x7);

  const routines = {
    // --- device objects ------------------------------------------------------
    IoCreateDevice: (DriverObject: DRIVER_OBJECT, DeviceExtensionSize: number, DeviceName: string | null, DeviceType: number, DeviceCharacteristics: number, Exclusive: boolean) =>
      io.IoCreateDevice(DriverObject, DeviceExtensionSize, DeviceName, DeviceType, DeviceCharacteristics, Exclusive),
    IoDeleteDevice: (DeviceObject: DEVICE_OBJECT) => io.IoDeleteDevice(DeviceObject),
    IoCreateSymbolicLink: (SymbolicLinkName: string, DeviceName: string) => io.IoCreateSymbolicLink(SymbolicLinkName, DeviceName),
    IoDeleteSymbolicLink: (SymbolicLinkName: string) => io.IoDeleteSymbolicLink(SymbolicLinkName),
    IoAttachDeviceToDeviceStack: (SourceDevice: DEVICE_OBJECT, TargetDevice: DEVICE_OBJECT) => io.IoAttachDeviceToDeviceStack(SourceDevice, TargetDevice),
    IoDetachDevice: (TargetDevice: DEVICE_OBJECT) => io.IoDetachDevice(TargetDevice),
    /** Bus number and PCI address (device << 16 | function) of a physical device object. */
    IoGetDeviceProperty: (DeviceObject: DEVICE_OBJECT, DeviceProperty: DEVICE_REGISTRY_PROPERTY): { status: NtStatus; value: number } => {
      const pci = DeviceObject.pci;
      if (!pci) return { status: STATUS.INVALID_DEVICE_REQUEST, value: 0 };
      const rid = pci.requesterId;
      return { status: STATUS.SUCCESS, value: DeviceProperty === 'DevicePropertyBusNumber' ? rid >> 8 : (((rid >> 3) & 0x1f) << 16) | (rid & 0x7) };
    },

    // --- IRPs ----------------------------------------------------------------
    IoGetCurrentIrpStackLocation,
    IoGetNextIrpStackLocation,
    IoCopyCurrentIrpStackLocationToNext,
    IoSkipCurrentIrpStackLocation,
    IoMarkIrpPending: (Irp: IRP) => io.IoMarkIrpPending(Irp),
    IoSetCancelRoutine,
    IoSetCompletionRoutine,
    IoCallDriver: (DeviceObject: DEVICE_OBJECT, Irp: IRP) => io.IoCallDriver(DeviceObject, Irp),
    IoCompleteRequest: (Irp: IRP, PriorityBoost = 0) => io.IoCompleteRequest(Irp, PriorityBoost),
    IoCancelIrp: (Irp: IRP) => io.IoCancelIrp(Irp),
    IoAcquireCancelSpinLock: (): Irql => io.IoAcquireCancelSpinLock(),
    IoReleaseCancelSpinLock: (Irql: Irql) => io.IoReleaseCancelSpinLock(Irql),
    IoAllocateIrp: (StackSize: number, ChargeQuota = false) => io.IoAllocateIrp(StackSize, ChargeQuota),
    IoFreeIrp: (Irp: IRP) => io.IoFreeIrp(Irp),
    IoReuseIrp: (Irp: IRP, Iostatus: NtStatus) => io.IoReuseIrp(Irp, Iostatus),

    // --- cancel-safe queues --------------------------------------------------
    IoCsqInitialize: (Csq: IO_CSQ, CompleteCanceledIrp: CSQ_COMPLETE_CANCELED_IRP | null = null) => IoCsqInitialize(Csq, io, CompleteCanceledIrp),
    IoCsqInsertIrp,
    IoCsqInsertIrpEx,
    IoCsqRemoveIrp,
    IoCsqRemoveNextIrp,

    // --- interrupts, DPCs, timers, work items --------------------------------
    IoConnectInterrupt: (ServiceRoutine: KSERVICE_ROUTINE, ServiceContext: unknown, SpinLock: KSPIN_LOCK | null, Vector: number, Irql: Irql, SynchronizeIrql: Irql, InterruptMode: KINTERRUPT_MODE = 'LevelSensitive', ShareVector = true, ProcessorEnableMask = 1, FloatingSave = false) =>
      io.interrupts.IoConnectInterrupt(ServiceRoutine, ServiceContext, SpinLock, Vector, Irql, SynchronizeIrql, InterruptMode, ShareVector, ProcessorEnableMask, FloatingSave),
    IoDisconnectInterrupt: (InterruptObject: KINTERRUPT) => io.interrupts.IoDisconnectInterrupt(InterruptObject),
    KeSynchronizeExecution: (Interrupt: KINTERRUPT, SynchronizeRoutine: KSYNCHRONIZE_ROUTINE, SynchronizeContext: unknown) => io.interrupts.KeSynchronizeExecution(Interrupt, SynchronizeRoutine, SynchronizeContext),
    IoInitializeDpcRequest: (DeviceObject: DEVICE_OBJECT, DpcRoutine: IO_DPC_ROUTINE) => io.IoInitializeDpcRequest(DeviceObject, DpcRoutine),
    IoRequestDpc: (DeviceObject: DEVICE_OBJECT, Irp: IRP | null, Context: unknown) => io.IoRequestDpc(DeviceObject, Irp, Context),
    KeInitializeDpc: (Dpc: KDPC, DeferredRoutine: KDEFERRED_ROUTINE, DeferredContext: unknown) => io.dpcs.KeInitializeDpc(Dpc, DeferredRoutine, DeferredContext),
    KeInsertQueueDpc: (Dpc: KDPC, SystemArgument1: unknown, SystemArgument2: unknown) => io.dpcs.KeInsertQueueDpc(Dpc, SystemArgument1, SystemArgument2),
    KeRemoveQueueDpc: (Dpc: KDPC) => io.dpcs.KeRemoveQueueDpc(Dpc),
    KeInitializeTimer: (Timer: KTIMER) => io.timers.KeInitializeTimer(Timer),
    KeSetTimer: (Timer: KTIMER, DueTime: number, Dpc: KDPC | null = null) => io.timers.KeSetTimer(Timer, DueTime, Dpc),
    KeSetTimerEx: (Timer: KTIMER, DueTime: number, Period: number, Dpc: KDPC | null = null) => io.timers.KeSetTimerEx(Timer, DueTime, Period, Dpc),
    KeCancelTimer: (Timer: KTIMER) => io.timers.KeCancelTimer(Timer),
    KeReadStateTimer: (Timer: KTIMER) => io.timers.KeReadStateTimer(Timer),
    IoAllocateWorkItem: (DeviceObject: DEVICE_OBJECT) => io.workItems.IoAllocateWorkItem(DeviceObject),
    IoQueueWorkItem: (IoWorkItem: IO_WORKITEM, WorkerRoutine: IO_WORKITEM_ROUTINE, QueueType: WORK_QUEUE_TYPE, Context: unknown) => io.workItems.IoQueueWorkItem(IoWorkItem, WorkerRoutine, QueueType, Context),
    IoFreeWorkItem: (IoWorkItem: IO_WORKITEM) => io.workItems.IoFreeWorkItem(IoWorkItem),

    // --- events, waits, IRQL, spin locks -------------------------------------
    KeInitializeEvent,
    KeSetEvent,
    KeClearEvent,
    KeResetEvent,
    KeReadStateEvent,
    KeWaitForSingleObject: (Object: KEVENT | KTIMER, WaitReason = 'Executive', WaitMode = 'KernelMode', Alertable = false, Timeout: number | null = null) =>
      io.KeWaitForSingleObject(Object, WaitReason, WaitMode, Alertable, Timeout),
    KeStallExecutionProcessor: (MicroSeconds: number) => io.KeStallExecutionProcessor(MicroSeconds),
    /** Time since boot in 100-ns units. */
    KeQueryInterruptTime: (): number => Math.floor(clock.now / 100),
    KeGetCurrentIrql: (): Irql => cpu.irql,
    KeRaiseIrql: (NewIrql: Irql, OldIrql: Out<Irql>) => {
      OldIrql.value = cpu.KeRaiseIrql(NewIrql);
    },
    KeLowerIrql: (NewIrql: Irql) => cpu.KeLowerIrql(NewIrql),
    KeInitializeSpinLock: (SpinLock: KSPIN_LOCK) => io.spinLocks.KeInitializeSpinLock(SpinLock),
    KeAcquireSpinLock: (SpinLock: KSPIN_LOCK, OldIrql: Out<Irql>) => {
      OldIrql.value = io.spinLocks.KeAcquireSpinLock(SpinLock);
    },
    KeReleaseSpinLock: (SpinLock: KSPIN_LOCK, NewIrql: Irql) => io.spinLocks.KeReleaseSpinLock(SpinLock, NewIrql),
    KeAcquireSpinLockAtDpcLevel: (SpinLock: KSPIN_LOCK) => io.spinLocks.KeAcquireSpinLockAtDpcLevel(SpinLock),
    KeReleaseSpinLockFromDpcLevel: (SpinLock: KSPIN_LOCK) => io.spinLocks.KeReleaseSpinLockFromDpcLevel(SpinLock),
    /** Stop the machine, as a driver that detects fatal corruption may. */
    KeBugCheckEx: (BugCheckCode: number, P1: number, P2: number, P3: number, P4: number): never =>
      kernel.crash(new BugCheck(BugCheckCode, P1, P2, P3, P4, `driver ${cpu.currentDriver ?? 'kernel'} called KeBugCheckEx`)),

    // --- processes -------------------------------------------------------------
    /** The process whose context the caller runs in; null in a system thread or an arbitrary context (IRP_MJ_CLOSE, a DPC). */
    IoGetCurrentProcess: (): PEPROCESS | null => cpu.currentProcess as PEPROCESS | null,
    /** Whether the process has begun exiting: its address space is being or has been torn down. */
    PsGetProcessExitProcessCalled: (Process: PEPROCESS): boolean => Process.exiting || Process.exited,
    /** Attach to a process's address space (at or below APC_LEVEL), e.g. to undo a user mapping made in it. */
    KeStackAttachProcess: (Process: PEPROCESS, ApcState: KAPC_STATE): void => {
      const refuse = (why: string) => kernel.crash(new BugCheck(INVALID_PROCESS_ATTACH_ATTEMPT, Process.processId, 0, cpu.irql, 0, `KeStackAttachProcess to ${Process.name} by ${cpu.currentDriver ?? 'kernel code'}: ${why}`));
      if (cpu.irql > APC_LEVEL) refuse(`at IRQL ${cpu.irql}; it must be called at or below APC_LEVEL`);
      if (Process.exited) refuse('the process has exited and its address space is gone');
      if (ApcState.previous !== undefined) refuse('with a KAPC_STATE already in use (detach first)');
      ApcState.previous = cpu.switchProcess(Process);
    },
    KeUnstackDetachProcess: (ApcState: KAPC_STATE): void => {
      const previous = ApcState.previous;
      if (previous === undefined) return kernel.crash(new BugCheck(INVALID_PROCESS_ATTACH_ATTEMPT, 0, 0, cpu.irql, 1, `KeUnstackDetachProcess by ${cpu.currentDriver ?? 'kernel code'} with a KAPC_STATE that KeStackAttachProcess did not fill`));
      cpu.switchProcess(previous);
      ApcState.previous = undefined;
    },

    // --- MDLs and locking ----------------------------------------------------
    IoAllocateMdl: (VirtualAddress: number, Length: number, SecondaryBuffer: boolean, ChargeQuota: boolean, Irp: IRP | null) =>
      mdl.IoAllocateMdl(VirtualAddress, Length, SecondaryBuffer, ChargeQuota, Irp, cpu.currentDriver ?? ''),
    IoFreeMdl: (Mdl: MDL) => mdl.IoFreeMdl(Mdl),
    IoBuildPartialMdl: (SourceMdl: MDL, TargetMdl: MDL, VirtualAddress: number, Length: number) => mdl.IoBuildPartialMdl(SourceMdl, TargetMdl, VirtualAddress, Length),
    MmProbeAndLockPages: (MemoryDescriptorList: MDL, AccessMode: KPROCESSOR_MODE, Operation: LOCK_OPERATION) => mdl.MmProbeAndLockPages(MemoryDescriptorList, AccessMode, Operation),
    MmUnlockPages: (MemoryDescriptorList: MDL) => mdl.MmUnlockPages(MemoryDescriptorList),
    MmBuildMdlForNonPagedPool: (MemoryDescriptorList: MDL) => mdl.MmBuildMdlForNonPagedPool(MemoryDescriptorList),
    MmGetSystemAddressForMdlSafe: (Mdl: MDL, Priority: MM_PAGE_PRIORITY = 'NormalPagePriority') => mdl.MmGetSystemAddressForMdlSafe(Mdl, Priority),
    MmMapLockedPagesSpecifyCache: (MemoryDescriptorList: MDL, AccessMode: KPROCESSOR_MODE, CacheType: MEMORY_CACHING_TYPE, RequestedAddress: number | null, BugCheckOnFailure: boolean, Priority: MM_PAGE_PRIORITY = 'NormalPagePriority') =>
      mdl.MmMapLockedPagesSpecifyCache(MemoryDescriptorList, AccessMode, CacheType, RequestedAddress, BugCheckOnFailure, Priority),
    MmUnmapLockedPages: (BaseAddress: number, MemoryDescriptorList: MDL) => mdl.MmUnmapLockedPages(BaseAddress, MemoryDescriptorList),
    MmGetMdlVirtualAddress,
    MmGetMdlByteCount,
    MmGetMdlByteOffset,
    MmGetMdlPfnArray,

    // --- memory --------------------------------------------------------------
    ExAllocatePoolWithTag: (PoolType: PoolType, NumberOfBytes: number, Tag: string | number) => mm.ExAllocatePoolWithTag(PoolType, NumberOfBytes, Tag, cpu.currentDriver ?? ''),
    ExFreePoolWithTag: (P: number, Tag?: string | number) => mm.ExFreePoolWithTag(P, Tag),
    MmAllocateContiguousMemorySpecifyCache: (NumberOfBytes: number, LowestAcceptableAddress: number, HighestAcceptableAddress: number, BoundaryAddressMultiple: number, CacheType: MEMORY_CACHING_TYPE) =>
      mm.MmAllocateContiguousMemorySpecifyCache(NumberOfBytes, LowestAcceptableAddress, HighestAcceptableAddress, BoundaryAddressMultiple, CacheType, cpu.currentDriver ?? ''),
    MmFreeContiguousMemory: (BaseAddress: number) => mm.MmFreeContiguousMemory(BaseAddress),
    MmMapIoSpace: (PhysicalAddress: number, NumberOfBytes: number, CacheType: MEMORY_CACHING_TYPE = 'MmNonCached') => mm.MmMapIoSpace(PhysicalAddress, NumberOfBytes, CacheType),
    MmUnmapIoSpace: (BaseAddress: number, NumberOfBytes: number) => mm.MmUnmapIoSpace(BaseAddress, NumberOfBytes),
    /** The physical address behind a resident virtual address (0 when not resident). */
    MmGetPhysicalAddress: (BaseAddress: number): PHYSICAL_ADDRESS => ({ QuadPart: Math.max(0, mm.physicalAddressOf(BaseAddress)) }),
    MmIsAddressValid: (VirtualAddress: number): boolean => mm.physicalAddressOf(VirtualAddress) >= 0,
    /** ProbeForRead: the range must lie in user space and be aligned; raises STATUS_ACCESS_VIOLATION (or DATATYPE_MISALIGNMENT) otherwise. */
    ProbeForRead: (Address: number, Length: number, Alignment: number) => probe(Address, Length, Alignment, false),
    /** ProbeForWrite: as ProbeForRead, and every page must be writable now. */
    ProbeForWrite: (Address: number, Length: number, Alignment: number) => probe(Address, Length, Alignment, true),
    RtlCopyMemory: (Destination: number | Uint8Array, Source: number | Uint8Array, Length: number) => store(Destination, bytesOf(Source, Length).slice()),
    RtlMoveMemory: (Destination: number | Uint8Array, Source: number | Uint8Array, Length: number) => store(Destination, bytesOf(Source, Length).slice()),
    RtlZeroMemory: (Destination: number | Uint8Array, Length: number) => store(Destination, new Uint8Array(Length)),
    RtlFillMemory: (Destination: number | Uint8Array, Length: number, Fill: number) => store(Destination, new Uint8Array(Length).fill(Fill)),
    /** RtlCompareMemory: how many leading bytes are equal. */
    RtlCompareMemory: (Source1: number | Uint8Array, Source2: number | Uint8Array, Length: number): number => {
      const a = bytesOf(Source1, Length);
      const b = bytesOf(Source2, Length);
      let i = 0;
      while (i < Length && a[i] === b[i]) i++;
      return i;
    },

    // --- HAL: DMA adapters ---------------------------------------------------
    IoGetDmaAdapter: (PhysicalDeviceObject: DEVICE_OBJECT | DmaPhysicalDevice, DeviceDescription: DEVICE_DESCRIPTION, NumberOfMapRegisters: Out<number>): DMA_ADAPTER | null =>
      hal('IoGetDmaAdapter').IoGetDmaAdapter(PhysicalDeviceObject, DeviceDescription, NumberOfMapRegisters),
    KeFlushIoBuffers: (Mdl: MDL, ReadOperation: boolean, DmaOperation: boolean) => hal('KeFlushIoBuffers').KeFlushIoBuffers(Mdl, ReadOperation, DmaOperation),
    /**
     * Boot-preallocated contiguous DMA buffers (CONT-3, seed 002): take the first
     * free one of the device's install-configured buffers whose size and option
     * flags match (null when none does), and return it when done. No Windows
     * routine does this; the names are plain English on purpose.
     */
    takePreallocatedBuffer: (DmaAdapter: DMA_ADAPTER, Length: number, Options: number, LogicalAddress: PHYSICAL_ADDRESS): number | null =>
      hal('takePreallocatedBuffer').takePreallocatedBuffer(DmaAdapter, Length, Options, LogicalAddress),
    returnPreallocatedBuffer: (DmaAdapter: DMA_ADAPTER, VirtualAddress: number): void => hal('returnPreallocatedBuffer').returnPreallocatedBuffer(DmaAdapter, VirtualAddress),

    // --- HAL: PCI configuration space, registers and ports -------------------
    /** HalGetBusDataByOffset: read config space; SlotNumber is PCI_SLOT_NUMBER (device | function << 5). Returns bytes read (0: no device). */
    HalGetBusDataByOffset: (BusDataType: BUS_DATA_TYPE, BusNumber: number, SlotNumber: number, Buffer: Uint8Array, Offset: number, Length: number): number => {
      const b = bus('HalGetBusDataByOffset');
      if (BusDataType !== 'PCIConfiguration' || BusNumber !== 0 || !b.functions.some((f) => f.requesterId === requesterIdOf(SlotNumber))) return 0;
      const n = Math.max(0, Math.min(Length, 256 - Offset, Buffer.length));
      for (let i = 0; i < n; i++) Buffer[i] = b.configRead(requesterIdOf(SlotNumber), Offset + i, 1);
      return n;
    },
    HalSetBusDataByOffset: (BusDataType: BUS_DATA_TYPE, BusNumber: number, SlotNumber: number, Buffer: Uint8Array, Offset: number, Length: number): number => {
      const b = bus('HalSetBusDataByOffset');
      if (BusDataType !== 'PCIConfiguration' || BusNumber !== 0 || !b.functions.some((f) => f.requesterId === requesterIdOf(SlotNumber))) return 0;
      const n = Math.max(0, Math.min(Length, 256 - Offset, Buffer.length));
      // Whole aligned words where possible: the command register takes a 16-bit write.
      let i = 0;
      while (i < n) {
        const at = Offset + i;
        const width: 1 | 2 | 4 = at % 4 === 0 && n - i >= 4 ? 4 : at % 2 === 0 && n - i >= 2 ? 2 : 1;
        let v = 0;
        for (let k = width - 1; k >= 0; k--) v = v * 256 + Buffer[i + k]!;
        b.configWrite(requesterIdOf(SlotNumber), at, width, v);
        i += width;
      }
      return n;
    },
    READ_REGISTER_UCHAR: (Register: number) => registers.READ_REGISTER_UCHAR(bus('READ_REGISTER_UCHAR'), Register),
    READ_REGISTER_USHORT: (Register: number) => registers.READ_REGISTER_USHORT(bus('READ_REGISTER_USHORT'), Register),
    READ_REGISTER_ULONG: (Register: number) => registers.READ_REGISTER_ULONG(bus('READ_REGISTER_ULONG'), Register),
    WRITE_REGISTER_UCHAR: (Register: number, Value: number) => registers.WRITE_REGISTER_UCHAR(bus('WRITE_REGISTER_UCHAR'), Register, Value),
    WRITE_REGISTER_USHORT: (Register: number, Value: number) => registers.WRITE_REGISTER_USHORT(bus('WRITE_REGISTER_USHORT'), Register, Value),
    WRITE_REGISTER_ULONG: (Register: number, Value: number) => registers.WRITE_REGISTER_ULONG(bus('WRITE_REGISTER_ULONG'), Register, Value),
    READ_PORT_UCHAR: (Port: number) => registers.READ_PORT_UCHAR(bus('READ_PORT_UCHAR'), Port),
    READ_PORT_USHORT: (Port: number) => registers.READ_PORT_USHORT(bus('READ_PORT_USHORT'), Port),
    READ_PORT_ULONG: (Port: number) => registers.READ_PORT_ULONG(bus('READ_PORT_ULONG'), Port),
    WRITE_PORT_UCHAR: (Port: number, Value: number) => registers.WRITE_PORT_UCHAR(bus('WRITE_PORT_UCHAR'), Port, Value),
    WRITE_PORT_USHORT: (Port: number, Value: number) => registers.WRITE_PORT_USHORT(bus('WRITE_PORT_USHORT'), Port, Value),
    WRITE_PORT_ULONG: (Port: number, Value: number) => registers.WRITE_PORT_ULONG(bus('WRITE_PORT_ULONG'), Port, Value),
    READ_REGISTER_BUFFER_ULONG: (Register: number, Buffer: Uint32Array, Count: number) => registers.READ_REGISTER_BUFFER_ULONG(bus('READ_REGISTER_BUFFER_ULONG'), Register, Buffer, Count),
    WRITE_REGISTER_BUFFER_ULONG: (Register: number, Buffer: Uint32Array, Count: number) => registers.WRITE_REGISTER_BUFFER_ULONG(bus('WRITE_REGISTER_BUFFER_ULONG'), Register, Buffer, Count),
    READ_PORT_BUFFER_ULONG: (Port: number, Buffer: Uint32Array, Count: number) => registers.READ_PORT_BUFFER_ULONG(bus('READ_PORT_BUFFER_ULONG'), Port, Buffer, Count),
    WRITE_PORT_BUFFER_ULONG: (Port: number, Buffer: Uint32Array, Count: number) => registers.WRITE_PORT_BUFFER_ULONG(bus('WRITE_PORT_BUFFER_ULONG'), Port, Buffer, Count),
  } satisfies KernelApi;

  function probe(address: number, length: number, alignment: number, write: boolean): void {
    if (length === 0) return;
    if (!Number.isSafeInteger(address) || !Number.isSafeInteger(length) || length < 0) throw new RaisedStatus(STATUS.ACCESS_VIOLATION, `Probe of ${address} (+${length}): not an address range`);
    if (alignment > 1 && address % alignment !== 0) throw new RaisedStatus(DATATYPE_MISALIGNMENT, `Probe of ${formatAddress(address)}: not aligned to ${alignment}`);
    if (isSystemAddress(address) || address + length > MM_USER_PROBE_ADDRESS) throw new RaisedStatus(STATUS.ACCESS_VIOLATION, `Probe of ${formatAddress(address)} (+${length}): the range reaches system space`);
    if (!write) return;
    if (cpu.irql >= DISPATCH_LEVEL) throw new RaisedStatus(STATUS.ACCESS_VIOLATION, `ProbeForWrite at IRQL ${cpu.irql}: user memory cannot be touched there`);
    for (let vpn = pageOf(address); vpn <= pageOf(address + length - 1); vpn++) mm.resolvePage(vpn * PAGE_SIZE, true);
  }

  return watched(routines, () => io.execution.checkWatchdog());
}

/** STATUS_DATATYPE_MISALIGNMENT, raised by the probe routines for a misaligned address. */
const DATATYPE_MISALIGNMENT = 0x80000002;

/** Every routine checks the watchdog before it runs; the object keeps the routines' types. */
function watched<T extends Record<string, unknown>>(routines: T, check: () => void): T {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(routines)) {
    out[name] = typeof value === 'function'
      ? (...args: unknown[]) => {
          check();
          return (value as (...a: unknown[]) => unknown)(...args);
        }
      : value;
  }
  return Object.freeze(out) as T;
}
