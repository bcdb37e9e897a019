/*
 * What every C driver of the DMA test device does the same way, for the
 * suite's C reference drivers (src/conformance/<class>/reference.c): find and
 * map BAR0, get a scatter/gather bus-master adapter and a descriptor ring in a
 * common buffer, turn bus mastering on and off (DEV-1), acknowledge the
 * interrupt, describe a scatter/gather list to the device (DEV-2), and watch a
 * transfer that never ends (a hung or removed device).
 *
 * A driver keeps one DMA_TEST_DEVICE in its device extension, initializes it in
 * AddDevice (DmaTestDeviceInitialize) and calls the rest from its routines.
 */
#ifndef DMA_CONFORMANCE_DMA_TEST_DEVICE_DRIVER_H
#define DMA_CONFORMANCE_DMA_TEST_DEVICE_DRIVER_H

#include <wdm.h>
#include <dma-conformance/dma-test-device.h>

#define DMA_TEST_DEVICE_REGISTERS_LENGTH 0x100  /* the registers a driver maps of BAR0 */
#define DMA_TEST_DEVICE_ALL_ONES 0xffffffffu    /* what every register of a removed device reads */
#define DMA_TEST_DEVICE_RING_BYTES (DMA_MAX_RING_DESCRIPTORS * sizeof(DMA_DESCRIPTOR))
#define PCI_COMMAND 0x04
#define PCI_COMMAND_BUS_MASTER 0x4

typedef struct _DMA_TEST_DEVICE {
  PDEVICE_OBJECT Pdo;
  PUCHAR Registers;              /* BAR0, mapped by MmMapIoSpace */
  ULONG RegistersLength;
  ULONG MaxTransfer;             /* MAX_TRANSFER_LENGTH: the longest descriptor */
  ULONG MapRegisters;            /* the most pages one scatter/gather list may span */
  BOOLEAN Addressing64;
  PDMA_ADAPTER Adapter;
  PDMA_DESCRIPTOR Ring;
  PHYSICAL_ADDRESS RingLogical;
  KTIMER WatchdogTimer;
  KDPC WatchdogDpc;
  ULONG WatchdogMs;
  ULONGLONG WatchdogDue;         /* KeQueryInterruptTime when the timer is due */
  ULONGLONG LastProgress;        /* the device's progress when the timer was set; ~0: just armed */
} DMA_TEST_DEVICE, *PDMA_TEST_DEVICE;

/* Complete a request with its status and byte count; returns the status, for dispatch routines. */
static inline NTSTATUS CompleteRequest(PIRP Irp, NTSTATUS Status, ULONG_PTR Information) {
  Irp->IoStatus.Status = Status;
  Irp->IoStatus.Information = Information;
  IoCompleteRequest(Irp, IO_NO_INCREMENT);
  return Status;
}

static inline ULONG DmaTestDeviceRead(PDMA_TEST_DEVICE Device, ULONG Offset) { return READ_REGISTER_ULONG((volatile ULONG *)(Device->Registers + Offset)); }
static inline VOID DmaTestDeviceWrite(PDMA_TEST_DEVICE Device, ULONG Offset, ULONG Value) { WRITE_REGISTER_ULONG((volatile ULONG *)(Device->Registers + Offset), Value); }

/* AddDevice's part: the watchdog's timer and DPC (Watchdog runs with DeviceObject as its context). */
static inline VOID DmaTestDeviceInitialize(PDMA_TEST_DEVICE Device, PDEVICE_OBJECT DeviceObject, PDEVICE_OBJECT Pdo, PKDEFERRED_ROUTINE Watchdog, ULONG WatchdogMs) {
  Device->Pdo = Pdo;
  Device->WatchdogMs = WatchdogMs;
  KeInitializeTimer(&Device->WatchdogTimer);
  KeInitializeDpc(&Device->WatchdogDpc, Watchdog, DeviceObject);
}

static inline ULONG DmaTestDevicePciSlot(PDEVICE_OBJECT Pdo) {
  ULONG address = 0, length = 0;  /* device << 16 | function */
  IoGetDeviceProperty(Pdo, DevicePropertyAddress, sizeof address, &address, &length);
  return (address >> 16) | ((address & 0x7) << 5);  /* PCI_SLOT_NUMBER */
}

