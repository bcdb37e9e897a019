/*
 * The reference driver of the read-write-direct class, in C: direct-I/O
 * reads and writes on the DMA test device, the design of reference.ts.
 *
 * - The device asks for direct I/O: the I/O manager hands over each caller's
 *   buffer probed and locked in Irp->MdlAddress and unlocks it when the
 *   request completes (MDL-4); the driver never locks or unlocks it.
 * - A request is cut into transfers no longer than one scatter/gather list
 *   may map (DEV-2). Each transfer gets its own list from
 *   GetScatterGatherList and puts it back once, when the device is done with
 *   it, before the request completes (SG-3). The list's elements become
 *   descriptors of a ring in a common buffer, none longer than the device's
 *   maximum transfer.
 * - The device runs one transfer at a time; the next one is mapped while it
 *   works (scatter/gather lists may be held by several transfers, SG-2).
 * - A mapping that fails for lack of resources is retried when a transfer in
 *   flight gives its resources back; with nothing in flight the request
 *   fails with the status.
 * - A timer notices a transfer the device never finishes (hung, removed) and
 *   aborts it, so every request completes.
 * - Cleanup completes the handle's queued requests as cancelled; a transfer
 *   already mapped finishes by itself.
 *
 * The routines marked DMA_CONFORMANCE_REPLACEABLE are the driver's named
 * steps (reference.h); each faulty variant in faulty/ defines one again.
 *
 *   npm run conformance -- --driver ./src/conformance/read-write-direct/reference.c --tags @class:read-write-direct
 */
#include "reference.h"

DMA_CONFORMANCE_DRIVER("read-write-direct-reference-c", "read-write-direct",
                       "Direct-I/O reads and writes in C: a scatter/gather list per transfer, the next transfer mapped while the device works, retry after a failed mapping, a watchdog timer.");

#define ALL_ONES 0xffffffffu        /* what every register of a surprise-removed device reads */
#define PCI_COMMAND_OFFSET 0x04     /* the command register in PCI configuration space */
#define PCI_ENABLE_BUS_MASTER 0x0004
/* Units of min(MaxTransfer, PAGE_SIZE) a transfer may span: its descriptors (at most one per element, one per page, and one per MaxTransfer) then fit the ring. */
#define RING_HALF (DMA_MAX_RING_DESCRIPTORS / 2 - 1)

static ULONG ReadRegister(PDEVICE_EXTENSION Ext, ULONG Offset) {
  return READ_REGISTER_ULONG((volatile ULONG *)(Ext->Registers + Offset));
}

static VOID WriteRegister(PDEVICE_EXTENSION Ext, ULONG Offset, ULONG Value) {
  WRITE_REGISTER_ULONG((volatile ULONG *)(Ext->Registers + Offset), Value);
}

static ULONG Smaller(ULONG A, ULONG B) { return A < B ? A : B; }

NTSTATUS CompleteIrp(PIRP Irp, NTSTATUS Status, ULONG_PTR Information) {
  Irp->IoStatus.Status = Status;
  Irp->IoStatus.Information = Information;
  IoCompleteRequest(Irp, IO_NO_INCREMENT);
  return Status;
}

/* --- PCI configuration --------------------------------------------------------------- */

/* PCI_SLOT_NUMBER of the device: DevicePropertyAddress gives (device << 16) | function. */
static ULONG SlotOf(PDEVICE_OBJECT Pdo) {
  ULONG address = 0, returned = 0;
  if (!NT_SUCCESS(IoGetDeviceProperty(Pdo, DevicePropertyAddress, sizeof address, &address, &returned))) return 0;
  ULONG device = (address >> 16) & 0x1f, function = address & 0x7;
  return device | (function << 5);
}

