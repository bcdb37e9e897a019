/*
 * What every C driver of the DMA test device (docs/dma-device.md) does the
 * same way, so each driver keeps only what makes it different:
 *
 *   AddDevice     DmaTestDeviceCreate, DmaTestDeviceInitialize
 *   StartDevice   DmaTestDeviceStart: BAR0, a scatter/gather bus-master
 *                 adapter, the descriptor ring, bus mastering
 *   a transfer    DmaTestDeviceStartList (or DmaTestDeviceDescribe... then
 *                 DmaTestDeviceStartRing and DmaTestDeviceArmWatchdog)
 *   the ISR       DmaTestDeviceInterrupt: acknowledge, queue the DPC
 *   the DPC       DmaTestDeviceTransferEnded: how the transfer ended
 *   the watchdog  DmaTestDeviceWatch: a transfer that never interrupts
 *   RemoveDevice  DmaTestDeviceRemove (DmaTestDeviceStop undoes StartDevice)
 *   requests      CompleteRequest; for a driver that serves IOCTLs on
 *                 handles, its handle contexts and DMA_TEST_DEVICE_EXPORTS
 *
 * A driver keeps one DMA_TEST_DEVICE in its device extension and its own
 * locking, queues and requests. The register layout is dma-test-device.h.
 */
#ifndef DMA_CONFORMANCE_DMA_TEST_DEVICE_KIT_H
#define DMA_CONFORMANCE_DMA_TEST_DEVICE_KIT_H

#include <wdm.h>
#include <dma-conformance/dma-test-device.h>

#define DMA_TEST_DEVICE_REGISTERS_LENGTH 0x100  /* the part of BAR0 a driver maps: every register */
#define DMA_TEST_DEVICE_ALL_ONES 0xffffffffu    /* what every register of a device that is gone reads */
#define DMA_TEST_DEVICE_RING_BYTES (DMA_MAX_RING_DESCRIPTORS * sizeof(DMA_DESCRIPTOR))
#define DMA_TEST_DEVICE_PCI_COMMAND 0x04        /* the command register in PCI configuration space */
#define DMA_TEST_DEVICE_PCI_BUS_MASTER 0x4

typedef struct _DMA_TEST_DEVICE {
  PDEVICE_OBJECT Pdo;
  PUCHAR Registers;             /* BAR0, from MmMapIoSpace: passed to READ/WRITE_REGISTER_ULONG, never dereferenced */
  ULONG RegistersLength;
  ULONG MaxTransfer;            /* MAX_TRANSFER_LENGTH: the most one descriptor may carry (DEV-2) */
  BOOLEAN Addressing64;         /* the device reaches 64-bit addresses (SG-1) */
  ULONG MapRegisters;           /* what IoGetDmaAdapter granted: the most pages one list may span */
  ULONG LongestTransfer;        /* the most one scatter/gather list may map and the ring describe */
  PDMA_ADAPTER Adapter;
  PDMA_DESCRIPTOR Ring;         /* DMA_MAX_RING_DESCRIPTORS descriptors in a common buffer the device fetches */
  PHYSICAL_ADDRESS RingLogical;
  KTIMER WatchdogTimer;
  KDPC WatchdogDpc;
  ULONG WatchdogMs;             /* a whole period without progress: the device is stuck */
  ULONGLONG WatchdogDue;        /* KeQueryInterruptTime when the timer is due */
  ULONGLONG LastProgress;       /* the device's progress at the last expiry */
  BOOLEAN FirstLook;            /* armed since the last expiry: nothing to compare with yet */
} DMA_TEST_DEVICE, *PDMA_TEST_DEVICE;

/*
 * How the device's transfer ended, read from its registers. Status:
 * STATUS_PENDING (still busy), STATUS_SUCCESS (Done), STATUS_IO_DEVICE_ERROR
 * (Error), STATUS_DEVICE_NOT_CONNECTED (gone: every register reads all ones).
 */
typedef struct _DMA_TRANSFER_RESULT {
  NTSTATUS Status;
  ULONG Bytes;                  /* BYTES_TRANSFERRED; 0 for a device that is gone (DEV-3 claims nothing it cannot read) */
  ULONG Register;               /* the STATUS register as read, for a driver that decodes it itself */
} DMA_TRANSFER_RESULT;