/* Bus mastering on for as long as the device is started (DEV-1). */
static inline VOID DmaTestDeviceSetBusMaster(PDMA_TEST_DEVICE Device, BOOLEAN On) {
  USHORT command = 0;
  ULONG slot = DmaTestDevicePciSlot(Device->Pdo);
  HalGetBusDataByOffset(PCIConfiguration, 0, slot, &command, PCI_COMMAND, sizeof command);
  command = On ? (command | PCI_COMMAND_BUS_MASTER) : (command & ~PCI_COMMAND_BUS_MASTER);
  HalSetBusDataByOffset(PCIConfiguration, 0, slot, &command, PCI_COMMAND, sizeof command);
}

/* The first memory BAR of the translated resources: BAR0, the registers. */
static inline PCM_PARTIAL_RESOURCE_DESCRIPTOR DmaTestDeviceRegisterBar(PCM_RESOURCE_LIST Resources) {
  PCM_PARTIAL_RESOURCE_LIST partial = &Resources->List[0].PartialResourceList;
  PCM_PARTIAL_RESOURCE_DESCRIPTOR d = partial->PartialDescriptors, end = d + partial->Count;
  while (d < end && d->Type != CmResourceTypeMemory) d++;
  return d < end ? d : NULL;
}

/* StartDevice's part: BAR0, a scatter/gather bus-master adapter (64-bit only when the device says so: SG-1, SG-6), the ring, bus mastering. */
static inline NTSTATUS DmaTestDeviceStart(PDMA_TEST_DEVICE Device, PCM_RESOURCE_LIST Resources, ULONG MaximumLength) {
  PCM_PARTIAL_RESOURCE_DESCRIPTOR bar = DmaTestDeviceRegisterBar(Resources);
  if (bar == NULL) return STATUS_DEVICE_NOT_CONNECTED;
  Device->RegistersLength = bar->u.Memory.Length > DMA_TEST_DEVICE_REGISTERS_LENGTH ? DMA_TEST_DEVICE_REGISTERS_LENGTH : bar->u.Memory.Length;
  if ((Device->Registers = MmMapIoSpace(bar->u.Memory.Start, Device->RegistersLength, MmNonCached)) == NULL) return STATUS_INSUFFICIENT_RESOURCES;
  Device->MaxTransfer = DmaTestDeviceRead(Device, DMA_REG_MAX_TRANSFER_LENGTH);
  Device->Addressing64 = (DmaTestDeviceRead(Device, DMA_REG_CAPABILITIES) & DMA_CAPABILITY_ADDRESSING_64BIT) != 0;
  DEVICE_DESCRIPTION description = {
    .Version = DEVICE_DESCRIPTION_VERSION3, .Master = TRUE, .ScatterGather = TRUE, .InterfaceType = PCIBus,
    .MaximumLength = MaximumLength, .Dma32BitAddresses = TRUE, .Dma64BitAddresses = Device->Addressing64,
  };
  if ((Device->Adapter = IoGetDmaAdapter(Device->Pdo, &description, &Device->MapRegisters)) == NULL) return STATUS_INSUFFICIENT_RESOURCES;
  Device->Ring = Device->Adapter->DmaOperations->AllocateCommonBuffer(Device->Adapter, DMA_TEST_DEVICE_RING_BYTES, &Device->RingLogical, FALSE);
  if (Device->Ring == NULL) {
    Device->Adapter->DmaOperations->PutDmaAdapter(Device->Adapter);
    Device->Adapter = NULL;
    return STATUS_INSUFFICIENT_RESOURCES;
  }
  DmaTestDeviceSetBusMaster(Device, TRUE);
  return STATUS_SUCCESS;
}

/* RemoveDevice's part: undo DmaTestDeviceStart, in reverse order. */
static inline VOID DmaTestDeviceStop(PDMA_TEST_DEVICE Device) {
  KeCancelTimer(&Device->WatchdogTimer);
  KeRemoveQueueDpc(&Device->WatchdogDpc);
  if (Device->Registers) DmaTestDeviceSetBusMaster(Device, FALSE);
  if (Device->Ring) Device->Adapter->DmaOperations->FreeCommonBuffer(Device->Adapter, DMA_TEST_DEVICE_RING_BYTES, Device->RingLogical, Device->Ring, FALSE);
  if (Device->Adapter) Device->Adapter->DmaOperations->PutDmaAdapter(Device->Adapter);
  if (Device->Registers) MmUnmapIoSpace(Device->Registers, Device->RegistersLength);
}