/* Bus mastering on or off in the command register (DEV-1): the device may not reach memory without it. */
static VOID EnableBusMastering(PDEVICE_EXTENSION Ext, BOOLEAN Enable) {
  ULONG slot = SlotOf(Ext->Pdo);
  USHORT command = 0;
  HalGetBusDataByOffset(PCIConfiguration, 0, slot, &command, PCI_COMMAND_OFFSET, sizeof command);
  if (Enable) command |= PCI_ENABLE_BUS_MASTER;
  else command &= (USHORT)~PCI_ENABLE_BUS_MASTER;
  HalSetBusDataByOffset(PCIConfiguration, 0, slot, &command, PCI_COMMAND_OFFSET, sizeof command);
}

/* --- the named steps ------------------------------------------------------------------------ */

/* Dispatch of a read or write: check it, queue it, start what can start. */
DMA_CONFORMANCE_REPLACEABLE NTSTATUS ReadWrite(PDEVICE_OBJECT DeviceObject, PIRP Irp) {
  PDEVICE_EXTENSION ext = DeviceObject->DeviceExtension;
  ULONG length = IoGetCurrentIrpStackLocation(Irp)->Parameters.Read.Length;
  if (length == 0) return CompleteIrp(Irp, STATUS_SUCCESS, 0);
  if (length > READ_WRITE_DIRECT_LARGEST_REQUEST) return CompleteIrp(Irp, STATUS_INVALID_PARAMETER, 0);
  IoCsqInsertIrp(&ext->Queue, Irp, NULL);  /* marks it pending; cancelable while it waits */
  StartTransfers(ext);
  return STATUS_PENDING;
}

/* Cleanup: the handle's requests still queued complete as cancelled; those already cut into transfers finish by themselves. */
DMA_CONFORMANCE_REPLACEABLE NTSTATUS Cleanup(PDEVICE_OBJECT DeviceObject, PIRP Irp) {
  PDEVICE_EXTENSION ext = DeviceObject->DeviceExtension;
  PFILE_OBJECT handle = IoGetCurrentIrpStackLocation(Irp)->FileObject;
  PIRP queued;
  while ((queued = IoCsqRemoveNextIrp(&ext->Queue, handle)) != NULL) CompleteIrp(queued, STATUS_CANCELLED, 0);
  return CompleteIrp(Irp, STATUS_SUCCESS, 0);
}

/* The request an IRP asks for: the caller's buffer is the MDL the I/O manager locked (MDL-4). */
DMA_CONFORMANCE_REPLACEABLE VOID InitializeRequest(PDIRECT_IO_REQUEST Request, PIRP Irp) {
  PIO_STACK_LOCATION location = IoGetCurrentIrpStackLocation(Irp);
  RtlZeroMemory(Request, sizeof *Request);
  Request->InUse = TRUE;
  Request->Irp = Irp;
  Request->Write = location->MajorFunction == IRP_MJ_WRITE;
  Request->Mdl = Irp->MdlAddress;
  Request->Va = MmGetMdlVirtualAddress(Irp->MdlAddress);
  Request->Length = location->Parameters.Read.Length;
  Request->StreamOffset = location->Parameters.Read.ByteOffset.QuadPart;
  Request->Status = STATUS_SUCCESS;
}

/* The descriptors of one scatter/gather element, written from Descriptors[0]: cut at the device's maximum transfer (DEV-2). Returns how many. */
DMA_CONFORMANCE_REPLACEABLE ULONG DescribeElement(PDEVICE_EXTENSION Ext, const SCATTER_GATHER_ELEMENT *Element, PDMA_DESCRIPTOR Descriptors) {
  PDMA_DESCRIPTOR next = Descriptors;
  for (ULONG offset = 0; offset < Element->Length; offset += Ext->MaxTransfer) {
    next->Address = (ULONGLONG)Element->Address.QuadPart + offset;
    next->Length = Smaller(Ext->MaxTransfer, Element->Length - offset);
    next->Flags = 0;
    next++;
  }
  return (ULONG)(next - Descriptors);
}

