/*
 * The minimal direct-I/O driver of docs/driver-contract.md, in C: the port of
 * docs/example-driver.ts, written against include/wdm.h as a WDM driver is.
 *
 *   npm run conformance -- --driver ./docs/example-driver.c
 *
 * Reads and writes are queued in a cancel-safe queue and run one at a time;
 * each request is mapped in pieces of at most one scatter/gather list, whose
 * elements become descriptors of a ring in a common buffer the device reads.
 */
#include <wdm.h>
#include <dma-conformance/dma-test-device.h>  /* the device's registers (docs/dma-device.md) */

DMA_CONFORMANCE_DRIVER("example-direct-c", "read-write-direct", "The minimal direct-I/O driver of docs/driver-contract.md, written in C.");

#define MAX_REQUEST (8 * 1024 * 1024)
#define PCI_COMMAND 0x04
#define PCI_COMMAND_BUS_MASTER 0x4
#define TRANSFER_TIMEOUT_MS 100   /* a transfer that makes no progress for this long is aborted */
#define ALL_ONES 0xffffffffu      /* what every register of a surprise-removed device reads */
#define NO_PROGRESS_YET (~0ull)

#define REGISTERS_LENGTH 0x100  /* the registers the driver maps of BAR0 */

/* The request on the device; it runs as pieces of at most LongestPiece bytes, one list each. */
typedef struct _CURRENT_REQUEST {
  PIRP Irp;                   /* NULL: the device is idle */
  BOOLEAN Write;
  PSCATTER_GATHER_LIST List;  /* the piece's list, while the device works on it */
  ULONG Done;
  ULONG Piece;
} CURRENT_REQUEST;

typedef struct _DEVICE_EXTENSION {
  PDEVICE_OBJECT Pdo;
  PUCHAR Registers;           /* BAR0, mapped by MmMapIoSpace */
  ULONG RegistersLength;
  ULONG MaxTransfer;          /* the device's MAX_TRANSFER_LENGTH */
  ULONG LongestPiece;         /* the most one list may map: one page less than the map registers */
  PDMA_ADAPTER Adapter;
  DMA_DESCRIPTOR *Ring;
  PHYSICAL_ADDRESS RingLogical;
  IO_CSQ Queue;
  KSPIN_LOCK Lock;
  CURRENT_REQUEST Current;
  KTIMER WatchdogTimer;
  KDPC WatchdogDpc;
  ULONGLONG LastProgress;
} DEVICE_EXTENSION, *PDEVICE_EXTENSION;

static ULONG ReadRegister(PDEVICE_EXTENSION Ext, ULONG Offset) { return READ_REGISTER_ULONG((volatile ULONG *)(Ext->Registers + Offset)); }
static VOID WriteRegister(PDEVICE_EXTENSION Ext, ULONG Offset, ULONG Value) { WRITE_REGISTER_ULONG((volatile ULONG *)(Ext->Registers + Offset), Value); }

static NTSTATUS Complete(PIRP Irp, NTSTATUS Status, ULONG_PTR Information) {
  Irp->IoStatus.Status = Status;
  Irp->IoStatus.Information = Information;
  IoCompleteRequest(Irp, IO_NO_INCREMENT);
  return Status;
}

static VOID SetTimeout(PDEVICE_EXTENSION Ext) {
  LARGE_INTEGER due;
  due.QuadPart = -(LONGLONG)TRANSFER_TIMEOUT_MS * 10000;
  KeSetTimer(&Ext->WatchdogTimer, due, &Ext->WatchdogDpc);
}

static ULONG PciSlot(PDEVICE_OBJECT Pdo) {
  ULONG address = 0, length = 0;  /* device << 16 | function */
  IoGetDeviceProperty(Pdo, DevicePropertyAddress, sizeof address, &address, &length);
  return (address >> 16) | ((address & 0x7) << 5);  /* PCI_SLOT_NUMBER */
}