/* AddDevice's part: the device object with an extension of ExtensionSize bytes (zeroed), attached over the PDO. */
static inline NTSTATUS DmaTestDeviceCreate(PDRIVER_OBJECT DriverObject, PDEVICE_OBJECT Pdo, ULONG ExtensionSize, PDEVICE_OBJECT *DeviceObject) {
  NTSTATUS status = IoCreateDevice(DriverObject, ExtensionSize, NULL, FILE_DEVICE_UNKNOWN, 0, FALSE, DeviceObject);
  if (NT_SUCCESS(status)) IoAttachDeviceToDeviceStack(*DeviceObject, Pdo);
  return status;
}

/* DriverEntry's part for a driver that serves IOCTLs on handles. */
static inline VOID DmaTestDeviceServeHandles(PDRIVER_OBJECT DriverObject, PDRIVER_DISPATCH Create, PDRIVER_DISPATCH Close, PDRIVER_DISPATCH Cleanup, PDRIVER_DISPATCH DeviceControl) {
  PDRIVER_DISPATCH *major = DriverObject->MajorFunction;
  major[IRP_MJ_CREATE] = Create;
  major[IRP_MJ_CLOSE] = Close;
  major[IRP_MJ_CLEANUP] = Cleanup;
  major[IRP_MJ_DEVICE_CONTROL] = DeviceControl;
}

/* RemoveDevice: undo StartDevice, then detach and delete the device object. */
static inline VOID DmaTestDeviceRemove(PDEVICE_OBJECT DeviceObject, PDMA_TEST_DEVICE Device) {
  DmaTestDeviceStop(Device);
  IoDetachDevice(Device->Pdo);
  IoDeleteDevice(DeviceObject);
}

/* The ISR: acknowledge the device and leave the rest to the DPC, which gets the pending sources as its context. */
static inline BOOLEAN DmaTestDeviceInterrupt(PDEVICE_OBJECT DeviceObject, PDMA_TEST_DEVICE Device);

/* The ISR's part: the pending interrupt sources, now acknowledged; 0 when the interrupt is not the device's (or it is gone). */
static inline ULONG DmaTestDeviceAcknowledge(PDMA_TEST_DEVICE Device) {
  ULONG pending = DmaTestDeviceRead(Device, DMA_REG_INTERRUPT_STATUS);
  if (pending == 0 || pending == DMA_TEST_DEVICE_ALL_ONES) return 0;
  DmaTestDeviceWrite(Device, DMA_REG_INTERRUPT_ACK, pending);
  return pending;
}

static inline BOOLEAN DmaTestDeviceInterrupt(PDEVICE_OBJECT DeviceObject, PDMA_TEST_DEVICE Device) {
  ULONG pending = DmaTestDeviceAcknowledge(Device);
  if (pending) IoRequestDpc(DeviceObject, NULL, (PVOID)(ULONG_PTR)pending);
  return pending != 0;
}

/* The device's state (DMA_STATE_*); DMA_STATE_ERROR for a removed device, whose registers read all ones. */
static inline ULONG DmaTestDeviceState(PDMA_TEST_DEVICE Device) {
  ULONG status = DmaTestDeviceRead(Device, DMA_REG_STATUS);
  return status == DMA_TEST_DEVICE_ALL_ONES ? DMA_STATE_ERROR : (status & DMA_STATUS_STATE_MASK);
}

static inline BOOLEAN DmaTestDeviceRemoved(PDMA_TEST_DEVICE Device) { return DmaTestDeviceRead(Device, DMA_REG_STATUS) == DMA_TEST_DEVICE_ALL_ONES; }

/* Stop the running transfer: the device reports an error and interrupts (interrupts stay on to hear it). */
static inline VOID DmaTestDeviceAbort(PDMA_TEST_DEVICE Device) { DmaTestDeviceWrite(Device, DMA_REG_CONTROL, DMA_CONTROL_INTERRUPT_ENABLE | DMA_CONTROL_ABORT); }