/* Complete a request with its status and byte count; returns the status, for dispatch routines. */
static inline NTSTATUS CompleteRequest(PIRP Irp, NTSTATUS Status, ULONG_PTR Information) {
  Irp->IoStatus.Status = Status;
  Irp->IoStatus.Information = Information;
  IoCompleteRequest(Irp, IO_NO_INCREMENT);
  return Status;
}

/* --- registers and PCI configuration ------------------------------------------------- */

static inline ULONG DmaTestDeviceRead(PDMA_TEST_DEVICE Device, ULONG Register) {
  return READ_REGISTER_ULONG((volatile ULONG *)(Device->Registers + Register));
}

static inline VOID DmaTestDeviceWrite(PDMA_TEST_DEVICE Device, ULONG Register, ULONG Value) {
  WRITE_REGISTER_ULONG((volatile ULONG *)(Device->Registers + Register), Value);
}

/* The function's PCI slot on bus 0: DevicePropertyAddress gives device << 16 | function, PCI_SLOT_NUMBER wants them packed. */
static inline ULONG DmaTestDevicePciSlot(PDEVICE_OBJECT Pdo) {
  ULONG address = 0, returned = 0;
  IoGetDeviceProperty(Pdo, DevicePropertyAddress, sizeof address, &address, &returned);
  return (address >> 16) | ((address & 0x7) << 5);
}

/* Bus mastering on only while the driver has the device's DMA set up (DEV-1). */
static inline VOID DmaTestDeviceSetBusMaster(PDMA_TEST_DEVICE Device, BOOLEAN On) {
  ULONG slot = DmaTestDevicePciSlot(Device->Pdo);
  USHORT command = 0;
  HalGetBusDataByOffset(PCIConfiguration, 0, slot, &command, DMA_TEST_DEVICE_PCI_COMMAND, sizeof command);
  if (On) command |= DMA_TEST_DEVICE_PCI_BUS_MASTER;
  else command &= (USHORT)~DMA_TEST_DEVICE_PCI_BUS_MASTER;
  HalSetBusDataByOffset(PCIConfiguration, 0, slot, &command, DMA_TEST_DEVICE_PCI_COMMAND, sizeof command);
}

/* --- AddDevice, StartDevice, RemoveDevice ---------------------------------------------- */

/* AddDevice's part: the FDO, with a zeroed extension of ExtensionSize bytes, attached over the PDO; IoFlags: DO_DIRECT_IO, DO_BUFFERED_IO or 0. */
static inline NTSTATUS DmaTestDeviceCreate(PDRIVER_OBJECT DriverObject, PDEVICE_OBJECT Pdo, ULONG ExtensionSize, ULONG IoFlags, PDEVICE_OBJECT *Fdo) {
  NTSTATUS status = IoCreateDevice(DriverObject, ExtensionSize, NULL, FILE_DEVICE_UNKNOWN, 0, FALSE, Fdo);
  if (!NT_SUCCESS(status)) return status;
  (*Fdo)->Flags |= IoFlags;
  IoAttachDeviceToDeviceStack(*Fdo, Pdo);
  return STATUS_SUCCESS;
}

/* AddDevice's part of the DMA_TEST_DEVICE: the PDO, and the watchdog's timer and DPC (the driver's routine, with its context). */
static inline VOID DmaTestDeviceInitialize(PDMA_TEST_DEVICE Device, PDEVICE_OBJECT Pdo, PKDEFERRED_ROUTINE Watchdog, PVOID WatchdogContext, ULONG WatchdogMs) {
  Device->Pdo = Pdo;
  Device->WatchdogMs = WatchdogMs;
  KeInitializeTimer(&Device->WatchdogTimer);
  KeInitializeDpc(&Device->WatchdogDpc, Watchdog, WatchdogContext);
}

/*
 * The most one transfer may take: no more pages than map registers (an
 * unaligned piece spans one page more than its length), no more descriptors
 * than half the ring (one per element, one per page, each cut at the
 * device's maximum), no more than the driver's MaximumLength.
 */