static VOID SetBusMaster(PDEVICE_OBJECT Pdo, BOOLEAN On) {
  USHORT command = 0;
  HalGetBusDataByOffset(PCIConfiguration, 0, PciSlot(Pdo), &command, PCI_COMMAND, sizeof command);
  command = On ? (command | PCI_COMMAND_BUS_MASTER) : (command & ~PCI_COMMAND_BUS_MASTER);
  HalSetBusDataByOffset(PCIConfiguration, 0, PciSlot(Pdo), &command, PCI_COMMAND, sizeof command);
}

static NTSTATUS MapNextPiece(PDEVICE_OBJECT DeviceObject);
static VOID StartNext(PDEVICE_OBJECT DeviceObject);

/* Execution routine of GetScatterGatherList (DISPATCH_LEVEL): describe the list to the device and start it. */
static VOID ProgramDevice(PDEVICE_OBJECT DeviceObject, PIRP Unused, PSCATTER_GATHER_LIST List, PVOID Context) {
  PDEVICE_EXTENSION ext = DeviceObject->DeviceExtension;
  PIRP irp = Context;
  ULONG n = 0;
  ext->Current.List = List;
  for (ULONG e = 0; e < List->NumberOfElements; e++) {
    const SCATTER_GATHER_ELEMENT *element = &List->Elements[e];
    for (ULONG done = 0; done < element->Length; done += ext->MaxTransfer, n++) {
      ULONG left = element->Length - done;
      ext->Ring[n].Address = (ULONGLONG)element->Address.QuadPart + done;
      ext->Ring[n].Length = left < ext->MaxTransfer ? left : ext->MaxTransfer;
      ext->Ring[n].Flags = 0;
    }
  }
  ext->Ring[n - 1].Flags = DMA_DESCRIPTOR_LAST;
  ULONGLONG offset = (ULONGLONG)IoGetCurrentIrpStackLocation(irp)->Parameters.Read.ByteOffset.QuadPart + ext->Current.Done;
  WriteRegister(ext, DMA_REG_RING_BASE_LOW, ext->RingLogical.LowPart);
  WriteRegister(ext, DMA_REG_RING_BASE_HIGH, (ULONG)ext->RingLogical.HighPart);
  WriteRegister(ext, DMA_REG_RING_COUNT, n);
  WriteRegister(ext, DMA_REG_STREAM_OFFSET_LOW, (ULONG)offset);
  WriteRegister(ext, DMA_REG_STREAM_OFFSET_HIGH, (ULONG)(offset >> 32));
  WriteRegister(ext, DMA_REG_CONTROL, DMA_CONTROL_INTERRUPT_ENABLE | DMA_CONTROL_MODE_DESCRIPTOR_RING | (ext->Current.Write ? DMA_CONTROL_DIRECTION_HOST_TO_DEVICE : 0) | DMA_CONTROL_START);
  ext->LastProgress = NO_PROGRESS_YET;
  SetTimeout(ext);
}

/* The piece on the device ended (DPC, or watchdog for a removed device): put its list back, then map the next piece or complete. */
static VOID PieceEnded(PDEVICE_OBJECT DeviceObject, NTSTATUS Status, ULONG Moved) {
  PDEVICE_EXTENSION ext = DeviceObject->DeviceExtension;
  KIRQL oldIrql;
  KeAcquireSpinLock(&ext->Lock, &oldIrql);
  if (!ext->Current.Irp || !ext->Current.List) {
    KeReleaseSpinLock(&ext->Lock, oldIrql);
    return;
  }
  KeCancelTimer(&ext->WatchdogTimer);
  ext->Adapter->DmaOperations->PutScatterGatherList(ext->Adapter, ext->Current.List, ext->Current.Write);  /* before the IRP completes */
  ext->Current.List = NULL;
  ext->Current.Done += NT_SUCCESS(Status) ? ext->Current.Piece : (Moved < ext->Current.Piece ? Moved : ext->Current.Piece);
  NTSTATUS result = Status;
  if (NT_SUCCESS(Status) && ext->Current.Done < IoGetCurrentIrpStackLocation(ext->Current.Irp)->Parameters.Read.Length) {
    result = MapNextPiece(DeviceObject);
    if (NT_SUCCESS(result)) {
      KeReleaseSpinLock(&ext->Lock, oldIrql);
      return;
    }
  }
  PIRP irp = ext->Current.Irp;
  ULONG done = ext->Current.Done;
  ext->Current.Irp = NULL;
  KeReleaseSpinLock(&ext->Lock, oldIrql);
  Complete(irp, result, done);
  StartNext(DeviceObject);
}

