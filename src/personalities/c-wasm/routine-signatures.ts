/**
 * The kernel routines and DMA operations a C driver imports (include/wdm.h),
 * as ONE table: each parameter's kind says how its wasm value becomes the
 * simulated kernel's argument, and the return kind the way back. The import
 * glue (import-glue.ts) is generated from this table, so the ABI rules (a
 * by-value LARGE_INTEGER arrives as a pointer to a copy, 64-bit values are
 * BigInts, a user address is a token) are applied in one place.
 */

/** How a wasm argument becomes the kernel routine's argument. */
export type ParamKind =
  | 'u32' | 'i32' | 'bool' | 'u8'
  /** A ULONGLONG (a BigInt in wasm). */
  | 'u64'
  /** A by-value LARGE_INTEGER / PHYSICAL_ADDRESS: a pointer to a copy. */
  | 'large'
  /** The same, where the simulated routine takes a PHYSICAL_ADDRESS record ({ QuadPart }). */
  | 'large-record'
  /** A kernel structure's copy (IRP, MDL, DEVICE_OBJECT, DMA_ADAPTER, SCATTER_GATHER_LIST ...), 0 for null. */
  | 'object'
  /** A PVOID context: a kernel structure's copy means the object, anything else passes as the number. */
  | 'context'
  /** Memory: an aliased system address or a user-address token, translated to the simulated address. */
  | 'address'
  /** A register pointer from MmMapIoSpace: translated to the register's physical address. */
  | 'register'
  /** A buffer in the driver's memory whose byte length is the parameter named by `length`. */
  | 'bytes'
  /** A PUNICODE_STRING, read as a string (null: no name). */
  | 'unicode'
  /** A PDEVICE_DESCRIPTION, read into the simulator's DEVICE_DESCRIPTION. */
  | 'device-description'
  /** Driver storage of a kernel object (KSPIN_LOCK, KDPC, KTIMER, KEVENT, IO_CSQ, IO_CSQ_IRP_CONTEXT), found by its address. */
  | 'storage'
  /** A dispatcher object the driver initialized in its storage (a KEVENT or KTIMER), whichever type it holds. */
  | 'dispatcher'
  /** An optional PLARGE_INTEGER read as its value (NULL: none), as KeWaitForSingleObject's Timeout. */
  | 'large-pointer'
  /** A ULONG array in the driver's memory whose element count is the parameter named by `of`; written back after the call. */
  | 'ulongs'
  /** An out-parameter receiving a kernel object's pointer: the record field named by `of` (see ReturnKind 'status-record'). */
  | 'out-object'
  /** A function pointer: a table index, called back through the named callback shape. */
  | 'callback'
  /** An enum value, named by the enum table. */
  | 'enum'
  /** Out-parameters: the routine fills `{ value }` / `{ QuadPart }`, the glue stores it. */
  | 'out-u32' | 'out-u8' | 'out-large';

export type ReturnKind = 'void' | 'u32' | 'i32' | 'bool' | 'u8' | 'u64' | 'object'
  /** A function pointer the kernel held (IoSetCancelRoutine's previous routine): its table index. */
  | 'callback'
  /** A system address C will dereference: aliased for `length` bytes (the parameter named by `length`). */
  | 'system-address'
  /** A register range: a token that traps on dereference. */
  | 'register-range'
  /** PHYSICAL_ADDRESS returned by value: written through a leading hidden pointer (the wasm C ABI's sret). */
  | 'large'
  /** The simulated routine returns `{ status, ... }`: the status is returned, the other fields go to the 'out-object' parameters. */
  | 'status-record';

export interface Param {
  readonly name: string;
  readonly kind: ParamKind;
  /** 'bytes': the parameter holding the length; 'storage': the object type; 'callback': the callback shape; 'enum': the enum. */
  readonly of?: string;
  /** Before the call (a freed range or a list put back is no longer C's): 'release' unshares the address or forgets the copy. */
  readonly releases?: boolean;
  /** An MDL whose system mapping the call ends (MmUnlockPages, IoFreeMdl): C's alias of that mapping goes before the call. */
  readonly unmaps?: boolean;
  /** An 'object' the routine takes as NULL too (the WDK's OPTIONAL); any other NULL object is the driver dereferencing nothing. */
  readonly optional?: boolean;
  /** The call changes what C reads of the object (IoReuseIrp, MmProbeAndLockPages' PFN array): its copy is written anew after it. */
  readonly refreshes?: boolean;
}

