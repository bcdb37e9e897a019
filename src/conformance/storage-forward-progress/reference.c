/*
 * The storage-forward-progress reference driver in C, the port of
 * reference.ts: storage-style direct I/O on the DMA test device that never
 * fails a request for lack of resources (SG-5).
 *
 * - StartDevice sizes a reserve with CalculateScatterGatherList for the
 *   longest transfer at the worst start offset (a buffer one byte into a page
 *   spans one page more, SG-4) and allocates it while pool is still there.
 * - Each transfer normally gets its list from GetScatterGatherList, which
 *   allocates from pool. When that fails with STATUS_INSUFFICIENT_RESOURCES
 *   the list is built into the reserve with BuildScatterGatherList, which
 *   allocates nothing.
 * - While the reserve holds a list, a transfer that cannot get one waits in
 *   a cancel-safe queue; every list put back (exactly once, SG-3) restarts the
 *   waiting requests in order.
 *
 * A request longer than one list maps is cut into transfers (DEV-2); the
 * device runs one transfer at a time from its descriptor ring while the next
 * ones stay mapped, as a storage adapter keeps commands queued. The routines
 * marked DMA_CONFORMANCE_REPLACEABLE are the steps a faulty variant
 * (faulty/<name>.c) defines again.
 */
#include "reference.h"

DMA_CONFORMANCE_DRIVER("storage-forward-progress-reference-c", "storage-forward-progress",
  "Storage-style direct I/O in C that never fails for lack of resources: a reserve sized with CalculateScatterGatherList, lists built into it when pool allocation fails, requests queued while it is busy.");

/* The device lock; requests finished while it was held are completed once it is released. */
static VOID StorageLock(PSTORAGE_DEVICE_EXTENSION Ext, PKIRQL OldIrql) {
  KeAcquireSpinLock(&Ext->Lock, OldIrql);
}

static VOID StorageUnlock(PSTORAGE_DEVICE_EXTENSION Ext, KIRQL OldIrql) {
  PIRP finished = Ext->Finished;
  Ext->Finished = NULL;
  KeReleaseSpinLock(&Ext->Lock, OldIrql);
  while (finished) {
    PIRP next = StorageRequestOf(finished)->Next;
    IoCompleteRequest(finished, IO_NO_INCREMENT);
    finished = next;
  }
}

BOOLEAN StorageIsWrite(PIRP Irp) {
  return IoGetCurrentIrpStackLocation(Irp)->MajorFunction == IRP_MJ_WRITE;
}

/* The length of the request's next transfer: what is left, up to what one list maps. */
ULONG StorageTransferLength(PSTORAGE_DEVICE_EXTENSION Ext, PIRP Irp) {
  ULONG left = IoGetCurrentIrpStackLocation(Irp)->Parameters.Read.Length - StorageRequestOf(Irp)->Moved;
  return left < Ext->Device.LongestTransfer ? left : Ext->Device.LongestTransfer;
}

static PVOID StorageCurrentVa(PIRP Irp) {
  return (PCHAR)MmGetMdlVirtualAddress(Irp->MdlAddress) + StorageRequestOf(Irp)->Moved;
}

/* The request is over (lock held): it is completed once the lock is released. */
VOID StorageFinish(PSTORAGE_DEVICE_EXTENSION Ext, PIRP Irp, NTSTATUS Status, ULONG_PTR Information) {
  Irp->IoStatus.Status = Status;
  Irp->IoStatus.Information = Information;
  StorageRequestOf(Irp)->Next = Ext->Finished;
  Ext->Finished = Irp;
}

/* --- the device -------------------------------------------------------------------- */

/* Give the next mapped transfer to the device when it is idle (lock held). */
static VOID StorageStartDevice(PSTORAGE_DEVICE_EXTENSION Ext) {
  PIRP irp = Ext->MappedHead;
  if (Ext->Active || !irp) return;
  PSTORAGE_REQUEST request = StorageRequestOf(irp);
  Ext->MappedHead = request->Next;
  if (!Ext->MappedHead) Ext->MappedTail = NULL;
  request->Next = NULL;
  Ext->Active = irp;
  ULONGLONG streamOffset = (ULONGLONG)IoGetCurrentIrpStackLocation(irp)->Parameters.Read.ByteOffset.QuadPart + request->Moved;
  DmaTestDeviceStartList(&Ext->Device, request->List, streamOffset, StorageIsWrite(irp));
}