/* The device has been started on a transfer: watch it. */
DMA_CONFORMANCE_REPLACEABLE VOID TransferStarted(PDEVICE_EXTENSION Ext, PDIRECT_IO_TRANSFER Transfer) {
  UNREFERENCED_PARAMETER(Transfer);
  Ext->ProgressSeen = FALSE;
  SetWatchdog(Ext);
}

/* How a transfer ended, from the STATUS register of a device that is still there: only Done is success (DEV-3). */
DMA_CONFORMANCE_REPLACEABLE NTSTATUS StatusFromDeviceState(ULONG DeviceStatus) {
  switch (DeviceStatus & DMA_STATUS_STATE_MASK) {
  case DMA_STATE_DONE:
    return STATUS_SUCCESS;
  case DMA_STATE_ERROR:
    return STATUS_IO_DEVICE_ERROR;
  default:  /* idle: the device forgot the transfer */
    return STATUS_IO_DEVICE_ERROR;
  }
}

/* The device is done with a transfer (DeviceStatus: how it ended; success for one it never ran): its list goes back, before the request completes (SG-3). */
DMA_CONFORMANCE_REPLACEABLE VOID ReleaseTransfer(PDEVICE_EXTENSION Ext, PDIRECT_IO_TRANSFER Transfer, NTSTATUS DeviceStatus) {
  UNREFERENCED_PARAMETER(DeviceStatus);
  Ext->Adapter->DmaOperations->PutScatterGatherList(Ext->Adapter, Transfer->List, Transfer->Request->Write);
  Transfer->List = NULL;
}

/* Complete the request once its last transfer has ended: every byte on success, none on failure. */
DMA_CONFORMANCE_REPLACEABLE VOID CompleteIfDone(PDEVICE_EXTENSION Ext, PDIRECT_IO_REQUEST Request) {
  KIRQL irql;
  KeAcquireSpinLock(&Ext->Lock, &irql);
  BOOLEAN unfinished = Request->Outstanding > 0 || (NT_SUCCESS(Request->Status) && Request->Mapped < Request->Length);
  if (!Request->InUse || unfinished) {
    KeReleaseSpinLock(&Ext->Lock, irql);
    return;
  }
  PIRP irp = Request->Irp;
  NTSTATUS status = Request->Status;
  ULONG information = NT_SUCCESS(status) ? Request->Length : 0;
  Request->InUse = FALSE;
  if (Ext->Splitting == Request) Ext->Splitting = NULL;
  KeReleaseSpinLock(&Ext->Lock, irql);
  CompleteIrp(irp, status, information);
}

/* --- the machinery --------------------------------------------------------------------------- */

static ULONG InFlight(PDEVICE_EXTENSION Ext) {
  ULONG prepared = 0;
  for (PDIRECT_IO_TRANSFER t = Ext->PreparedHead; t; t = t->Next) prepared++;
  return Ext->Mapping + prepared + (Ext->Active ? 1 : 0);
}

static PDIRECT_IO_TRANSFER FreeTransferSlot(PDEVICE_EXTENSION Ext) {
  for (ULONG i = 0; i < DIRECT_IO_TRANSFER_SLOTS; i++) if (!Ext->Transfers[i].InUse) return &Ext->Transfers[i];
  return NULL;
}

static PDIRECT_IO_REQUEST FreeRequestSlot(PDEVICE_EXTENSION Ext) {
  for (ULONG i = 0; i < DIRECT_IO_REQUEST_SLOTS; i++) if (!Ext->Requests[i].InUse) return &Ext->Requests[i];
  return NULL;
}

