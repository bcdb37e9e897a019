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

static ULONG Smaller(ULONG A, ULONG B) { return A < B ? A : B; }

/* --- the named steps ------------------------------------------------------------------------ */

/* Dispatch of a read or write: check it, queue it, start what can start. */
DMA_CONFORMANCE_REPLACEABLE NTSTATUS ReadWrite(PDEVICE_OBJECT DeviceObject, PIRP Irp) {
  PDEVICE_EXTENSION ext = DeviceObject->DeviceExtension;
  ULONG length = IoGetCurrentIrpStackLocation(Irp)->Parameters.Read.Length;
  if (length == 0) return CompleteRequest(Irp, STATUS_SUCCESS, 0);
  if (length > READ_WRITE_DIRECT_LARGEST_REQUEST) return CompleteRequest(Irp, STATUS_INVALID_PARAMETER, 0);
  IoCsqInsertIrp(&ext->Queue, Irp, NULL);  /* marks it pending; cancelable while it waits */
  StartTransfers(ext);
  return STATUS_PENDING;
}

/* Cleanup: the handle's requests still queued complete as cancelled; those already cut into transfers finish by themselves. */
DMA_CONFORMANCE_REPLACEABLE NTSTATUS Cleanup(PDEVICE_OBJECT DeviceObject, PIRP Irp) {
  PDEVICE_EXTENSION ext = DeviceObject->DeviceExtension;
  PFILE_OBJECT handle = IoGetCurrentIrpStackLocation(Irp)->FileObject;
  PIRP queued;
  while ((queued = IoCsqRemoveNextIrp(&ext->Queue, handle)) != NULL) CompleteRequest(queued, STATUS_CANCELLED, 0);
  return CompleteRequest(Irp, STATUS_SUCCESS, 0);
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
  for (ULONG offset = 0; offset < Element->Length; offset += Ext->Device.MaxTransfer) {
    next->Address = (ULONGLONG)Element->Address.QuadPart + offset;
    next->Length = Smaller(Ext->Device.MaxTransfer, Element->Length - offset);
    next->Flags = 0;
    next++;
  }
  return (ULONG)(next - Descriptors);
}

/* The device has been started on a transfer: watch it. */
DMA_CONFORMANCE_REPLACEABLE VOID TransferStarted(PDEVICE_EXTENSION Ext, PDIRECT_IO_TRANSFER Transfer) {
  UNREFERENCED_PARAMETER(Transfer);
  DmaTestDeviceArmWatchdog(&Ext->Device);
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
  Ext->Device.Adapter->DmaOperations->PutScatterGatherList(Ext->Device.Adapter, Transfer->List, Transfer->Request->Write);
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
  CompleteRequest(irp, status, information);
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
  transfer->Length = Smaller(Ext->Device.LongestTransfer, request->Length - request->Mapped);
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
    if (count + list->Elements[e].Length / Ext->Device.MaxTransfer + 1 > DMA_MAX_RING_DESCRIPTORS) return FALSE;
    count += DescribeElement(Ext, &list->Elements[e], &Ext->Device.Ring[count]);
  }
  if (count == 0) return FALSE;
  PDIRECT_IO_REQUEST request = Transfer->Request;
  DmaTestDeviceStartRing(&Ext->Device, count, (ULONGLONG)request->StreamOffset + Transfer->Offset, request->Write);
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
    /* Its list's map registers are back: a transfer waiting for a transfer in flight to end may be the one that waited for them. */
    KeAcquireSpinLock(&Ext->Lock, &irql);
    BOOLEAN retry = Ext->Retry != NULL;
    KeReleaseSpinLock(&Ext->Lock, irql);
    if (retry) {
      StartTransfers(Ext);
      return;
    }
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
    NTSTATUS status = Ext->Device.Adapter->DmaOperations->GetScatterGatherList(
      Ext->Device.Adapter, Ext->Self, request->Mdl, request->Va + transfer->Offset, transfer->Length, TransferMapped, transfer, request->Write);
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