/*
 * The execution routine of Get/BuildScatterGatherList (DISPATCH_LEVEL): the
 * transfer is mapped; queue it for the device. It runs inside our own call,
 * lock held, or later from a DPC (a request that waited for map registers),
 * where it takes the lock itself.
 */
static VOID StorageTransferMapped(PDEVICE_OBJECT DeviceObject, PIRP Unused, PSCATTER_GATHER_LIST List, PVOID Context) {
  PSTORAGE_DEVICE_EXTENSION ext = DeviceObject->DeviceExtension;
  PIRP irp = Context;
  BOOLEAN fromOurCall = ext->InsideMapping != 0;
  KIRQL oldIrql = DISPATCH_LEVEL;
  if (!fromOurCall) StorageLock(ext, &oldIrql);
  PSTORAGE_REQUEST request = StorageRequestOf(irp);
  request->List = List;
  request->Next = NULL;
  if (ext->MappedTail) StorageRequestOf(ext->MappedTail)->Next = irp;
  else ext->MappedHead = irp;
  ext->MappedTail = irp;
  StorageStartDevice(ext);
  if (!fromOurCall) StorageUnlock(ext, oldIrql);
}

/* Map the request's next transfer (lock held). */
static VOID StorageMapNextTransfer(PSTORAGE_DEVICE_EXTENSION Ext, PIRP Irp) {
  PDMA_ADAPTER adapter = Ext->Device.Adapter;
  Ext->InsideMapping++;
  NTSTATUS status = adapter->DmaOperations->GetScatterGatherList(
    adapter, Ext->Fdo, Irp->MdlAddress, StorageCurrentVa(Irp), StorageTransferLength(Ext, Irp), StorageTransferMapped, Irp, StorageIsWrite(Irp));
  Ext->InsideMapping--;
  if (NT_SUCCESS(status)) return;
  if (status == STATUS_INSUFFICIENT_RESOURCES) StorageMappingFailed(Ext, Irp);
  else StorageFinish(Ext, Irp, status, 0);
}

/* --- the named steps ---------------------------------------------------------------- */

/*
 * The reserve's size (SG-4): what BuildScatterGatherList needs for the
 * longest transfer at the worst start offset. With no MDL,
 * CalculateScatterGatherList counts the pages the range spans from
 * CurrentVa's offset in its page, so a start one byte into a page gives the
 * worst case. 0: no size to be had.
 */
DMA_CONFORMANCE_REPLACEABLE ULONG StorageReserveSize(PSTORAGE_DEVICE_EXTENSION Ext) {
  PDMA_ADAPTER adapter = Ext->Device.Adapter;
  ULONG bytes = 0, mapRegisters = 0;
  NTSTATUS status = adapter->DmaOperations->CalculateScatterGatherList(adapter, NULL, (PVOID)1, Ext->Device.LongestTransfer, &bytes, &mapRegisters);
  return NT_SUCCESS(status) ? bytes : 0;
}

/* GetScatterGatherList could not allocate (SG-5): build the list into the reserve when it is free; otherwise wait for a list to come back. */
DMA_CONFORMANCE_REPLACEABLE VOID StorageMappingFailed(PSTORAGE_DEVICE_EXTENSION Ext, PIRP Irp) {
  if (Ext->Reserve && !Ext->ReserveHolder) StorageBuildIntoReserve(Ext, Irp);
  else StorageWaitForResources(Ext, Irp);
}

/* A list was put back, perhaps the reserve's (SG-5): the requests waiting for one go on, in order. */
DMA_CONFORMANCE_REPLACEABLE VOID StorageResourcesReturned(PSTORAGE_DEVICE_EXTENSION Ext) {
  StorageRestartWaiting(Ext);
}

/* The device is done with the transfer: its list goes back exactly once (SG-3), before the request completes. */
DMA_CONFORMANCE_REPLACEABLE VOID StoragePutList(PSTORAGE_DEVICE_EXTENSION Ext, PIRP Irp) {
  PSTORAGE_REQUEST request = StorageRequestOf(Irp);
  Ext->Device.Adapter->DmaOperations->PutScatterGatherList(Ext->Device.Adapter, request->List, StorageIsWrite(Irp));
  request->List = NULL;
}