/* The next transfer to map (lock held): the one to retry, the rest of the request being cut, or the first of the next queued request. */
static PDIRECT_IO_TRANSFER NextTransfer(PDEVICE_EXTENSION Ext) {
  if (Ext->Retry) {
    PDIRECT_IO_TRANSFER retry = Ext->Retry;
    Ext->Retry = NULL;
    return retry;
  }
  PDIRECT_IO_TRANSFER transfer = FreeTransferSlot(Ext);
  if (!transfer) return NULL;  /* cannot happen: a transfer is cut only while fewer than the slots are alive */
  PDIRECT_IO_REQUEST request = Ext->Splitting;
  if (!request || request->Mapped >= request->Length || !NT_SUCCESS(request->Status)) {
    PDIRECT_IO_REQUEST slot = FreeRequestSlot(Ext);
    if (!slot) return NULL;
    PIRP irp = IoCsqRemoveNextIrp(&Ext->Queue, NULL);
    if (!irp) return NULL;
    InitializeRequest(slot, irp);
    Ext->Splitting = request = slot;
  }
  RtlZeroMemory(transfer, sizeof *transfer);
  transfer->InUse = TRUE;
  transfer->Request = request;
  transfer->Offset = request->Mapped;
  transfer->Length = Smaller(Ext->LongestTransfer, request->Length - request->Mapped);
  request->Mapped += transfer->Length;
  request->Outstanding++;
  return transfer;
}

/* A transfer has ended (run, failed to map, or given back unstarted): the request keeps the first failure, and completes when it is its last. */
static VOID TransferEnded(PDEVICE_EXTENSION Ext, PDIRECT_IO_TRANSFER Transfer, NTSTATUS Status) {
  KIRQL irql;
  KeAcquireSpinLock(&Ext->Lock, &irql);
  PDIRECT_IO_REQUEST request = Transfer->Request;
  request->Outstanding--;
  if (!NT_SUCCESS(Status) && NT_SUCCESS(request->Status)) request->Status = Status;
  Transfer->InUse = FALSE;
  KeReleaseSpinLock(&Ext->Lock, irql);
  CompleteIfDone(Ext, request);
}

/* Write the transfer's descriptors into the ring and start the device on them (the device is idle: the ring is free). */
static BOOLEAN ProgramDevice(PDEVICE_EXTENSION Ext, PDIRECT_IO_TRANSFER Transfer) {
  PSCATTER_GATHER_LIST list = Transfer->List;
  ULONG count = 0;
  for (ULONG e = 0; e < list->NumberOfElements; e++) {
    if (count + list->Elements[e].Length / Ext->MaxTransfer + 1 > DMA_MAX_RING_DESCRIPTORS) return FALSE;
    count += DescribeElement(Ext, &list->Elements[e], &Ext->Ring[count]);
  }
  if (count == 0) return FALSE;
  Ext->Ring[count - 1].Flags |= DMA_DESCRIPTOR_LAST;
  PDIRECT_IO_REQUEST request = Transfer->Request;
  ULONGLONG stream = (ULONGLONG)request->StreamOffset + Transfer->Offset;
  WriteRegister(Ext, DMA_REG_RING_BASE_LOW, Ext->RingLogical.LowPart);
  WriteRegister(Ext, DMA_REG_RING_BASE_HIGH, (ULONG)Ext->RingLogical.HighPart);
  WriteRegister(Ext, DMA_REG_RING_COUNT, count);
  WriteRegister(Ext, DMA_REG_STREAM_OFFSET_LOW, (ULONG)stream);
  WriteRegister(Ext, DMA_REG_STREAM_OFFSET_HIGH, (ULONG)(stream >> 32));
  ULONG direction = request->Write ? DMA_CONTROL_DIRECTION_HOST_TO_DEVICE : 0;
  WriteRegister(Ext, DMA_REG_CONTROL, DMA_CONTROL_START | DMA_CONTROL_MODE_DESCRIPTOR_RING | DMA_CONTROL_INTERRUPT_ENABLE | direction);
  return TRUE;
}