export interface RoutineSignature {
  readonly name: string;
  /** "kernel": a routine; "dma": a DMA operation, called on the adapter's DmaOperations. */
  readonly module: 'kernel' | 'dma';
  readonly params: readonly Param[];
  readonly returns: ReturnKind;
  /** system-address / register-range: the parameter giving the range's length. */
  readonly length?: string;
}

const p = (name: string, kind: ParamKind, extra: Omit<Param, 'name' | 'kind'> = {}): Param => ({ name, kind, ...extra });
const k = (name: string, params: Param[], returns: ReturnKind = 'void', extra: Partial<RoutineSignature> = {}): RoutineSignature => ({ name, module: 'kernel', params, returns, ...extra });
const d = (name: string, params: Param[], returns: ReturnKind = 'void', extra: Partial<RoutineSignature> = {}): RoutineSignature => ({ name, module: 'dma', params: [p('DmaAdapter', 'object'), ...params], returns, ...extra });

/** The enums of include/wdm.h, by value, as the simulated kernel names them. */
export const ENUMS: Readonly<Record<string, Readonly<Record<number, string>>>> = {
  POOL_TYPE: { 0: 'NonPagedPool', 1: 'PagedPool', 512: 'NonPagedPool' },
  BUS_DATA_TYPE: { 4: 'PCIConfiguration' },
  DEVICE_REGISTRY_PROPERTY: { 0xe: 'DevicePropertyBusNumber', 0x10: 'DevicePropertyAddress' },
  MEMORY_CACHING_TYPE: { 0: 'MmNonCached', 1: 'MmCached', 2: 'MmWriteCombined' },
  LOCK_OPERATION: { 0: 'IoReadAccess', 1: 'IoWriteAccess', 2: 'IoModifyAccess' },
  KPROCESSOR_MODE: { 0: 'KernelMode', 1: 'UserMode' },
  MM_PAGE_PRIORITY: { 0: 'LowPagePriority', 16: 'NormalPagePriority', 32: 'HighPagePriority' },
  INTERFACE_TYPE: { 0: 'Internal', 1: 'Isa', 5: 'PCIBus', 15: 'PNPBus' },
  IO_ALLOCATION_ACTION: { 1: 'KeepObject', 2: 'DeallocateObject', 3: 'DeallocateObjectKeepRegisters' },
  EVENT_TYPE: { 0: 'NotificationEvent', 1: 'SynchronizationEvent' },
  KWAIT_REASON: { 0: 'Executive', 6: 'UserRequest' },
  WORK_QUEUE_TYPE: { 0: 'CriticalWorkQueue', 1: 'DelayedWorkQueue', 2: 'HyperCriticalWorkQueue' },
  KINTERRUPT_MODE: { 0: 'LevelSensitive', 1: 'Latched' },
};

/**
 * The shapes of function pointers the kernel calls back: C parameter kinds, in order, and the C return
 * ('status': an NTSTATUS; 'enum': a value of the enum named by `of`). 'object' arguments are read back
 * when the routine returns (an IRP's IoStatus a completion routine wrote).
 */
export interface CallbackShape {
  readonly params: readonly ('object' | 'context' | 'storage')[];
  readonly returns: 'void' | 'bool' | 'status' | 'enum';
  readonly of?: string;
}

export const CALLBACKS: Readonly<Record<string, CallbackShape>> = {
  DRIVER_LIST_CONTROL: { params: ['object', 'object', 'object', 'context'], returns: 'void' },
  DRIVER_CONTROL: { params: ['object', 'object', 'context', 'context'], returns: 'enum', of: 'IO_ALLOCATION_ACTION' },
  KDEFERRED_ROUTINE: { params: ['storage', 'context', 'context', 'context'], returns: 'void' },
  IO_CSQ_COMPLETE_CANCELED_IRP: { params: ['storage', 'object'], returns: 'void' },
  DRIVER_CANCEL: { params: ['object', 'object'], returns: 'void' },
  IO_COMPLETION_ROUTINE: { params: ['object', 'object', 'context'], returns: 'status' },
  IO_WORKITEM_ROUTINE: { params: ['object', 'context'], returns: 'void' },
  IO_DPC_ROUTINE: { params: ['storage', 'object', 'object', 'context'], returns: 'void' },
  KSERVICE_ROUTINE: { params: ['object', 'context'], returns: 'bool' },
  KSYNCHRONIZE_ROUTINE: { params: ['context'], returns: 'bool' },
};