/*
 * The watchdog's DPC: a device that stopped moving data is aborted, so it reports an error and interrupts.
 * A removed device drops the abort and never interrupts: the request ends here instead.
 */
static VOID WatchdogExpired(PKDPC Dpc, PVOID DeferredContext, PVOID SystemArgument1, PVOID SystemArgument2) {
  PDEVICE_OBJECT device = DeferredContext;
  PDEVICE_EXTENSION ext = device->DeviceExtension;
  if (!ext->Current.Irp || !ext->Current.List) return;
  if (ReadRegister(ext, DMA_REG_STATUS) == ALL_ONES) {
    PieceEnded(device, STATUS_DEVICE_NOT_CONNECTED, 0);
    return;
  }
  ULONGLONG progress = ReadRegister(ext, DMA_REG_BYTES_TRANSFERRED) + ((ULONGLONG)ReadRegister(ext, DMA_REG_RING_PROGRESS) << 32);
  if (progress != ext->LastProgress) {  /* still moving: give it another period */
    ext->LastProgress = progress;
    SetTimeout(ext);
    return;
  }
  WriteRegister(ext, DMA_REG_CONTROL, DMA_CONTROL_INTERRUPT_ENABLE | DMA_CONTROL_ABORT);  /* keep interrupts on to hear the error */
  SetTimeout(ext);  /* no interrupt by then: look again (removed?) */
}

/* Map the current request's next piece (caller holds the lock: DISPATCH_LEVEL); ProgramDevice starts it. */
static NTSTATUS MapNextPiece(PDEVICE_OBJECT DeviceObject) {
  PDEVICE_EXTENSION ext = DeviceObject->DeviceExtension;
  CURRENT_REQUEST *current = &ext->Current;
  PMDL mdl = current->Irp->MdlAddress;
  ULONG left = IoGetCurrentIrpStackLocation(current->Irp)->Parameters.Read.Length - current->Done;
  current->Piece = left < ext->LongestPiece ? left : ext->LongestPiece;
  return ext->Adapter->DmaOperations->GetScatterGatherList(
    ext->Adapter, DeviceObject, mdl, (PCHAR)MmGetMdlVirtualAddress(mdl) + current->Done, current->Piece, ProgramDevice, current->Irp, current->Write);
}

/* Start the next queued request if the device is idle. */
static VOID StartNext(PDEVICE_OBJECT DeviceObject) {
  PDEVICE_EXTENSION ext = DeviceObject->DeviceExtension;
  KIRQL oldIrql;
  KeAcquireSpinLock(&ext->Lock, &oldIrql);  /* GetScatterGatherList runs at DISPATCH_LEVEL */
  while (!ext->Current.Irp) {
    PIRP irp = IoCsqRemoveNextIrp(&ext->Queue, NULL);
    if (!irp) break;
    ext->Current.Irp = irp;
    ext->Current.Write = IoGetCurrentIrpStackLocation(irp)->MajorFunction == IRP_MJ_WRITE;
    ext->Current.List = NULL;
    ext->Current.Done = 0;
    ext->Current.Piece = 0;
    NTSTATUS status = MapNextPiece(DeviceObject);
    if (!NT_SUCCESS(status)) {
      ext->Current.Irp = NULL;
      Complete(irp, status, 0);
    }
  }
  KeReleaseSpinLock(&ext->Lock, oldIrql);
}

static NTSTATUS CreateClose(PDEVICE_OBJECT DeviceObject, PIRP Irp) { return Complete(Irp, STATUS_SUCCESS, 0); }