/* Start the device on the first mapped transfer if it is idle. A transfer whose request already failed is given back unstarted. */
static VOID StartDeviceIfIdle(PDEVICE_EXTENSION Ext) {
  for (;;) {
    KIRQL irql;
    KeAcquireSpinLock(&Ext->Lock, &irql);
    PDIRECT_IO_TRANSFER next = Ext->Active ? NULL : Ext->PreparedHead;
    if (next) {
      Ext->PreparedHead = next->Next;
      if (!Ext->PreparedHead) Ext->PreparedTail = NULL;
      next->Next = NULL;
      Ext->Active = next;
    }
    KeReleaseSpinLock(&Ext->Lock, irql);
    if (!next) return;
    NTSTATUS failed = next->Request->Status;
    if (NT_SUCCESS(failed) && ProgramDevice(Ext, next)) {
      TransferStarted(Ext, next);
      return;
    }
    if (NT_SUCCESS(failed)) failed = STATUS_INSUFFICIENT_RESOURCES;  /* more descriptors than the ring holds */
    KeAcquireSpinLock(&Ext->Lock, &irql);
    Ext->Active = NULL;
    KeReleaseSpinLock(&Ext->Lock, irql);
    ReleaseTransfer(Ext, next, STATUS_SUCCESS);
    TransferEnded(Ext, next, failed);
  }
}

/* Execution routine of GetScatterGatherList (DISPATCH_LEVEL, now or later): the transfer is mapped; queue it for the device. */
static VOID TransferMapped(PDEVICE_OBJECT DeviceObject, PIRP Unused, PSCATTER_GATHER_LIST List, PVOID Context) {
  PDEVICE_EXTENSION ext = DeviceObject->DeviceExtension;
  PDIRECT_IO_TRANSFER transfer = Context;
  UNREFERENCED_PARAMETER(Unused);
  KIRQL irql;
  KeAcquireSpinLock(&ext->Lock, &irql);
  transfer->List = List;
  ext->Mapping--;
  if (ext->PreparedTail) ext->PreparedTail->Next = transfer;
  else ext->PreparedHead = transfer;
  ext->PreparedTail = transfer;
  KeReleaseSpinLock(&ext->Lock, irql);
  StartDeviceIfIdle(ext);
}

/* Map transfers ahead of the device, then start the device if it is idle. */
VOID StartTransfers(PDEVICE_EXTENSION Ext) {
  for (;;) {
    KIRQL irql;
    KeAcquireSpinLock(&Ext->Lock, &irql);
    PDIRECT_IO_TRANSFER transfer = InFlight(Ext) <= DIRECT_IO_MAP_AHEAD ? NextTransfer(Ext) : NULL;
    if (transfer) Ext->Mapping++;
    KeReleaseSpinLock(&Ext->Lock, irql);
    if (!transfer) break;

    /* GetScatterGatherList runs at DISPATCH_LEVEL; its execution routine takes the lock, so it is called without it. */
    PDIRECT_IO_REQUEST request = transfer->Request;
    KIRQL old;
    KeRaiseIrql(DISPATCH_LEVEL, &old);
    NTSTATUS status = Ext->Adapter->DmaOperations->GetScatterGatherList(
      Ext->Adapter, Ext->Self, request->Mdl, request->Va + transfer->Offset, transfer->Length, TransferMapped, transfer, request->Write);
    KeLowerIrql(old);
    if (NT_SUCCESS(status)) continue;

    KeAcquireSpinLock(&Ext->Lock, &irql);
    Ext->Mapping--;
    BOOLEAN wait = status == STATUS_INSUFFICIENT_RESOURCES && InFlight(Ext) > 0;
    if (wait) Ext->Retry = transfer;  /* resources come back when a transfer in flight ends */
    KeReleaseSpinLock(&Ext->Lock, irql);
    if (wait) break;
    TransferEnded(Ext, transfer, status);
  }
  StartDeviceIfIdle(Ext);
}

static VOID CancelWatchdog(PDEVICE_EXTENSION Ext) {
  KeCancelTimer(&Ext->Watchdog);
  KeRemoveQueueDpc(&Ext->WatchdogDpc);
}