static inline ULONG DmaTestDeviceLongestTransfer(PDMA_TEST_DEVICE Device, ULONG MaximumLength) {
  ULONG byMapRegisters = (Device->MapRegisters > 1 ? Device->MapRegisters - 1 : 1) * PAGE_SIZE;
  ULONG byRing = (DMA_MAX_RING_DESCRIPTORS / 2 - 1) * (Device->MaxTransfer < PAGE_SIZE ? Device->MaxTransfer : PAGE_SIZE);
  ULONG longest = MaximumLength;
  if (byRing < PAGE_SIZE) byRing = PAGE_SIZE;
  if (byMapRegisters < longest) longest = byMapRegisters;
  if (byRing < longest) longest = byRing;
  return longest;
}

/* RemoveDevice's part, and a failed start's: undo DmaTestDeviceStart in reverse order (whatever of it was done). */
static inline VOID DmaTestDeviceStop(PDMA_TEST_DEVICE Device) {
  KeCancelTimer(&Device->WatchdogTimer);
  KeRemoveQueueDpc(&Device->WatchdogDpc);
  if (Device->Ring) {
    DmaTestDeviceSetBusMaster(Device, FALSE);
    Device->Adapter->DmaOperations->FreeCommonBuffer(Device->Adapter, DMA_TEST_DEVICE_RING_BYTES, Device->RingLogical, Device->Ring, FALSE);
    Device->Ring = NULL;
  }
  if (Device->Adapter) Device->Adapter->DmaOperations->PutDmaAdapter(Device->Adapter);
  Device->Adapter = NULL;
  if (Device->Registers) MmUnmapIoSpace(Device->Registers, Device->RegistersLength);
  Device->Registers = NULL;
}

/*
 * StartDevice's part: BAR0 (the first memory resource), a scatter/gather
 * bus-master adapter for transfers of MaximumLength (64-bit only when the
 * device says so: SG-1, SG-6), the descriptor ring, then bus mastering.
 * A start that fails undoes what it did.
 */
static inline NTSTATUS DmaTestDeviceStart(PDMA_TEST_DEVICE Device, PCM_RESOURCE_LIST Resources, ULONG MaximumLength) {
  PCM_PARTIAL_RESOURCE_LIST partial = &Resources->List[0].PartialResourceList;
  PCM_PARTIAL_RESOURCE_DESCRIPTOR bar0 = NULL;
  for (ULONG i = 0; i < partial->Count && !bar0; i++) {
    if (partial->PartialDescriptors[i].Type == CmResourceTypeMemory) bar0 = &partial->PartialDescriptors[i];
  }
  if (!bar0) return STATUS_DEVICE_NOT_CONNECTED;
  Device->RegistersLength = bar0->u.Memory.Length < DMA_TEST_DEVICE_REGISTERS_LENGTH ? bar0->u.Memory.Length : DMA_TEST_DEVICE_REGISTERS_LENGTH;
  Device->Registers = MmMapIoSpace(bar0->u.Memory.Start, Device->RegistersLength, MmNonCached);
  if (!Device->Registers) return STATUS_INSUFFICIENT_RESOURCES;
  Device->MaxTransfer = DmaTestDeviceRead(Device, DMA_REG_MAX_TRANSFER_LENGTH);
  if (Device->MaxTransfer == 0 || Device->MaxTransfer == DMA_TEST_DEVICE_ALL_ONES) {  /* no descriptor could carry a byte: the device is gone */
    DmaTestDeviceStop(Device);
    return STATUS_DEVICE_NOT_CONNECTED;
  }
  Device->Addressing64 = (DmaTestDeviceRead(Device, DMA_REG_CAPABILITIES) & DMA_CAPABILITY_ADDRESSING_64BIT) != 0;

  DEVICE_DESCRIPTION description = {
    .Version = DEVICE_DESCRIPTION_VERSION3, .Master = TRUE, .ScatterGather = TRUE, .InterfaceType = PCIBus,
    .MaximumLength = MaximumLength, .Dma32BitAddresses = TRUE, .Dma64BitAddresses = Device->Addressing64,
  };
  Device->Adapter = IoGetDmaAdapter(Device->Pdo, &description, &Device->MapRegisters);
  if (Device->Adapter) {
    Device->LongestTransfer = DmaTestDeviceLongestTransfer(Device, MaximumLength);
    Device->Ring = Device->Adapter->DmaOperations->AllocateCommonBuffer(Device->Adapter, DMA_TEST_DEVICE_RING_BYTES, &Device->RingLogical, FALSE);
  }
  if (!Device->Ring) {
    DmaTestDeviceStop(Device);
    return STATUS_INSUFFICIENT_RESOURCES;
  }
  DmaTestDeviceSetBusMaster(Device, TRUE);
  return STATUS_SUCCESS;
}