static NTSTATUS ReadWrite(PDEVICE_OBJECT DeviceObject, PIRP Irp) {
  PDEVICE_EXTENSION ext = DeviceObject->DeviceExtension;
  ULONG length = IoGetCurrentIrpStackLocation(Irp)->Parameters.Read.Length;
  if (length == 0) return Complete(Irp, STATUS_SUCCESS, 0);
  if (length > MAX_REQUEST) return Complete(Irp, STATUS_INVALID_PARAMETER, 0);
  IoCsqInsertIrp(&ext->Queue, Irp, NULL);  /* marks it pending; cancelable while queued */
  StartNext(DeviceObject);
  return STATUS_PENDING;
}

static NTSTATUS Cleanup(PDEVICE_OBJECT DeviceObject, PIRP Irp) {
  PDEVICE_EXTENSION ext = DeviceObject->DeviceExtension;
  PFILE_OBJECT fileObject = IoGetCurrentIrpStackLocation(Irp)->FileObject;
  for (PIRP queued = IoCsqRemoveNextIrp(&ext->Queue, fileObject); queued; queued = IoCsqRemoveNextIrp(&ext->Queue, fileObject)) {
    Complete(queued, STATUS_CANCELLED, 0);
  }
  return Complete(Irp, STATUS_SUCCESS, 0);  /* a transfer already on the device completes by itself */
}

DRIVER_EXPORT(DriverEntry) NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath) {
  DriverObject->MajorFunction[IRP_MJ_CREATE] = CreateClose;
  DriverObject->MajorFunction[IRP_MJ_CLOSE] = CreateClose;
  DriverObject->MajorFunction[IRP_MJ_READ] = ReadWrite;
  DriverObject->MajorFunction[IRP_MJ_WRITE] = ReadWrite;
  DriverObject->MajorFunction[IRP_MJ_CLEANUP] = Cleanup;
  return STATUS_SUCCESS;
}

DRIVER_EXPORT(AddDevice) NTSTATUS AddDevice(PDRIVER_OBJECT DriverObject, PDEVICE_OBJECT Pdo) {
  PDEVICE_OBJECT device;
  NTSTATUS status = IoCreateDevice(DriverObject, sizeof(DEVICE_EXTENSION), NULL, FILE_DEVICE_UNKNOWN, 0, FALSE, &device);
  if (!NT_SUCCESS(status)) return status;
  PDEVICE_EXTENSION ext = device->DeviceExtension;  /* zeroed by IoCreateDevice */
  ext->Pdo = Pdo;
  IoCsqInitialize(&ext->Queue, NULL);
  KeInitializeSpinLock(&ext->Lock);
  KeInitializeTimer(&ext->WatchdogTimer);
  KeInitializeDpc(&ext->WatchdogDpc, WatchdogExpired, device);
  ext->LastProgress = NO_PROGRESS_YET;
  device->Flags |= DO_DIRECT_IO;
  IoAttachDeviceToDeviceStack(device, Pdo);
  device->Flags &= ~DO_DEVICE_INITIALIZING;
  return STATUS_SUCCESS;
}