VOID SetWatchdog(PDEVICE_EXTENSION Ext) {
  LARGE_INTEGER due;
  due.QuadPart = -(LONGLONG)DIRECT_IO_TRANSFER_TIMEOUT_MS * 10000;  /* relative, in 100 ns */
  Ext->WatchdogDue = KeQueryInterruptTime() + (ULONGLONG)DIRECT_IO_TRANSFER_TIMEOUT_MS * 10000;
  KeSetTimer(&Ext->Watchdog, due, &Ext->WatchdogDpc);
}

/* The transfer on the device has ended, as DeviceStatus (its STATUS register) says: give its list back, end it, map more. */
static VOID ActiveTransferEnded(PDEVICE_EXTENSION Ext, ULONG DeviceStatus) {
  KIRQL irql;
  KeAcquireSpinLock(&Ext->Lock, &irql);
  PDIRECT_IO_TRANSFER transfer = Ext->Active;
  Ext->Active = NULL;
  KeReleaseSpinLock(&Ext->Lock, irql);
  if (!transfer) return;
  CancelWatchdog(Ext);
  NTSTATUS status = DeviceStatus == ALL_ONES ? STATUS_DEVICE_NOT_CONNECTED : StatusFromDeviceState(DeviceStatus);
  ReleaseTransfer(Ext, transfer, status);
  TransferEnded(Ext, transfer, status);
  StartTransfers(Ext);
}

static BOOLEAN DeviceBusy(ULONG DeviceStatus) {
  return DeviceStatus != ALL_ONES && (DeviceStatus & DMA_STATUS_STATE_MASK) == DMA_STATE_BUSY;
}

/*
 * The watchdog's DPC. Time alone is no proof of a stuck device (the CPU may
 * have been held up, and the device with it): only a whole period without
 * progress, with the timer on time, counts. Then a busy device is aborted
 * (it reports an error and interrupts) and looked at again a period later;
 * a device that is gone or ended without interrupting ends the transfer here.
 */
static VOID WatchdogExpired(PKDPC Dpc, PVOID DeferredContext, PVOID SystemArgument1, PVOID SystemArgument2) {
  PDEVICE_EXTENSION ext = DeferredContext;
  UNREFERENCED_PARAMETER(Dpc);
  UNREFERENCED_PARAMETER(SystemArgument1);
  UNREFERENCED_PARAMETER(SystemArgument2);
  if (!ext->Active) return;
  ULONGLONG progress = ReadRegister(ext, DMA_REG_BYTES_TRANSFERRED) | ((ULONGLONG)ReadRegister(ext, DMA_REG_RING_PROGRESS) << 32);
  BOOLEAN late = KeQueryInterruptTime() > ext->WatchdogDue + (ULONGLONG)DIRECT_IO_TRANSFER_TIMEOUT_MS * 10000;
  if (!ext->ProgressSeen || progress != ext->LastProgress || late) {
    ext->ProgressSeen = TRUE;
    ext->LastProgress = progress;
    SetWatchdog(ext);
    return;
  }
  ULONG deviceStatus = ReadRegister(ext, DMA_REG_STATUS);
  if (DeviceBusy(deviceStatus)) {
    WriteRegister(ext, DMA_REG_CONTROL, DMA_CONTROL_INTERRUPT_ENABLE | DMA_CONTROL_ABORT);  /* interrupts stay on to hear the error */
    SetWatchdog(ext);
    return;
  }
  ActiveTransferEnded(ext, deviceStatus);
}

/* --- entry points ------------------------------------------------------------------------------ */

/* Create and close: nothing is kept per handle. */
static NTSTATUS OpenClose(PDEVICE_OBJECT DeviceObject, PIRP Irp) {
  UNREFERENCED_PARAMETER(DeviceObject);
  return CompleteIrp(Irp, STATUS_SUCCESS, 0);
}