/* RemoveDevice: undo StartDevice, then leave the stack and delete the FDO. */
static inline VOID DmaTestDeviceRemove(PDMA_TEST_DEVICE Device, PDEVICE_OBJECT Fdo) {
  DmaTestDeviceStop(Device);
  IoDetachDevice(Device->Pdo);
  IoDeleteDevice(Fdo);
}

/* --- descriptors and transfers ----------------------------------------------------------- */

/*
 * Descriptors for one device-visible range from descriptor First on, none
 * longer than the device's maximum transfer (DEV-2); returns the next free
 * descriptor. DmaTestDeviceStartRing marks the last one.
 */
static inline ULONG DmaTestDeviceDescribe(PDMA_TEST_DEVICE Device, ULONG First, ULONGLONG Address, ULONG Length) {
  ULONG n = First;
  for (ULONG done = 0; done < Length && n < DMA_MAX_RING_DESCRIPTORS; n++) {
    ULONG piece = Length - done < Device->MaxTransfer ? Length - done : Device->MaxTransfer;
    Device->Ring[n].Address = Address + done;
    Device->Ring[n].Length = piece;
    Device->Ring[n].Flags = 0;
    done += piece;
  }
  return n;
}

/* Descriptors for every element of a scatter/gather list, from descriptor First on; returns the next free one. */
static inline ULONG DmaTestDeviceDescribeList(PDMA_TEST_DEVICE Device, ULONG First, PSCATTER_GATHER_LIST List) {
  ULONG n = First;
  for (ULONG e = 0; e < List->NumberOfElements; e++) {
    n = DmaTestDeviceDescribe(Device, n, (ULONGLONG)List->Elements[e].Address.QuadPart, List->Elements[e].Length);
  }
  return n;
}

/* Start the device on the ring's first Count descriptors at stream offset StreamOffset; it interrupts when it ends. */
static inline VOID DmaTestDeviceStartRing(PDMA_TEST_DEVICE Device, ULONG Count, ULONGLONG StreamOffset, BOOLEAN ToDevice) {
  Device->Ring[Count - 1].Flags = DMA_DESCRIPTOR_LAST;
  DmaTestDeviceWrite(Device, DMA_REG_RING_BASE_LOW, Device->RingLogical.LowPart);
  DmaTestDeviceWrite(Device, DMA_REG_RING_BASE_HIGH, (ULONG)Device->RingLogical.HighPart);
  DmaTestDeviceWrite(Device, DMA_REG_RING_COUNT, Count);
  DmaTestDeviceWrite(Device, DMA_REG_STREAM_OFFSET_LOW, (ULONG)StreamOffset);
  DmaTestDeviceWrite(Device, DMA_REG_STREAM_OFFSET_HIGH, (ULONG)(StreamOffset >> 32));
  ULONG direction = ToDevice ? DMA_CONTROL_DIRECTION_HOST_TO_DEVICE : 0;
  DmaTestDeviceWrite(Device, DMA_REG_CONTROL, DMA_CONTROL_INTERRUPT_ENABLE | DMA_CONTROL_MODE_DESCRIPTOR_RING | direction | DMA_CONTROL_START);
}

/* Stop the running transfer: the device ends it in Error and interrupts (interrupts stay enabled to hear it). */
static inline VOID DmaTestDeviceAbort(PDMA_TEST_DEVICE Device) {
  DmaTestDeviceWrite(Device, DMA_REG_CONTROL, DMA_CONTROL_INTERRUPT_ENABLE | DMA_CONTROL_ABORT);
}