export const ROUTINE_SIGNATURES: readonly RoutineSignature[] = [
  // --- device objects
  k('IoCreateDevice', [p('DriverObject', 'object'), p('DeviceExtensionSize', 'u32'), p('DeviceName', 'unicode'), p('DeviceType', 'u32'), p('DeviceCharacteristics', 'u32'), p('Exclusive', 'bool'), p('DeviceObject', 'u32')], 'i32'),
  k('IoDeleteDevice', [p('DeviceObject', 'object')]),
  k('IoAttachDeviceToDeviceStack', [p('SourceDevice', 'object'), p('TargetDevice', 'object')], 'object'),
  k('IoDetachDevice', [p('TargetDevice', 'object')]),
  k('IoCreateSymbolicLink', [p('SymbolicLinkName', 'unicode'), p('DeviceName', 'unicode')], 'i32'),
  k('IoDeleteSymbolicLink', [p('SymbolicLinkName', 'unicode')], 'i32'),
  k('IoGetDeviceProperty', [p('DeviceObject', 'object'), p('DeviceProperty', 'enum', { of: 'DEVICE_REGISTRY_PROPERTY' }), p('BufferLength', 'u32'), p('PropertyBuffer', 'u32'), p('ResultLength', 'u32')], 'i32'),
  // --- IRPs
  k('IoCompleteRequest', [p('Irp', 'object'), p('PriorityBoost', 'u8')]),
  k('IoMarkIrpPending', [p('Irp', 'object')]),
  k('IoCallDriver', [p('DeviceObject', 'object'), p('Irp', 'object')], 'i32'),
  k('IoSkipCurrentIrpStackLocation', [p('Irp', 'object')]),
  k('IoSetCancelRoutine', [p('Irp', 'object'), p('CancelRoutine', 'callback', { of: 'DRIVER_CANCEL' })], 'callback'),
  k('IoReleaseCancelSpinLock', [p('Irql', 'u8')]),
  k('IoAcquireCancelSpinLock', [p('Irql', 'u32')]),
  k('IoCancelIrp', [p('Irp', 'object')], 'bool'),
  k('IoSetCompletionRoutine', [p('Irp', 'object'), p('CompletionRoutine', 'callback', { of: 'IO_COMPLETION_ROUTINE' }), p('Context', 'context'), p('InvokeOnSuccess', 'bool'), p('InvokeOnError', 'bool'), p('InvokeOnCancel', 'bool')]),
  k('IoAllocateIrp', [p('StackSize', 'u8'), p('ChargeQuota', 'bool')], 'object'),
  k('IoFreeIrp', [p('Irp', 'object', { releases: true })]),
  k('IoReuseIrp', [p('Irp', 'object', { refreshes: true }), p('Iostatus', 'i32')]),
  // --- cancel-safe queues
  k('IoCsqInitialize', [p('Csq', 'storage', { of: 'IO_CSQ' }), p('CompleteCanceledIrp', 'callback', { of: 'IO_CSQ_COMPLETE_CANCELED_IRP' })], 'i32'),
  k('IoCsqInsertIrp', [p('Csq', 'storage', { of: 'IO_CSQ' }), p('Irp', 'object'), p('Context', 'storage', { of: 'IO_CSQ_IRP_CONTEXT' })]),
  // InsertContext goes to the driver's CsqInsertIrpEx callback on Windows; the simulator's queue has none, so nothing reads it.
  k('IoCsqInsertIrpEx', [p('Csq', 'storage', { of: 'IO_CSQ' }), p('Irp', 'object'), p('Context', 'storage', { of: 'IO_CSQ_IRP_CONTEXT' }), p('InsertContext', 'context')], 'i32'),
  k('IoCsqRemoveIrp', [p('Csq', 'storage', { of: 'IO_CSQ' }), p('Context', 'storage', { of: 'IO_CSQ_IRP_CONTEXT' })], 'object'),
  k('IoCsqRemoveNextIrp', [p('Csq', 'storage', { of: 'IO_CSQ' }), p('PeekContext', 'context')], 'object'),
  // --- interrupts and work items
  k('IoConnectInterrupt', [p('InterruptObject', 'out-object', { of: 'InterruptObject' }), p('ServiceRoutine', 'callback', { of: 'KSERVICE_ROUTINE' }), p('ServiceContext', 'context'), p('SpinLock', 'storage', { of: 'KSPIN_LOCK' }), p('Vector', 'u32'), p('Irql', 'u8'), p('SynchronizeIrql', 'u8'), p('InterruptMode', 'enum', { of: 'KINTERRUPT_MODE' }), p('ShareVector', 'bool'), p('ProcessorEnableMask', 'u32'), p('FloatingSave', 'bool')], 'status-record'),
  k('IoDisconnectInterrupt', [p('InterruptObject', 'object', { releases: true })]),
  k('KeSynchronizeExecution', [p('Interrupt', 'object'), p('SynchronizeRoutine', 'callback', { of: 'KSYNCHRONIZE_ROUTINE' }), p('SynchronizeContext', 'context')], 'bool'),
  k('IoAllocateWorkItem', [p('DeviceObject', 'object')], 'object'),
  k('IoQueueWorkItem', [p('IoWorkItem', 'object'), p('WorkerRoutine', 'callback', { of: 'IO_WORKITEM_ROUTINE' }), p('QueueType', 'enum', { of: 'WORK_QUEUE_TYPE' }), p('Context', 'context')]),
  k('IoFreeWorkItem', [p('IoWorkItem', 'object', { releases: true })]),
  // --- DPCs, timers, events, waits, IRQL, spin locks
  k('IoInitializeDpcRequest', [p('DeviceObject', 'object'), p('DpcRoutine', 'callback', { of: 'IO_DPC_ROUTINE' })]),
  k('IoRequestDpc', [p('DeviceObject', 'object'), p('Irp', 'object', { optional: true }), p('Context', 'context')]),
  k('KeInitializeDpc', [p('Dpc', 'storage', { of: 'KDPC' }), p('DeferredRoutine', 'callback', { of: 'KDEFERRED_ROUTINE' }), p('DeferredContext', 'context')]),
  k('KeInsertQueueDpc', [p('Dpc', 'storage', { of: 'KDPC' }), p('SystemArgument1', 'context'), p('SystemArgument2', 'context')], 'bool'),
  k('KeRemoveQueueDpc', [p('Dpc', 'storage', { of: 'KDPC' })], 'bool'),
  k('KeInitializeTimer', [p('Timer', 'storage', { of: 'KTIMER' })]),
  k('KeSetTimer', [p('Timer', 'storage', { of: 'KTIMER' }), p('DueTime', 'large'), p('Dpc', 'storage', { of: 'KDPC' })], 'bool'),
  k('KeSetTimerEx', [p('Timer', 'storage', { of: 'KTIMER' }), p('DueTime', 'large'), p('Period', 'i32'), p('Dpc', 'storage', { of: 'KDPC' })], 'bool'),
  k('KeCancelTimer', [p('Timer', 'storage', { of: 'KTIMER' })], 'bool'),
  k('KeReadStateTimer', [p('Timer', 'storage', { of: 'KTIMER' })], 'bool'),
  k('KeInitializeEvent', [p('Event', 'storage', { of: 'KEVENT' }), p('Type', 'enum', { of: 'EVENT_TYPE' }), p('State', 'bool')]),
  k('KeSetEvent', [p('Event', 'storage', { of: 'KEVENT' }), p('Increment', 'i32'), p('Wait', 'bool')], 'i32'),
  k('KeClearEvent', [p('Event', 'storage', { of: 'KEVENT' })]),
  k('KeResetEvent', [p('Event', 'storage', { of: 'KEVENT' })], 'i32'),
  k('KeReadStateEvent', [p('Event', 'storage', { of: 'KEVENT' })], 'i32'),
  k('KeWaitForSingleObject', [p('Object', 'dispatcher'), p('WaitReason', 'enum', { of: 'KWAIT_REASON' }), p('WaitMode', 'enum', { of: 'KPROCESSOR_MODE' }), p('Alertable', 'bool'), p('Timeout', 'large-pointer')], 'i32'),
  k('KeStallExecutionProcessor', [p('MicroSeconds', 'u32')]),
  k('KeQueryInterruptTime', [], 'u64'),
  k('KeGetCurrentIrql', [], 'u8'),
  k('KeInitializeSpinLock', [p('SpinLock', 'storage', { of: 'KSPIN_LOCK' })]),
  k('KeAcquireSpinLock', [p('SpinLock', 'storage', { of: 'KSPIN_LOCK' }), p('OldIrql', 'out-u8')]),
  k('KeReleaseSpinLock', [p('SpinLock', 'storage', { of: 'KSPIN_LOCK' }), p('NewIrql', 'u8')]),
  k('KeAcquireSpinLockAtDpcLevel', [p('SpinLock', 'storage', { of: 'KSPIN_LOCK' })]),
  k('KeReleaseSpinLockFromDpcLevel', [p('SpinLock', 'storage', { of: 'KSPIN_LOCK' })]),
  k('KeRaiseIrql', [p('NewIrql', 'u8'), p('OldIrql', 'out-u8')]),
  k('KeLowerIrql', [p('NewIrql', 'u8')]),
  k('KeBugCheckEx', [p('BugCheckCode', 'u32'), p('P1', 'u32'), p('P2', 'u32'), p('P3', 'u32'), p('P4', 'u32')]),
  // --- MDLs
  k('IoAllocateMdl', [p('VirtualAddress', 'address'), p('Length', 'u32'), p('SecondaryBuffer', 'bool'), p('ChargeQuota', 'bool'), p('Irp', 'object', { optional: true })], 'object'),
  k('IoFreeMdl', [p('Mdl', 'object', { releases: true, unmaps: true })]),
  k('IoBuildPartialMdl', [p('SourceMdl', 'object'), p('TargetMdl', 'object', { refreshes: true }), p('VirtualAddress', 'address'), p('Length', 'u32')]),
  k('MmProbeAndLockPages', [p('MemoryDescriptorList', 'object', { refreshes: true }), p('AccessMode', 'enum', { of: 'KPROCESSOR_MODE' }), p('Operation', 'enum', { of: 'LOCK_OPERATION' })]),
  k('MmUnlockPages', [p('MemoryDescriptorList', 'object', { unmaps: true, refreshes: true })]),
  k('MmBuildMdlForNonPagedPool', [p('MemoryDescriptorList', 'object', { refreshes: true })]),
  k('MmGetSystemAddressForMdlSafe', [p('Mdl', 'object'), p('Priority', 'enum', { of: 'MM_PAGE_PRIORITY' })], 'system-address', { length: 'Mdl' }),
  k('MmMapLockedPagesSpecifyCache', [p('MemoryDescriptorList', 'object'), p('AccessMode', 'enum', { of: 'KPROCESSOR_MODE' }), p('CacheType', 'enum', { of: 'MEMORY_CACHING_TYPE' }), p('RequestedAddress', 'context'), p('BugCheckOnFailure', 'bool'), p('Priority', 'enum', { of: 'MM_PAGE_PRIORITY' })], 'system-address', { length: 'MemoryDescriptorList' }),
  k('MmUnmapLockedPages', [p('BaseAddress', 'address', { releases: true }), p('MemoryDescriptorList', 'object')]),
  // --- processes
  k('IoGetCurrentProcess', [], 'object'),
  k('PsGetProcessExitProcessCalled', [p('Process', 'object')], 'bool'),
  k('KeStackAttachProcess', [p('Process', 'object'), p('ApcState', 'storage', { of: 'KAPC_STATE' })]),
  k('KeUnstackDetachProcess', [p('ApcState', 'storage', { of: 'KAPC_STATE' })]),
  // --- probing user buffers (they raise: see WDM_TRY_STATUS in wdm.h)
  k('ProbeForRead', [p('Address', 'address'), p('Length', 'u32'), p('Alignment', 'u32')]),
  k('ProbeForWrite', [p('Address', 'address'), p('Length', 'u32'), p('Alignment', 'u32')]),
  // --- addresses carried as request data (wdm.h: a wasm32 driver's pointers are tokens, not the addresses)
  k('Ptr64ToPtr', [p('Pointer', 'u64')], 'u32'),
  k('PtrToPtr64', [p('Pointer', 'address')], 'u64'),
  // --- memory
  k('ExAllocatePoolWithTag', [p('PoolType', 'enum', { of: 'POOL_TYPE' }), p('NumberOfBytes', 'u32'), p('Tag', 'u32')], 'system-address', { length: 'NumberOfBytes' }),
  k('ExFreePoolWithTag', [p('P', 'address', { releases: true }), p('Tag', 'u32')]),
  k('MmMapIoSpace', [p('PhysicalAddress', 'large'), p('NumberOfBytes', 'u32'), p('CacheType', 'enum', { of: 'MEMORY_CACHING_TYPE' })], 'register-range', { length: 'NumberOfBytes' }),
  k('takePreallocatedBuffer', [p('DmaAdapter', 'object'), p('Length', 'u32'), p('Options', 'u32'), p('LogicalAddress', 'out-large')], 'system-address', { length: 'Length' }),
  k('returnPreallocatedBuffer', [p('DmaAdapter', 'object'), p('VirtualAddress', 'address', { releases: true })]),
  k('MmUnmapIoSpace', [p('BaseAddress', 'address'), p('NumberOfBytes', 'u32')]),
  k('MmAllocateContiguousMemorySpecifyCache', [p('NumberOfBytes', 'u32'), p('LowestAcceptableAddress', 'large'), p('HighestAcceptableAddress', 'large'), p('BoundaryAddressMultiple', 'large'), p('CacheType', 'enum', { of: 'MEMORY_CACHING_TYPE' })], 'system-address', { length: 'NumberOfBytes' }),
  k('MmFreeContiguousMemory', [p('BaseAddress', 'address', { releases: true })]),
  k('MmGetPhysicalAddress', [p('BaseAddress', 'address')], 'large'),
  k('MmIsAddressValid', [p('VirtualAddress', 'u32')], 'bool'),
  k('RtlCopyMemory', [p('Destination', 'u32'), p('Source', 'u32'), p('Length', 'u32')]),
  k('RtlMoveMemory', [p('Destination', 'u32'), p('Source', 'u32'), p('Length', 'u32')]),
  // --- HAL
  k('IoGetDmaAdapter', [p('PhysicalDeviceObject', 'object'), p('DeviceDescription', 'device-description'), p('NumberOfMapRegisters', 'out-u32')], 'object'),
  k('KeFlushIoBuffers', [p('Mdl', 'object'), p('ReadOperation', 'bool'), p('DmaOperation', 'bool')]),
  k('HalGetBusDataByOffset', [p('BusDataType', 'enum', { of: 'BUS_DATA_TYPE' }), p('BusNumber', 'u32'), p('SlotNumber', 'u32'), p('Buffer', 'bytes', { of: 'Length' }), p('Offset', 'u32'), p('Length', 'u32')], 'u32'),
  k('HalSetBusDataByOffset', [p('BusDataType', 'enum', { of: 'BUS_DATA_TYPE' }), p('BusNumber', 'u32'), p('SlotNumber', 'u32'), p('Buffer', 'bytes', { of: 'Length' }), p('Offset', 'u32'), p('Length', 'u32')], 'u32'),
  k('READ_REGISTER_UCHAR', [p('Register', 'register')], 'u8'),
  k('READ_REGISTER_USHORT', [p('Register', 'register')], 'u32'),
  k('READ_REGISTER_ULONG', [p('Register', 'register')], 'u32'),
  k('WRITE_REGISTER_UCHAR', [p('Register', 'register'), p('Value', 'u32')]),
  k('WRITE_REGISTER_USHORT', [p('Register', 'register'), p('Value', 'u32')]),
  k('WRITE_REGISTER_ULONG', [p('Register', 'register'), p('Value', 'u32')]),
  k('READ_REGISTER_BUFFER_ULONG', [p('Register', 'register'), p('Buffer', 'ulongs', { of: 'Count' }), p('Count', 'u32')]),
  k('WRITE_REGISTER_BUFFER_ULONG', [p('Register', 'register'), p('Buffer', 'ulongs', { of: 'Count' }), p('Count', 'u32')]),
  // I/O ports: the port number from the resource list (u.Port.Start.LowPart), a value, not memory.
  k('READ_PORT_UCHAR', [p('Port', 'u32')], 'u8'),
  k('READ_PORT_USHORT', [p('Port', 'u32')], 'u32'),
  k('READ_PORT_ULONG', [p('Port', 'u32')], 'u32'),
  k('WRITE_PORT_UCHAR', [p('Port', 'u32'), p('Value', 'u32')]),
  k('WRITE_PORT_USHORT', [p('Port', 'u32'), p('Value', 'u32')]),
  k('WRITE_PORT_ULONG', [p('Port', 'u32'), p('Value', 'u32')]),
  k('READ_PORT_BUFFER_ULONG', [p('Port', 'u32'), p('Buffer', 'ulongs', { of: 'Count' }), p('Count', 'u32')]),
  k('WRITE_PORT_BUFFER_ULONG', [p('Port', 'u32'), p('Buffer', 'ulongs', { of: 'Count' }), p('Count', 'u32')]),

  // --- DMA operations (DMA_ADAPTER->DmaOperations)
  d('PutDmaAdapter', []),
  d('AllocateCommonBuffer', [p('Length', 'u32'), p('LogicalAddress', 'out-large'), p('CacheEnabled', 'bool')], 'system-address', { length: 'Length' }),
  d('FreeCommonBuffer', [p('Length', 'u32'), p('LogicalAddress', 'large-record'), p('VirtualAddress', 'address', { releases: true }), p('CacheEnabled', 'bool')]),
  d('AllocateAdapterChannel', [p('DeviceObject', 'object'), p('NumberOfMapRegisters', 'u32'), p('ExecutionRoutine', 'callback', { of: 'DRIVER_CONTROL' }), p('Context', 'context')], 'i32'),
  d('FlushAdapterBuffers', [p('Mdl', 'object'), p('MapRegisterBase', 'context'), p('CurrentVa', 'address'), p('Length', 'u32'), p('WriteToDevice', 'bool')], 'bool'),
  d('FreeAdapterChannel', []),
  d('FreeMapRegisters', [p('MapRegisterBase', 'context'), p('NumberOfMapRegisters', 'u32')]),
  d('MapTransfer', [p('Mdl', 'object'), p('MapRegisterBase', 'context'), p('CurrentVa', 'address'), p('Length', 'out-u32'), p('WriteToDevice', 'bool')], 'large'),
  d('GetDmaAlignment', [], 'u32'),
  d('ReadDmaCounter', [], 'u32'),
  d('GetScatterGatherList', [p('DeviceObject', 'object'), p('Mdl', 'object'), p('CurrentVa', 'address'), p('Length', 'u32'), p('ExecutionRoutine', 'callback', { of: 'DRIVER_LIST_CONTROL' }), p('Context', 'context'), p('WriteToDevice', 'bool')], 'i32'),
  d('PutScatterGatherList', [p('ScatterGather', 'object', { releases: true }), p('WriteToDevice', 'bool')]),
  d('CalculateScatterGatherList', [p('Mdl', 'object', { optional: true }), p('CurrentVa', 'address'), p('Length', 'u32'), p('ScatterGatherListSize', 'out-u32'), p('NumberOfMapRegisters', 'out-u32')], 'i32'),
  d('BuildScatterGatherList', [p('DeviceObject', 'object'), p('Mdl', 'object'), p('CurrentVa', 'address'), p('Length', 'u32'), p('ExecutionRoutine', 'callback', { of: 'DRIVER_LIST_CONTROL' }), p('Context', 'context'), p('WriteToDevice', 'bool'), p('ScatterGatherBuffer', 'address'), p('ScatterGatherLength', 'u32')], 'i32'),
];