DRIVER_EXPORT(DriverEntry) NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath) {
  PDRIVER_DISPATCH *major = DriverObject->MajorFunction;
  UNREFERENCED_PARAMETER(RegistryPath);
  major[IRP_MJ_READ] = major[IRP_MJ_WRITE] = ReadWrite;  /* one path: the IRP says the direction */
  major[IRP_MJ_CREATE] = major[IRP_MJ_CLOSE] = OpenClose;
  major[IRP_MJ_CLEANUP] = Cleanup;
  return STATUS_SUCCESS;
}

DRIVER_EXPORT(AddDevice) NTSTATUS AddDevice(PDRIVER_OBJECT DriverObject, PDEVICE_OBJECT Pdo) {
  PDEVICE_OBJECT fdo = NULL;
  NTSTATUS status = IoCreateDevice(DriverObject, sizeof(DEVICE_EXTENSION), NULL, FILE_DEVICE_UNKNOWN, 0, FALSE, &fdo);
  if (!NT_SUCCESS(status)) return status;
  PDEVICE_EXTENSION ext = fdo->DeviceExtension;  /* zeroed */
  ext->Self = fdo;
  ext->Pdo = Pdo;
  IoCsqInitialize(&ext->Queue, NULL);
  KeInitializeSpinLock(&ext->Lock);
  KeInitializeTimer(&ext->Watchdog);
  KeInitializeDpc(&ext->WatchdogDpc, WatchdogExpired, ext);
  fdo->Flags |= DO_DIRECT_IO;  /* the I/O manager locks each caller's buffer in an MDL */
  IoAttachDeviceToDeviceStack(fdo, Pdo);
  fdo->Flags &= ~DO_DEVICE_INITIALIZING;
  return STATUS_SUCCESS;
}

/* The adapter: a scatter/gather bus master, 64-bit only when the device says it addresses 64 bits (SG-1, SG-6). */
static NTSTATUS GetAdapter(PDEVICE_EXTENSION Ext) {
  DEVICE_DESCRIPTION description = {  /* the fields not named are zero */
    .Version = DEVICE_DESCRIPTION_VERSION3,
    .InterfaceType = PCIBus,
    .Master = TRUE,
    .ScatterGather = TRUE,
    .Dma32BitAddresses = TRUE,
    .Dma64BitAddresses = (ReadRegister(Ext, DMA_REG_CAPABILITIES) & DMA_CAPABILITY_ADDRESSING_64BIT) != 0,
    .MaximumLength = READ_WRITE_DIRECT_LARGEST_REQUEST,
  };
  ULONG mapRegisters = 0;
  Ext->Adapter = IoGetDmaAdapter(Ext->Pdo, &description, &mapRegisters);
  if (!Ext->Adapter) return STATUS_INSUFFICIENT_RESOURCES;
  /*
   * A list spans no more pages than there are map registers, and a piece that
   * starts inside a page spans one page more than its length. Its descriptors
   * must fit the ring: one per element (at most one per page) and one per
   * MaxTransfer, so a piece is kept to half the ring's worth of the smaller.
   */
  ULONG byMapRegisters = (mapRegisters > 1 ? mapRegisters - 1 : 1) * PAGE_SIZE;
  ULONG byRing = RING_HALF * Smaller(Ext->MaxTransfer, PAGE_SIZE);
  Ext->LongestTransfer = Smaller(Smaller(byMapRegisters, byRing), READ_WRITE_DIRECT_LARGEST_REQUEST);
  return STATUS_SUCCESS;
}