/* Nothing of ours is in flight to restart the waiting requests: a timer does, a moment later (SG-5). */
DMA_CONFORMANCE_REPLACEABLE VOID StorageArmRetry(PSTORAGE_DEVICE_EXTENSION Ext) {
  LARGE_INTEGER due;
  due.QuadPart = -(LONGLONG)STORAGE_RETRY_MS * 10000;
  KeSetTimer(&Ext->RetryTimer, due, &Ext->RetryDpc);
}

/* --- the reserve and the waiting queue (lock held) ------------------------------------- */

VOID StorageBuildIntoReserve(PSTORAGE_DEVICE_EXTENSION Ext, PIRP Irp) {
  PDMA_ADAPTER adapter = Ext->Device.Adapter;
  PSTORAGE_REQUEST request = StorageRequestOf(Irp);
  Ext->ReserveHolder = Irp;
  request->Flags |= STORAGE_REQUEST_IN_RESERVE;
  Ext->InsideMapping++;
  NTSTATUS status = adapter->DmaOperations->BuildScatterGatherList(
    adapter, Ext->Fdo, Irp->MdlAddress, StorageCurrentVa(Irp), StorageTransferLength(Ext, Irp), StorageTransferMapped, Irp, StorageIsWrite(Irp),
    Ext->Reserve, Ext->ReserveBytes);
  Ext->InsideMapping--;
  if (NT_SUCCESS(status)) return;
  Ext->ReserveHolder = NULL;
  request->Flags &= ~STORAGE_REQUEST_IN_RESERVE;
  if (status != STATUS_INSUFFICIENT_RESOURCES) {
    StorageFinish(Ext, Irp, status, 0);
    return;
  }
  /* Map registers are held by other lists: wait for one of them to come back, or for the timer when none is in flight. */
  StorageWaitForResources(Ext, Irp);
  if (!Ext->Active && !Ext->MappedHead) StorageArmRetry(Ext);
}

VOID StorageWaitForResources(PSTORAGE_DEVICE_EXTENSION Ext, PIRP Irp) {
  StorageRequestOf(Irp)->Flags |= STORAGE_REQUEST_WAITING;
  Ext->WaitingCount++;
  IoCsqInsertIrp(&Ext->Waiting, Irp, NULL);
}

/* Retry the waiting requests in order until one cannot be mapped yet. */
VOID StorageRestartWaiting(PSTORAGE_DEVICE_EXTENSION Ext) {
  for (;;) {
    PIRP irp = IoCsqRemoveNextIrp(&Ext->Waiting, NULL);
    if (!irp) return;
    Ext->WaitingCount--;
    PSTORAGE_REQUEST request = StorageRequestOf(irp);
    request->Flags &= ~STORAGE_REQUEST_WAITING;
    StorageMapNextTransfer(Ext, irp);
    if (request->Flags & STORAGE_REQUEST_WAITING) return;  /* no list for it yet: the ones behind it wait too */
  }
}

/* A waiting request was cancelled (its handle closed): the queue took it out; it is completed here. */
static VOID StorageWaitingCancelled(PIO_CSQ Csq, PIRP Irp) {
  PSTORAGE_DEVICE_EXTENSION ext = CONTAINING_RECORD(Csq, STORAGE_DEVICE_EXTENSION, Waiting);
  ext->WaitingCount--;
  CompleteRequest(Irp, STATUS_CANCELLED, 0);
}

/* --- a transfer ends ------------------------------------------------------------------ */