/* The transfer on the device has ended, as DeviceStatus (its STATUS register) says: give its list back, end it, map more. */
static VOID ActiveTransferEnded(PDEVICE_EXTENSION Ext, ULONG DeviceStatus) {
  KIRQL irql;
  KeAcquireSpinLock(&Ext->Lock, &irql);
  PDIRECT_IO_TRANSFER transfer = Ext->Active;
  Ext->Active = NULL;
  KeReleaseSpinLock(&Ext->Lock, irql);
  if (!transfer) return;
  DmaTestDeviceCancelWatchdog(&Ext->Device);
  NTSTATUS status = DeviceStatus == DMA_TEST_DEVICE_ALL_ONES ? STATUS_DEVICE_NOT_CONNECTED : StatusFromDeviceState(DeviceStatus);
  ReleaseTransfer(Ext, transfer, status);
  TransferEnded(Ext, transfer, status);
  StartTransfers(Ext);
}

/*
 * The watchdog's DPC: a transfer that ended without interrupting (the device
 * is gone) ends here; a stuck one is aborted by the kit's watch, so it ends in
 * an error interrupt.
 */
static VOID WatchdogExpired(PKDPC Dpc, PVOID DeferredContext, PVOID SystemArgument1, PVOID SystemArgument2) {
  PDEVICE_EXTENSION ext = DeferredContext;
  DMA_TRANSFER_RESULT result;
  UNREFERENCED_PARAMETER(Dpc);
  UNREFERENCED_PARAMETER(SystemArgument1);
  UNREFERENCED_PARAMETER(SystemArgument2);
  if (ext->Active && DmaTestDeviceWatch(&ext->Device, &result)) ActiveTransferEnded(ext, result.Register);
}

/* --- entry points ------------------------------------------------------------------------------ */

/* Create and close: nothing is kept per handle. */
static NTSTATUS OpenClose(PDEVICE_OBJECT DeviceObject, PIRP Irp) {
  UNREFERENCED_PARAMETER(DeviceObject);
  return CompleteRequest(Irp, STATUS_SUCCESS, 0);
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
  /* DO_DIRECT_IO: the I/O manager locks each caller's buffer in an MDL */
  NTSTATUS status = DmaTestDeviceCreate(DriverObject, Pdo, sizeof(DEVICE_EXTENSION), DO_DIRECT_IO, &fdo);
  if (!NT_SUCCESS(status)) return status;
  PDEVICE_EXTENSION ext = fdo->DeviceExtension;  /* zeroed */
  ext->Self = fdo;
  DmaTestDeviceInitialize(&ext->Device, Pdo, WatchdogExpired, ext, DIRECT_IO_TRANSFER_TIMEOUT_MS);
  IoCsqInitialize(&ext->Queue, NULL);
  KeInitializeSpinLock(&ext->Lock);
  fdo->Flags &= ~DO_DEVICE_INITIALIZING;
  return STATUS_SUCCESS;
}

/* The device kit's BAR0, adapter (64-bit only when the device says so: SG-1, SG-6), ring and bus mastering, for requests up to the largest. */
DRIVER_EXPORT(StartDevice) NTSTATUS StartDevice(PDEVICE_OBJECT DeviceObject, PCM_RESOURCE_LIST Resources) {
  PDEVICE_EXTENSION ext = DeviceObject->DeviceExtension;
  return DmaTestDeviceStart(&ext->Device, Resources, READ_WRITE_DIRECT_LARGEST_REQUEST);
}

DRIVER_EXPORT(InterruptService) BOOLEAN InterruptService(PKINTERRUPT Interrupt, PVOID ServiceContext) {
  PDEVICE_OBJECT fdo = ServiceContext;
  PDEVICE_EXTENSION ext = fdo->DeviceExtension;
  UNREFERENCED_PARAMETER(Interrupt);
  return DmaTestDeviceInterrupt(&ext->Device, fdo);
}

/* The DPC: the device finished (or failed) the transfer on it; its STATUS register goes to the driver's own decoding. */
DRIVER_EXPORT(DpcForIsr) VOID DpcForIsr(PKDPC Dpc, PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context) {
  PDEVICE_EXTENSION ext = DeviceObject->DeviceExtension;
  DMA_TRANSFER_RESULT result;
  UNREFERENCED_PARAMETER(Dpc);
  UNREFERENCED_PARAMETER(Irp);
  UNREFERENCED_PARAMETER(Context);
  if (DmaTestDeviceTransferEnded(&ext->Device, &result)) ActiveTransferEnded(ext, result.Register);
}

DRIVER_EXPORT(RemoveDevice) VOID RemoveDevice(PDEVICE_OBJECT DeviceObject) {
  PDEVICE_EXTENSION ext = DeviceObject->DeviceExtension;
  DmaTestDeviceRemove(&ext->Device, DeviceObject);
}