DRIVER_EXPORT(StartDevice) NTSTATUS StartDevice(PDEVICE_OBJECT DeviceObject, PCM_RESOURCE_LIST Resources) {
  PDEVICE_EXTENSION ext = DeviceObject->DeviceExtension;
  PCM_PARTIAL_RESOURCE_LIST partial = &Resources->List[0].PartialResourceList;
  ULONG memory = 0;  /* the memory BARs come in BAR order: BAR0 (the registers) is the first */
  while (memory < partial->Count && partial->PartialDescriptors[memory].Type != CmResourceTypeMemory) memory++;
  if (memory == partial->Count) return STATUS_DEVICE_NOT_CONNECTED;
  PCM_PARTIAL_RESOURCE_DESCRIPTOR registers = &partial->PartialDescriptors[memory];
  ext->RegistersLength = registers->u.Memory.Length;
  ext->Registers = MmMapIoSpace(registers->u.Memory.Start, ext->RegistersLength, MmNonCached);
  if (!ext->Registers) return STATUS_INSUFFICIENT_RESOURCES;
  ext->MaxTransfer = ReadRegister(ext, DMA_REG_MAX_TRANSFER_LENGTH);
  if (ext->MaxTransfer == 0 || ext->MaxTransfer == ALL_ONES) return STATUS_DEVICE_NOT_CONNECTED;

  NTSTATUS status = GetAdapter(ext);
  if (!NT_SUCCESS(status)) return status;
  ext->Ring = ext->Adapter->DmaOperations->AllocateCommonBuffer(ext->Adapter, DMA_MAX_RING_DESCRIPTORS * sizeof(DMA_DESCRIPTOR), &ext->RingLogical, FALSE);
  if (!ext->Ring) {
    ext->Adapter->DmaOperations->PutDmaAdapter(ext->Adapter);
    ext->Adapter = NULL;
    return STATUS_INSUFFICIENT_RESOURCES;
  }
  EnableBusMastering(ext, TRUE);
  return STATUS_SUCCESS;
}

/* The ISR: acknowledge what the device raised and leave the work to the DPC. */
DRIVER_EXPORT(InterruptService) BOOLEAN InterruptService(PKINTERRUPT Interrupt, PVOID ServiceContext) {
  PDEVICE_OBJECT fdo = ServiceContext;
  PDEVICE_EXTENSION ext = fdo->DeviceExtension;
  UNREFERENCED_PARAMETER(Interrupt);
  ULONG raised = ReadRegister(ext, DMA_REG_INTERRUPT_STATUS);
  if (raised == 0 || raised == ALL_ONES) return FALSE;  /* not the device's (a removed device raises nothing) */
  WriteRegister(ext, DMA_REG_INTERRUPT_ACK, raised);
  IoRequestDpc(fdo, NULL, (PVOID)(ULONG_PTR)raised);
  return TRUE;
}

/* The DPC: the device finished (or failed) the transfer on it. */
DRIVER_EXPORT(DpcForIsr) VOID DpcForIsr(PKDPC Dpc, PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context) {
  PDEVICE_EXTENSION ext = DeviceObject->DeviceExtension;
  UNREFERENCED_PARAMETER(Dpc);
  UNREFERENCED_PARAMETER(Irp);
  UNREFERENCED_PARAMETER(Context);
  ULONG deviceStatus = ReadRegister(ext, DMA_REG_STATUS);
  if (DeviceBusy(deviceStatus)) return;  /* the interrupt of an aborted transfer, seen after the next one started */
  ActiveTransferEnded(ext, deviceStatus);
}

/* RemoveDevice: undo StartDevice and AddDevice, in reverse order. */
DRIVER_EXPORT(RemoveDevice) VOID RemoveDevice(PDEVICE_OBJECT DeviceObject) {
  PDEVICE_EXTENSION ext = DeviceObject->DeviceExtension;
  CancelWatchdog(ext);
  if (ext->Registers) EnableBusMastering(ext, FALSE);
  if (ext->Ring) ext->Adapter->DmaOperations->FreeCommonBuffer(ext->Adapter, DMA_MAX_RING_DESCRIPTORS * sizeof(DMA_DESCRIPTOR), ext->RingLogical, ext->Ring, FALSE);
  if (ext->Adapter) ext->Adapter->DmaOperations->PutDmaAdapter(ext->Adapter);
  if (ext->Registers) MmUnmapIoSpace(ext->Registers, ext->RegistersLength);
  IoDetachDevice(ext->Pdo);
  IoDeleteDevice(DeviceObject);
}