/* The device is done with the active transfer (DPC or watchdog): its list goes back, waiting requests get lists, the device goes on. */
static VOID StorageActiveEnded(PSTORAGE_DEVICE_EXTENSION Ext, DMA_TRANSFER_RESULT Result) {
  KIRQL oldIrql;
  StorageLock(Ext, &oldIrql);
  PIRP irp = Ext->Active;
  if (irp) {
    PSTORAGE_REQUEST request = StorageRequestOf(irp);
    ULONG length = StorageTransferLength(Ext, irp);
    ULONG total = IoGetCurrentIrpStackLocation(irp)->Parameters.Read.Length;
    Ext->Active = NULL;
    DmaTestDeviceCancelWatchdog(&Ext->Device);
    StoragePutList(Ext, irp);
    if (request->Flags & STORAGE_REQUEST_IN_RESERVE) {
      Ext->ReserveHolder = NULL;
      request->Flags &= ~STORAGE_REQUEST_IN_RESERVE;
    }
    if (!NT_SUCCESS(Result.Status)) {
      /* DEV-3: claim no more than the device moved of this transfer. */
      request->Moved += Result.Bytes < length ? Result.Bytes : length;
      StorageFinish(Ext, irp, Result.Status, request->Moved);
    } else {
      request->Moved += length;
      if (request->Moved == total) StorageFinish(Ext, irp, STATUS_SUCCESS, total);
      else if (irp->Cancel) StorageFinish(Ext, irp, STATUS_CANCELLED, 0);  /* its handle was closed: no next transfer */
      else StorageMapNextTransfer(Ext, irp);
    }
    StorageResourcesReturned(Ext);
    StorageStartDevice(Ext);
  }
  StorageUnlock(Ext, oldIrql);
}

/* The watchdog's DPC: a transfer that ended without an interrupt (the device is gone) ends here. */
static VOID StorageWatchdogExpired(PKDPC Dpc, PVOID DeferredContext, PVOID SystemArgument1, PVOID SystemArgument2) {
  PSTORAGE_DEVICE_EXTENSION ext = DeferredContext;
  DMA_TRANSFER_RESULT result;
  if (ext->Active && DmaTestDeviceWatch(&ext->Device, &result)) StorageActiveEnded(ext, result);
}

/* The retry timer's DPC: try the waiting requests again. */
static VOID StorageRetryExpired(PKDPC Dpc, PVOID DeferredContext, PVOID SystemArgument1, PVOID SystemArgument2) {
  PSTORAGE_DEVICE_EXTENSION ext = DeferredContext;
  KIRQL oldIrql;
  StorageLock(ext, &oldIrql);
  StorageRestartWaiting(ext);
  StorageUnlock(ext, oldIrql);
}

/* --- dispatch --------------------------------------------------------------------------- */

static NTSTATUS StorageCreateClose(PDEVICE_OBJECT DeviceObject, PIRP Irp) {
  return CompleteRequest(Irp, STATUS_SUCCESS, 0);
}

static NTSTATUS StorageReadWrite(PDEVICE_OBJECT DeviceObject, PIRP Irp) {
  PSTORAGE_DEVICE_EXTENSION ext = DeviceObject->DeviceExtension;
  if (IoGetCurrentIrpStackLocation(Irp)->Parameters.Read.Length == 0 || !Irp->MdlAddress) return CompleteRequest(Irp, STATUS_SUCCESS, 0);
  RtlZeroMemory(StorageRequestOf(Irp), sizeof(STORAGE_REQUEST));
  IoMarkIrpPending(Irp);
  KIRQL oldIrql;
  StorageLock(ext, &oldIrql);
  if (ext->WaitingCount > 0) StorageWaitForResources(ext, Irp);  /* requests already waiting for resources go first */
  else StorageMapNextTransfer(ext, Irp);
  StorageUnlock(ext, oldIrql);
  return STATUS_PENDING;
}

/* IRP_MJ_CLEANUP: the handle's requests still waiting for a list are cancelled; those mapped or on the device finish by themselves. */
static NTSTATUS StorageCleanup(PDEVICE_OBJECT DeviceObject, PIRP Irp) {
  PSTORAGE_DEVICE_EXTENSION ext = DeviceObject->DeviceExtension;
  PFILE_OBJECT fileObject = IoGetCurrentIrpStackLocation(Irp)->FileObject;
  KIRQL oldIrql;
  StorageLock(ext, &oldIrql);
  for (PIRP waiting = IoCsqRemoveNextIrp(&ext->Waiting, fileObject); waiting; waiting = IoCsqRemoveNextIrp(&ext->Waiting, fileObject)) {
    ext->WaitingCount--;
    StorageFinish(ext, waiting, STATUS_CANCELLED, 0);
  }
  StorageUnlock(ext, oldIrql);
  return CompleteRequest(Irp, STATUS_SUCCESS, 0);
}

