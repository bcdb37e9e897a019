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
  /** Driver storage of a kernel object (KSPIN_LOCK, KDPC, KTIMER, KEVENT, IO_CSQ), found by its address. */
  | 'storage'
  /** A function pointer: a table index, called back through the named callback shape. */
  | 'callback'
  /** An enum value, named by the enum table. */
  | 'enum'
  /** Out-parameters: the routine fills `{ value }` / `{ QuadPart }`, the glue stores it. */
  | 'out-u32' | 'out-u8' | 'out-large'
  /** An in-out ULONG (MapTransfer's Length): the routine gets `{ value }` read through the pointer, the glue stores it back. */
  | 'inout-u32';

export type ReturnKind = 'void' | 'u32' | 'i32' | 'bool' | 'u8' | 'u64' | 'object'
  /** A function pointer the kernel held (IoSetCancelRoutine's previous routine): its table index. */
  | 'callback'
  /** A system address C will dereference: aliased for `length` bytes (the parameter named by `length`). */
  | 'system-address'
  /** A register range: a token that traps on dereference. */
  | 'register-range'
  /** PHYSICAL_ADDRESS returned by value: written through a leading hidden pointer (the wasm C ABI's sret). */
  | 'large';

export interface Param {
  readonly name: string;
  readonly kind: ParamKind;
  /** 'bytes': the parameter holding the length; 'storage': the object type; 'callback': the callback shape; 'enum': the enum. */
  readonly of?: string;
  /** Before the call (a freed range or a list put back is no longer C's): 'release' unshares the address or forgets the copy. */
  readonly releases?: boolean;
  /** An MDL whose system mapping the call ends (MmUnlockPages, IoFreeMdl): C's alias of that mapping goes before the call. */
  readonly unmaps?: boolean;
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
};

/** The shapes of function pointers the kernel calls back: C parameter kinds, in order, and the C return. */
export const CALLBACKS: Readonly<Record<string, { readonly params: readonly ('object' | 'context' | 'storage')[]; readonly returns: 'void' | 'u32' }>> = {
  DRIVER_LIST_CONTROL: { params: ['object', 'object', 'object', 'context'], returns: 'void' },
  DRIVER_CONTROL: { params: ['object', 'object', 'context', 'context'], returns: 'u32' },
  KDEFERRED_ROUTINE: { params: ['storage', 'context', 'context', 'context'], returns: 'void' },
  IO_CSQ_COMPLETE_CANCELED_IRP: { params: ['storage', 'object'], returns: 'void' },
  DRIVER_CANCEL: { params: ['object', 'object'], returns: 'void' },
};