static inline DMA_TRANSFER_RESULT DmaTestDeviceResult(PDMA_TEST_DEVICE Device) {
  ULONG status = DmaTestDeviceRead(Device, DMA_REG_STATUS);
  DMA_TRANSFER_RESULT result = { STATUS_DEVICE_NOT_CONNECTED, 0, status };
  if (status == DMA_TEST_DEVICE_ALL_ONES) return result;
  switch (status & DMA_STATUS_STATE_MASK) {
    case DMA_STATE_BUSY: result.Status = STATUS_PENDING; break;
    case DMA_STATE_DONE: result.Status = STATUS_SUCCESS; break;
    default: result.Status = STATUS_IO_DEVICE_ERROR; break;
  }
  result.Bytes = DmaTestDeviceRead(Device, DMA_REG_BYTES_TRANSFERRED);
  return result;
}

/* --- interrupt, DPC and watchdog ----------------------------------------------------------- */

/* The ISR: acknowledge what the device raised and leave the rest to the DPC (its context: the sources); FALSE when the interrupt is not the device's (one that is gone raises nothing). */
static inline BOOLEAN DmaTestDeviceInterrupt(PDMA_TEST_DEVICE Device, PDEVICE_OBJECT Fdo) {
  ULONG pending = DmaTestDeviceRead(Device, DMA_REG_INTERRUPT_STATUS);
  if (pending == 0 || pending == DMA_TEST_DEVICE_ALL_ONES) return FALSE;
  DmaTestDeviceWrite(Device, DMA_REG_INTERRUPT_ACK, pending);
  IoRequestDpc(Fdo, NULL, (PVOID)(ULONG_PTR)pending);
  return TRUE;
}

/* The DPC's question: did the transfer end? Not when the interrupt was an aborted transfer's, seen after the next one started. */
static inline BOOLEAN DmaTestDeviceTransferEnded(PDMA_TEST_DEVICE Device, DMA_TRANSFER_RESULT *Result) {
  *Result = DmaTestDeviceResult(Device);
  return Result->Status != STATUS_PENDING;
}

static inline VOID DmaTestDeviceSetWatchdog(PDMA_TEST_DEVICE Device) {
  LARGE_INTEGER due;
  due.QuadPart = -(LONGLONG)Device->WatchdogMs * 10000;  /* relative, in 100 ns */
  Device->WatchdogDue = KeQueryInterruptTime() + (ULONGLONG)Device->WatchdogMs * 10000;
  KeSetTimer(&Device->WatchdogTimer, due, &Device->WatchdogDpc);
}

/* A transfer started: its watchdog runs from now; the watchdog's DPC calls DmaTestDeviceWatch. */
static inline VOID DmaTestDeviceArmWatchdog(PDMA_TEST_DEVICE Device) {
  Device->FirstLook = TRUE;
  DmaTestDeviceSetWatchdog(Device);
}

static inline VOID DmaTestDeviceCancelWatchdog(PDMA_TEST_DEVICE Device) {
  KeCancelTimer(&Device->WatchdogTimer);
  KeRemoveQueueDpc(&Device->WatchdogDpc);
}

/* Cleanup's stop of a transfer: the device stops now (its error interrupt must find nothing active), the watchdog with it. */
static inline VOID DmaTestDeviceHalt(PDMA_TEST_DEVICE Device) {
  DmaTestDeviceAbort(Device);
  DmaTestDeviceCancelWatchdog(Device);
}

/* Describe a scatter/gather list in the ring and start the device on it, with its completion interrupt and the watchdog. */
static inline VOID DmaTestDeviceStartList(PDMA_TEST_DEVICE Device, PSCATTER_GATHER_LIST List, ULONGLONG StreamOffset, BOOLEAN ToDevice) {
  DmaTestDeviceStartRing(Device, DmaTestDeviceDescribeList(Device, 0, List), StreamOffset, ToDevice);
  DmaTestDeviceArmWatchdog(Device);
}