/*
 * IRP_MJ_CREATE: the handle's state, Size bytes of non-paged pool, zeroed, whose first field is the handle's
 * PFILE_OBJECT, kept in FileObject->FsContext. IRP_MJ_CLOSE frees it (cleanup has released what it held).
 */
static inline NTSTATUS CreateHandleContext(PIRP Irp, ULONG Size, ULONG Tag) {
  PFILE_OBJECT file = IoGetCurrentIrpStackLocation(Irp)->FileObject;
  PFILE_OBJECT *context = ExAllocatePoolWithTag(NonPagedPool, Size, Tag);
  if (!context) return CompleteRequest(Irp, STATUS_INSUFFICIENT_RESOURCES, 0);
  RtlZeroMemory(context, Size);
  *context = file;
  file->FsContext = context;
  return CompleteRequest(Irp, STATUS_SUCCESS, 0);
}

static inline NTSTATUS CloseHandleContext(PIRP Irp, ULONG Tag) {
  PFILE_OBJECT file = IoGetCurrentIrpStackLocation(Irp)->FileObject;
  if (file->FsContext) ExFreePoolWithTag(file->FsContext, Tag);
  file->FsContext = NULL;
  return CompleteRequest(Irp, STATUS_SUCCESS, 0);
}

/* Cleanup's part: every request of the handle still in the queue completes as cancelled. */
static inline VOID CancelQueuedRequests(PIO_CSQ Queue, PFILE_OBJECT File) {
  for (PIRP irp = IoCsqRemoveNextIrp(Queue, File); irp; irp = IoCsqRemoveNextIrp(Queue, File)) CompleteRequest(irp, STATUS_CANCELLED, 0);
}

static inline VOID DmaTestDeviceSetWatchdog(PDMA_TEST_DEVICE Device) {
  LARGE_INTEGER due;
  due.QuadPart = -(LONGLONG)Device->WatchdogMs * 10000;
  Device->WatchdogDue = KeQueryInterruptTime() + (ULONGLONG)Device->WatchdogMs * 10000;
  KeSetTimer(&Device->WatchdogTimer, due, &Device->WatchdogDpc);
}

static inline VOID DmaTestDeviceCancelWatchdog(PDMA_TEST_DEVICE Device) {
  KeCancelTimer(&Device->WatchdogTimer);
  KeRemoveQueueDpc(&Device->WatchdogDpc);
}

/* Cleanup's stop of a handle's transfer: the device stops now (its error interrupt must find nothing active), the watchdog with it. */
static inline VOID DmaTestDeviceHalt(PDMA_TEST_DEVICE Device) {
  DmaTestDeviceAbort(Device);
  DmaTestDeviceCancelWatchdog(Device);
}

/*
 * The watchdog DPC's question: is the device stuck? Only one that moved nothing for a whole period is;
 * one that moved, or a timer that ran late (the CPU was held up, and the device with it), gets another period.
 */
static inline BOOLEAN DmaTestDeviceStuck(PDMA_TEST_DEVICE Device) {
  ULONGLONG progress = DmaTestDeviceRead(Device, DMA_REG_BYTES_TRANSFERRED) + ((ULONGLONG)DmaTestDeviceRead(Device, DMA_REG_RING_PROGRESS) << 32);
  BOOLEAN late = KeQueryInterruptTime() > Device->WatchdogDue + (ULONGLONG)Device->WatchdogMs * 10000;
  if (progress != Device->LastProgress || late) {
    Device->LastProgress = progress;
    DmaTestDeviceSetWatchdog(Device);
    return FALSE;
  }
  return TRUE;
}

/*
 * Describe a scatter/gather list in the ring, an element longer than the device's longest transfer as
 * several descriptors (DEV-2), and start the device on it, with its completion interrupt and the watchdog.
 */