export const ROUTINE_SIGNATURES: readonly RoutineSignature[] = [
  // --- device objects
  k('IoCreateDevice', [p('DriverObject', 'object'), p('DeviceExtensionSize', 'u32'), p('DeviceName', 'unicode'), p('DeviceType', 'u32'), p('DeviceCharacteristics', 'u32'), p('Exclusive', 'bool'), p('DeviceObject', 'u32')], 'i32'),
  k('IoDeleteDevice', [p('DeviceObject', 'object')]),
  k('IoAttachDeviceToDeviceStack', [p('SourceDevice', 'object'), p('TargetDevice', 'object')], 'object'),
  k('IoDetachDevice', [p('TargetDevice', 'object')]),
  k('IoGetDeviceProperty', [p('DeviceObject', 'object'), p('DeviceProperty', 'enum', { of: 'DEVICE_REGISTRY_PROPERTY' }), p('BufferLength', 'u32'), p('PropertyBuffer', 'u32'), p('ResultLength', 'u32')], 'i32'),
  // --- IRPs
  k('IoCompleteRequest', [p('Irp', 'object'), p('PriorityBoost', 'u8')]),
  k('IoMarkIrpPending', [p('Irp', 'object')]),
  k('IoCallDriver', [p('DeviceObject', 'object'), p('Irp', 'object')], 'i32'),
  k('IoSkipCurrentIrpStackLocation', [p('Irp', 'object')]),
  k('IoSetCancelRoutine', [p('Irp', 'object'), p('CancelRoutine', 'callback', { of: 'DRIVER_CANCEL' })], 'callback'),
  k('IoReleaseCancelSpinLock', [p('Irql', 'u8')]),
  k('IoAcquireCancelSpinLock', [p('Irql', 'u32')]),
  // --- cancel-safe queues
  k('IoCsqInitialize', [p('Csq', 'storage', { of: 'IO_CSQ' }), p('CompleteCanceledIrp', 'callback', { of: 'IO_CSQ_COMPLETE_CANCELED_IRP' })], 'i32'),
  k('IoCsqInsertIrp', [p('Csq', 'storage', { of: 'IO_CSQ' }), p('Irp', 'object'), p('Context', 'context')]),
  k('IoCsqRemoveNextIrp', [p('Csq', 'storage', { of: 'IO_CSQ' }), p('PeekContext', 'context')], 'object'),
  // --- DPCs, timers, events, IRQL, spin locks
  k('IoRequestDpc', [p('DeviceObject', 'object'), p('Irp', 'object'), p('Context', 'context')]),
  k('KeInitializeDpc', [p('Dpc', 'storage', { of: 'KDPC' }), p('DeferredRoutine', 'callback', { of: 'KDEFERRED_ROUTINE' }), p('DeferredContext', 'context')]),
  k('KeInsertQueueDpc', [p('Dpc', 'storage', { of: 'KDPC' }), p('SystemArgument1', 'context'), p('SystemArgument2', 'context')], 'bool'),
  k('KeRemoveQueueDpc', [p('Dpc', 'storage', { of: 'KDPC' })], 'bool'),
  k('KeInitializeTimer', [p('Timer', 'storage', { of: 'KTIMER' })]),
  k('KeSetTimer', [p('Timer', 'storage', { of: 'KTIMER' }), p('DueTime', 'large'), p('Dpc', 'storage', { of: 'KDPC' })], 'bool'),
  k('KeCancelTimer', [p('Timer', 'storage', { of: 'KTIMER' })], 'bool'),
  k('KeInitializeEvent', [p('Event', 'storage', { of: 'KEVENT' }), p('Type', 'u32'), p('State', 'bool')]),
  k('KeSetEvent', [p('Event', 'storage', { of: 'KEVENT' }), p('Increment', 'i32'), p('Wait', 'bool')], 'i32'),
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
  k('IoAllocateMdl', [p('VirtualAddress', 'address'), p('Length', 'u32'), p('SecondaryBuffer', 'bool'), p('ChargeQuota', 'bool'), p('Irp', 'object')], 'object'),
  k('IoFreeMdl', [p('Mdl', 'object', { releases: true, unmaps: true })]),
  k('IoBuildPartialMdl', [p('SourceMdl', 'object'), p('TargetMdl', 'object'), p('VirtualAddress', 'address'), p('Length', 'u32')]),
  k('MmProbeAndLockPages', [p('MemoryDescriptorList', 'object'), p('AccessMode', 'enum', { of: 'KPROCESSOR_MODE' }), p('Operation', 'enum', { of: 'LOCK_OPERATION' })]),
  k('MmUnlockPages', [p('MemoryDescriptorList', 'object', { unmaps: true })]),
  k('MmBuildMdlForNonPagedPool', [p('MemoryDescriptorList', 'object')]),
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
  k('RtlCopyMemory', [p('Destination', 'u32'), p('Source', 'u32'), p('Length', 'u32')]),
  k('RtlMoveMemory', [p('Destination', 'u32'), p('Source', 'u32'), p('Length', 'u32')]),
  // --- HAL
  k('IoGetDmaAdapter', [p('PhysicalDeviceObject', 'object'), p('DeviceDescription', 'device-description'), p('NumberOfMapRegisters', 'out-u32')], 'object'),
  k('HalGetBusDataByOffset', [p('BusDataType', 'enum', { of: 'BUS_DATA_TYPE' }), p('BusNumber', 'u32'), p('SlotNumber', 'u32'), p('Buffer', 'bytes', { of: 'Length' }), p('Offset', 'u32'), p('Length', 'u32')], 'u32'),
  k('HalSetBusDataByOffset', [p('BusDataType', 'enum', { of: 'BUS_DATA_TYPE' }), p('BusNumber', 'u32'), p('SlotNumber', 'u32'), p('Buffer', 'bytes', { of: 'Length' }), p('Offset', 'u32'), p('Length', 'u32')], 'u32'),
  k('READ_REGISTER_UCHAR', [p('Register', 'register')], 'u8'),
  k('READ_REGISTER_USHORT', [p('Register', 'register')], 'u32'),
  k('READ_REGISTER_ULONG', [p('Register', 'register')], 'u32'),
  k('WRITE_REGISTER_UCHAR', [p('Register', 'register'), p('Value', 'u32')]),
  k('WRITE_REGISTER_USHORT', [p('Register', 'register'), p('Value', 'u32')]),
  k('WRITE_REGISTER_ULONG', [p('Register', 'register'), p('Value', 'u32')]),

  // --- DMA operations (DMA_ADAPTER->DmaOperations)
  d('PutDmaAdapter', []),
  d('AllocateCommonBuffer', [p('Length', 'u32'), p('LogicalAddress', 'out-large'), p('CacheEnabled', 'bool')], 'system-address', { length: 'Length' }),
  d('FreeCommonBuffer', [p('Length', 'u32'), p('LogicalAddress', 'large-record'), p('VirtualAddress', 'address', { releases: true }), p('CacheEnabled', 'bool')]),
  d('AllocateAdapterChannel', [p('DeviceObject', 'object'), p('NumberOfMapRegisters', 'u32'), p('ExecutionRoutine', 'callback', { of: 'DRIVER_CONTROL' }), p('Context', 'context')], 'i32'),
  d('FlushAdapterBuffers', [p('Mdl', 'object'), p('MapRegisterBase', 'context'), p('CurrentVa', 'address'), p('Length', 'u32'), p('WriteToDevice', 'bool')], 'bool'),
  d('FreeAdapterChannel', []),
  d('FreeMapRegisters', [p('MapRegisterBase', 'context'), p('NumberOfMapRegisters', 'u32')]),
  d('MapTransfer', [p('Mdl', 'object'), p('MapRegisterBase', 'context'), p('CurrentVa', 'address'), p('Length', 'inout-u32'), p('WriteToDevice', 'bool')], 'large'),
  d('GetDmaAlignment', [], 'u32'),
  d('ReadDmaCounter', [], 'u32'),
  d('GetScatterGatherList', [p('DeviceObject', 'object'), p('Mdl', 'object'), p('CurrentVa', 'address'), p('Length', 'u32'), p('ExecutionRoutine', 'callback', { of: 'DRIVER_LIST_CONTROL' }), p('Context', 'context'), p('WriteToDevice', 'bool')], 'i32'),
  d('PutScatterGatherList', [p('ScatterGather', 'object', { releases: true }), p('WriteToDevice', 'bool')]),
  d('CalculateScatterGatherList', [p('Mdl', 'object'), p('CurrentVa', 'address'), p('Length', 'u32'), p('ScatterGatherListSize', 'out-u32'), p('NumberOfMapRegisters', 'out-u32')], 'i32'),
  d('BuildScatterGatherList', [p('DeviceObject', 'object'), p('Mdl', 'object'), p('CurrentVa', 'address'), p('Length', 'u32'), p('ExecutionRoutine', 'callback', { of: 'DRIVER_LIST_CONTROL' }), p('Context', 'context'), p('WriteToDevice', 'bool'), p('ScatterGatherBuffer', 'address'), p('ScatterGatherLength', 'u32')], 'i32'),
];