/*
 * The watchdog's expiry, for a transfer under way. TRUE when it is no longer
 * busy (a device that is gone never interrupts again): the caller ends it
 * with *Result. Time alone is no proof of a stuck device: when the timer ran
 * more than a period late the CPU (and the device with it) was held up, and a
 * device still moving data is slow. Only one that moved nothing for a whole
 * period is aborted, so it ends the transfer in Error and interrupts; the
 * watchdog looks again a period later.
 */
static inline BOOLEAN DmaTestDeviceWatch(PDMA_TEST_DEVICE Device, DMA_TRANSFER_RESULT *Result) {
  if (DmaTestDeviceTransferEnded(Device, Result)) return TRUE;
  ULONGLONG progress = DmaTestDeviceRead(Device, DMA_REG_BYTES_TRANSFERRED) | (ULONGLONG)DmaTestDeviceRead(Device, DMA_REG_RING_PROGRESS) << 32;
  BOOLEAN late = KeQueryInterruptTime() > Device->WatchdogDue + (ULONGLONG)Device->WatchdogMs * 10000;
  if (Device->FirstLook || progress != Device->LastProgress || late) {
    Device->FirstLook = FALSE;
    Device->LastProgress = progress;
  } else {
    DmaTestDeviceAbort(Device);
  }
  DmaTestDeviceSetWatchdog(Device);
  return FALSE;
}

/* --- drivers that serve IOCTLs on handles ------------------------------------------------------ */

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

/*
 * The exports of a driver that serves IOCTLs on handles, for a device extension type Extension whose
 * DMA_TEST_DEVICE is its Device: DriverEntry (dispatch routines named Create, Close, Cleanup and
 * DeviceControl), AddDevice (which calls Initialize(extension, device object, PDO) before the device is
 * ready), StartDevice, the ISR, the DPC (which calls Dpc with the extension) and RemoveDevice.
 */
#define DMA_TEST_DEVICE_EXPORTS(Extension, Initialize, MaximumLength, Dpc) \
  DRIVER_EXPORT(DriverEntry) NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath) { \
    DriverObject->MajorFunction[IRP_MJ_CREATE] = Create; \
    DriverObject->MajorFunction[IRP_MJ_CLOSE] = Close; \
    DriverObject->MajorFunction[IRP_MJ_CLEANUP] = Cleanup; \
    DriverObject->MajorFunction[IRP_MJ_DEVICE_CONTROL] = DeviceControl; \
    return STATUS_SUCCESS; \
  } \
  DRIVER_EXPORT(AddDevice) NTSTATUS AddDevice(PDRIVER_OBJECT DriverObject, PDEVICE_OBJECT Pdo) { \
    PDEVICE_OBJECT device; \
    NTSTATUS status = DmaTestDeviceCreate(DriverObject, Pdo, sizeof(Extension), 0, &device); \
    if (!NT_SUCCESS(status)) return status; \
    Initialize((Extension *)device->DeviceExtension, device, Pdo); \
    device->Flags &= ~DO_DEVICE_INITIALIZING; \
    return STATUS_SUCCESS; \
  } \
  DRIVER_EXPORT(StartDevice) NTSTATUS StartDevice(PDEVICE_OBJECT DeviceObject, PCM_RESOURCE_LIST Resources) { \
    return DmaTestDeviceStart(&((Extension *)DeviceObject->DeviceExtension)->Device, Resources, (MaximumLength)); \
  } \
  DRIVER_EXPORT(InterruptService) BOOLEAN InterruptService(PKINTERRUPT Interrupt, PVOID ServiceContext) { \
    return DmaTestDeviceInterrupt(&((Extension *)((PDEVICE_OBJECT)ServiceContext)->DeviceExtension)->Device, ServiceContext); \
  } \
  DRIVER_EXPORT(DpcForIsr) VOID DpcForIsr(PKDPC DpcObject, PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context) { \
    Dpc(DeviceObject->DeviceExtension); \
  } \
  DRIVER_EXPORT(RemoveDevice) VOID RemoveDevice(PDEVICE_OBJECT DeviceObject) { \
    DmaTestDeviceRemove(&((Extension *)DeviceObject->DeviceExtension)->Device, DeviceObject); \
  }

#endif