static inline VOID DmaTestDeviceStartList(PDMA_TEST_DEVICE Device, PSCATTER_GATHER_LIST List, ULONGLONG StreamOffset, BOOLEAN ToDevice) {
  PDMA_DESCRIPTOR next = Device->Ring;
  const SCATTER_GATHER_ELEMENT *element = List->Elements, *last = List->Elements + List->NumberOfElements;
  for (; element < last; element++) {
    ULONGLONG address = (ULONGLONG)element->Address.QuadPart;
    ULONG left = element->Length;
    while (left > 0) {
      ULONG length = left > Device->MaxTransfer ? Device->MaxTransfer : left;
      next->Address = address;
      next->Length = length;
      next->Flags = 0;
      next++;
      address += length;
      left -= length;
    }
  }
  ULONG n = (ULONG)(next - Device->Ring);
  next[-1].Flags = DMA_DESCRIPTOR_LAST;
  DmaTestDeviceWrite(Device, DMA_REG_RING_BASE_LOW, Device->RingLogical.LowPart);
  DmaTestDeviceWrite(Device, DMA_REG_RING_BASE_HIGH, (ULONG)Device->RingLogical.HighPart);
  DmaTestDeviceWrite(Device, DMA_REG_RING_COUNT, n);
  DmaTestDeviceWrite(Device, DMA_REG_STREAM_OFFSET_LOW, (ULONG)StreamOffset);
  DmaTestDeviceWrite(Device, DMA_REG_STREAM_OFFSET_HIGH, (ULONG)(StreamOffset >> 32));
  DmaTestDeviceWrite(Device, DMA_REG_CONTROL, DMA_CONTROL_INTERRUPT_ENABLE | DMA_CONTROL_MODE_DESCRIPTOR_RING | (ToDevice ? DMA_CONTROL_DIRECTION_HOST_TO_DEVICE : 0) | DMA_CONTROL_START);
  Device->LastProgress = ~0ull;
  DmaTestDeviceSetWatchdog(Device);
}

/*
 * The exports every driver that serves IOCTLs on handles has alike, for a device extension type Extension
 * whose DMA_TEST_DEVICE is its Device: DriverEntry (dispatch routines named Create, Close, Cleanup and
 * DeviceControl), AddDevice (which calls Initialize(extension, device object, PDO) before the device is
 * ready), StartDevice, the ISR, the DPC (which calls Dpc with the extension) and RemoveDevice.
 */
#define DMA_TEST_DEVICE_EXPORTS(Extension, Initialize, MaximumLength, Dpc) \
  DRIVER_EXPORT(DriverEntry) NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath) { \
    DmaTestDeviceServeHandles(DriverObject, Create, Close, Cleanup, DeviceControl); \
    return STATUS_SUCCESS; \
  } \
  DRIVER_EXPORT(AddDevice) NTSTATUS AddDevice(PDRIVER_OBJECT DriverObject, PDEVICE_OBJECT Pdo) { \
    PDEVICE_OBJECT device; \
    NTSTATUS status = DmaTestDeviceCreate(DriverObject, Pdo, sizeof(Extension), &device); \
    if (!NT_SUCCESS(status)) return status; \
    Initialize((Extension *)device->DeviceExtension, device, Pdo); \
    device->Flags &= ~DO_DEVICE_INITIALIZING; \
    return STATUS_SUCCESS; \
  } \
  DRIVER_EXPORT(StartDevice) NTSTATUS StartDevice(PDEVICE_OBJECT DeviceObject, PCM_RESOURCE_LIST Resources) { \
    return DmaTestDeviceStart(&((Extension *)DeviceObject->DeviceExtension)->Device, Resources, (MaximumLength)); \
  } \
  DRIVER_EXPORT(InterruptService) BOOLEAN InterruptService(PKINTERRUPT Interrupt, PVOID ServiceContext) { \
    return DmaTestDeviceInterrupt(ServiceContext, &((Extension *)((PDEVICE_OBJECT)ServiceContext)->DeviceExtension)->Device); \
  } \
  DRIVER_EXPORT(DpcForIsr) VOID DpcForIsr(PKDPC DpcObject, PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context) { \
    Dpc(DeviceObject->DeviceExtension); \
  } \
  DRIVER_EXPORT(RemoveDevice) VOID RemoveDevice(PDEVICE_OBJECT DeviceObject) { \
    DmaTestDeviceRemove(DeviceObject, &((Extension *)DeviceObject->DeviceExtension)->Device); \
  }

#endif