DRIVER_EXPORT(StartDevice) NTSTATUS StartDevice(PDEVICE_OBJECT DeviceObject, PCM_RESOURCE_LIST Resources) {
  PDEVICE_EXTENSION ext = DeviceObject->DeviceExtension;
  PCM_PARTIAL_RESOURCE_LIST list = &Resources->List[0].PartialResourceList;
  PCM_PARTIAL_RESOURCE_DESCRIPTOR bar0 = NULL;
  for (ULONG i = 0; i < list->Count && !bar0; i++) {
    if (list->PartialDescriptors[i].Type == CmResourceTypeMemory) bar0 = &list->PartialDescriptors[i];
  }
  if (!bar0) return STATUS_DEVICE_NOT_CONNECTED;
  ext->RegistersLength = bar0->u.Memory.Length < REGISTERS_LENGTH ? bar0->u.Memory.Length : REGISTERS_LENGTH;
  ext->Registers = MmMapIoSpace(bar0->u.Memory.Start, ext->RegistersLength, MmNonCached);
  if (!ext->Registers) return STATUS_INSUFFICIENT_RESOURCES;
  ext->MaxTransfer = ReadRegister(ext, DMA_REG_MAX_TRANSFER_LENGTH);
  ULONG capabilities = ReadRegister(ext, DMA_REG_CAPABILITIES);

  DEVICE_DESCRIPTION description;
  RtlZeroMemory(&description, sizeof description);
  description.Version = DEVICE_DESCRIPTION_VERSION3;
  description.Master = TRUE;
  description.ScatterGather = TRUE;
  description.InterfaceType = PCIBus;
  description.MaximumLength = MAX_REQUEST;
  description.Dma32BitAddresses = TRUE;
  description.Dma64BitAddresses = (capabilities & DMA_CAPABILITY_ADDRESSING_64BIT) != 0;
  ULONG mapRegisters = 0;
  ext->Adapter = IoGetDmaAdapter(ext->Pdo, &description, &mapRegisters);
  if (!ext->Adapter) return STATUS_INSUFFICIENT_RESOURCES;
  ext->LongestPiece = (mapRegisters > 1 ? mapRegisters - 1 : 1) * PAGE_SIZE;  /* an unaligned piece spans one page more */
  ext->Ring = ext->Adapter->DmaOperations->AllocateCommonBuffer(ext->Adapter, DMA_MAX_RING_DESCRIPTORS * sizeof(DMA_DESCRIPTOR), &ext->RingLogical, FALSE);
  if (!ext->Ring) return STATUS_INSUFFICIENT_RESOURCES;
  SetBusMaster(ext->Pdo, TRUE);
  return STATUS_SUCCESS;
}

DRIVER_EXPORT(InterruptService) BOOLEAN InterruptService(PKINTERRUPT Interrupt, PVOID ServiceContext) {
  PDEVICE_OBJECT device = ServiceContext;
  PDEVICE_EXTENSION ext = device->DeviceExtension;
  ULONG pending = ReadRegister(ext, DMA_REG_INTERRUPT_STATUS);
  if (pending == 0 || pending == ALL_ONES) return FALSE;  /* not ours (a removed device raises nothing) */
  WriteRegister(ext, DMA_REG_INTERRUPT_ACK, pending);
  IoRequestDpc(device, NULL, (PVOID)(ULONG_PTR)pending);
  return TRUE;
}

DRIVER_EXPORT(DpcForIsr) VOID DpcForIsr(PKDPC Dpc, PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context) {
  PDEVICE_EXTENSION ext = DeviceObject->DeviceExtension;
  ULONG status = ReadRegister(ext, DMA_REG_STATUS);
  ULONG moved = ReadRegister(ext, DMA_REG_BYTES_TRANSFERRED);
  if (status == ALL_ONES) {  /* removed since it interrupted */
    PieceEnded(DeviceObject, STATUS_DEVICE_NOT_CONNECTED, 0);
    return;
  }
  PieceEnded(DeviceObject, (status & DMA_STATUS_STATE_MASK) == DMA_STATE_DONE ? STATUS_SUCCESS : STATUS_IO_DEVICE_ERROR, moved);
}

DRIVER_EXPORT(RemoveDevice) VOID RemoveDevice(PDEVICE_OBJECT DeviceObject) {
  PDEVICE_EXTENSION ext = DeviceObject->DeviceExtension;
  KeCancelTimer(&ext->WatchdogTimer);
  KeRemoveQueueDpc(&ext->WatchdogDpc);
  SetBusMaster(ext->Pdo, FALSE);
  if (ext->Ring) ext->Adapter->DmaOperations->FreeCommonBuffer(ext->Adapter, DMA_MAX_RING_DESCRIPTORS * sizeof(DMA_DESCRIPTOR), ext->RingLogical, ext->Ring, FALSE);
  if (ext->Adapter) ext->Adapter->DmaOperations->PutDmaAdapter(ext->Adapter);
  if (ext->Registers) MmUnmapIoSpace(ext->Registers, ext->RegistersLength);
  IoDetachDevice(ext->Pdo);
  IoDeleteDevice(DeviceObject);
}