/* --- PnP and interrupts ------------------------------------------------------------------- */

DRIVER_EXPORT(DriverEntry) NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath) {
  DriverObject->MajorFunction[IRP_MJ_CREATE] = StorageCreateClose;
  DriverObject->MajorFunction[IRP_MJ_CLOSE] = StorageCreateClose;
  DriverObject->MajorFunction[IRP_MJ_READ] = StorageReadWrite;
  DriverObject->MajorFunction[IRP_MJ_WRITE] = StorageReadWrite;
  DriverObject->MajorFunction[IRP_MJ_CLEANUP] = StorageCleanup;
  return STATUS_SUCCESS;
}

DRIVER_EXPORT(AddDevice) NTSTATUS AddDevice(PDRIVER_OBJECT DriverObject, PDEVICE_OBJECT Pdo) {
  PDEVICE_OBJECT fdo;
  NTSTATUS status = DmaTestDeviceCreate(DriverObject, Pdo, sizeof(STORAGE_DEVICE_EXTENSION), DO_DIRECT_IO, &fdo);
  if (!NT_SUCCESS(status)) return status;
  PSTORAGE_DEVICE_EXTENSION ext = fdo->DeviceExtension;
  DmaTestDeviceInitialize(&ext->Device, Pdo, StorageWatchdogExpired, ext, STORAGE_TRANSFER_TIMEOUT_MS);
  ext->Fdo = fdo;
  KeInitializeSpinLock(&ext->Lock);
  IoCsqInitialize(&ext->Waiting, StorageWaitingCancelled);
  KeInitializeTimer(&ext->RetryTimer);
  KeInitializeDpc(&ext->RetryDpc, StorageRetryExpired, ext);
  fdo->Flags &= ~DO_DEVICE_INITIALIZING;
  return STATUS_SUCCESS;
}

/* The device kit's adapter, ring and bus mastering, then the reserve, while pool is still there. */
DRIVER_EXPORT(StartDevice) NTSTATUS StartDevice(PDEVICE_OBJECT DeviceObject, PCM_RESOURCE_LIST Resources) {
  PSTORAGE_DEVICE_EXTENSION ext = DeviceObject->DeviceExtension;
  NTSTATUS status = DmaTestDeviceStart(&ext->Device, Resources, STORAGE_MAXIMUM_TRANSFER);
  if (NT_SUCCESS(status)) {
    ext->ReserveBytes = StorageReserveSize(ext);
    ext->Reserve = ext->ReserveBytes ? ExAllocatePoolWithTag(NonPagedPool, ext->ReserveBytes, STORAGE_RESERVE_TAG) : NULL;
    if (!ext->Reserve) status = STATUS_INSUFFICIENT_RESOURCES;
  }
  if (!NT_SUCCESS(status)) DmaTestDeviceStop(&ext->Device);
  return status;
}

DRIVER_EXPORT(InterruptService) BOOLEAN InterruptService(PKINTERRUPT Interrupt, PVOID ServiceContext) {
  PDEVICE_OBJECT fdo = ServiceContext;
  return DmaTestDeviceInterrupt(&((PSTORAGE_DEVICE_EXTENSION)fdo->DeviceExtension)->Device, fdo);
}

DRIVER_EXPORT(DpcForIsr) VOID DpcForIsr(PKDPC Dpc, PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context) {
  PSTORAGE_DEVICE_EXTENSION ext = DeviceObject->DeviceExtension;
  DMA_TRANSFER_RESULT result;
  if (DmaTestDeviceTransferEnded(&ext->Device, &result)) StorageActiveEnded(ext, result);
}

DRIVER_EXPORT(RemoveDevice) VOID RemoveDevice(PDEVICE_OBJECT DeviceObject) {
  PSTORAGE_DEVICE_EXTENSION ext = DeviceObject->DeviceExtension;
  KeCancelTimer(&ext->RetryTimer);
  KeRemoveQueueDpc(&ext->RetryDpc);
  if (ext->Reserve) ExFreePoolWithTag(ext->Reserve, STORAGE_RESERVE_TAG);
  ext->Reserve = NULL;
  DmaTestDeviceRemove(&ext->Device, DeviceObject);
}
