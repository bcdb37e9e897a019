/*
 * The mapped-file-dma reference driver in C: the port of reference.ts.
 *
 * An application maps a file and passes the view with a METHOD_NEITHER IOCTL
 * (include/dma-conformance/mapped-file-dma.h). In the caller's context the
 * driver describes the view with an MDL and probes and locks it, guarded:
 * pages not resident are read from the file (PAGE-4), and an address the
 * caller does not own raises, which fails the request with nothing locked
 * (PAGE-3). The locked view waits in a cancel-safe queue; the device moves it
 * in transfers of one scatter/gather list each, and when the last one ends
 * the view is unlocked and the MDL freed, exactly once (PAGE-1, PAGE-5).
 */
#include "reference.h"

DMA_CONFORMANCE_DRIVER("mapped-file-dma-reference-c", "mapped-file-dma",
  "DMA into or out of a mapped file view passed by a METHOD_NEITHER IOCTL, written in C: the view is locked in the caller's context and unlocked once the device is done.");

#define MAXIMUM_TRANSFER (8 * 1024 * 1024)  /* the most one list maps: a few ms on the link */
#define MAPPED_FILE_WATCHDOG_MS 100         /* a whole period without progress: the device is stuck */

/* --- the replaceable steps ------------------------------------------------------- */

/* The device writes the view: lock it for write access, so its pages count as modified and reach the file. */
DMA_CONFORMANCE_REPLACEABLE LOCK_OPERATION ViewLockOperation(BOOLEAN IntoView) {
  return IntoView ? IoWriteAccess : IoReadAccess;
}

/*
 * Lock the view for the device, in the caller's context at PASSIVE_LEVEL
 * (PAGE-1, PAGE-4). A bad address raises inside the probe: the status comes
 * back here, and the MDL is freed with nothing locked (PAGE-3).
 */
DMA_CONFORMANCE_REPLACEABLE NTSTATUS LockView(PIRP Irp, PVOID View, ULONG Length, BOOLEAN IntoView) {
  PMDL mdl = IoAllocateMdl(View, Length, FALSE, FALSE, NULL);
  if (!mdl) return STATUS_INSUFFICIENT_RESOURCES;
  NTSTATUS status = WDM_TRY_STATUS(MmProbeAndLockPages(mdl, Irp->RequestorMode, ViewLockOperation(IntoView)));
  if (!NT_SUCCESS(status)) {
    IoFreeMdl(mdl);
    return status;
  }
  VIEW_MDL(Irp) = mdl;
  return STATUS_SUCCESS;
}

/* Undo LockView, once: the slot is cleared so no path can unlock twice (PAGE-5). */
DMA_CONFORMANCE_REPLACEABLE VOID UnlockView(PIRP Irp) {
  PMDL mdl = VIEW_MDL(Irp);
  if (!mdl) return;
  VIEW_MDL(Irp) = NULL;
  MmUnlockPages(mdl);
  IoFreeMdl(mdl);
}

/* Every request the driver queued ends here, whatever ended it: the view is unlocked before the IRP goes back. */
DMA_CONFORMANCE_REPLACEABLE VOID FinishRequest(PIRP Irp, NTSTATUS Status, ULONG_PTR Information) {
  UnlockView(Irp);
  CompleteRequest(Irp, Status, NT_SUCCESS(Status) ? Information : 0);
}

/* The device has been started on a transfer: watch it. */
DMA_CONFORMANCE_REPLACEABLE VOID TransferStarted(PMAPPED_FILE_EXTENSION Ext) {
  DmaTestDeviceArmWatchdog(&Ext->Device);
}

/* --- the device ---------------------------------------------------------------------- */

static VOID StartNext(PDEVICE_OBJECT DeviceObject);
static NTSTATUS MapTransfer(PDEVICE_OBJECT DeviceObject);

/* GetScatterGatherList's execution routine (DISPATCH_LEVEL, now or later from a DPC): hand the list to the device. */
static VOID TransferMapped(PDEVICE_OBJECT DeviceObject, PIRP Unused, PSCATTER_GATHER_LIST List, PVOID Context) {
  PMAPPED_FILE_EXTENSION ext = DeviceObject->DeviceExtension;
  VIEW_TRANSFER *t = &ext->Current;
  UNREFERENCED_PARAMETER(Unused);
  UNREFERENCED_PARAMETER(Context);
  t->List = List;
  ULONG count = DmaTestDeviceDescribeList(&ext->Device, 0, List);
  ULONGLONG stream = ((ULONGLONG)(ULONG_PTR)STREAM_OFFSET_HIGH(t->Irp) << 32 | (ULONG_PTR)STREAM_OFFSET_LOW(t->Irp)) + t->Done;
  DmaTestDeviceStartRing(&ext->Device, count, stream, !t->IntoView);
  TransferStarted(ext);
}

/* Map the current request's next transfer (the lock held: DISPATCH_LEVEL). */
static NTSTATUS MapTransfer(PDEVICE_OBJECT DeviceObject) {
  PMAPPED_FILE_EXTENSION ext = DeviceObject->DeviceExtension;
  VIEW_TRANSFER *t = &ext->Current;
  PMDL mdl = VIEW_MDL(t->Irp);
  ULONG left = t->Length - t->Done;
  t->Piece = left < ext->Device.LongestTransfer ? left : ext->Device.LongestTransfer;
  PDMA_ADAPTER adapter = ext->Device.Adapter;
  return adapter->DmaOperations->GetScatterGatherList(adapter, DeviceObject, mdl, (PUCHAR)MmGetMdlVirtualAddress(mdl) + t->Done,
    t->Piece, TransferMapped, NULL, !t->IntoView);
}

/* Give the device the next queued request when it is idle. */
static VOID StartNext(PDEVICE_OBJECT DeviceObject) {
  PMAPPED_FILE_EXTENSION ext = DeviceObject->DeviceExtension;
  KIRQL irql;
  KeAcquireSpinLock(&ext->Lock, &irql);
  while (!ext->Current.Irp) {
    PIRP irp = IoCsqRemoveNextIrp(&ext->Queue, NULL);
    if (!irp) break;
    PIO_STACK_LOCATION stack = IoGetCurrentIrpStackLocation(irp);
    VIEW_TRANSFER *t = &ext->Current;
    t->Irp = irp;
    t->IntoView = stack->Parameters.DeviceIoControl.IoControlCode == IOCTL_MAPPED_FILE_FROM_DEVICE;
    t->Length = stack->Parameters.DeviceIoControl.OutputBufferLength;
    t->Done = 0;
    t->List = NULL;
    NTSTATUS status = MapTransfer(DeviceObject);
    if (!NT_SUCCESS(status)) {
      t->Irp = NULL;
      FinishRequest(irp, status, 0);
    }
  }
  KeReleaseSpinLock(&ext->Lock, irql);
}

/*
 * The transfer on the device ended (its DPC, or the watchdog for a device that
 * is gone): put its list back, then map the next transfer or end the request.
 */
static VOID TransferEnded(PDEVICE_OBJECT DeviceObject, DMA_TRANSFER_RESULT Result) {
  PMAPPED_FILE_EXTENSION ext = DeviceObject->DeviceExtension;
  VIEW_TRANSFER *t = &ext->Current;
  KIRQL irql;
  KeAcquireSpinLock(&ext->Lock, &irql);
  if (!t->Irp || !t->List) {  /* nothing on the device: a late or doubled report */
    KeReleaseSpinLock(&ext->Lock, irql);
    return;
  }
  DmaTestDeviceCancelWatchdog(&ext->Device);
  ext->Device.Adapter->DmaOperations->PutScatterGatherList(ext->Device.Adapter, t->List, !t->IntoView);
  t->List = NULL;
  NTSTATUS status = Result.Status;
  if (NT_SUCCESS(status)) {
    t->Done += t->Piece;
    if (t->Done < t->Length) {
      status = MapTransfer(DeviceObject);
      if (NT_SUCCESS(status)) {
        KeReleaseSpinLock(&ext->Lock, irql);
        return;
      }
    }
  }
  PIRP irp = t->Irp;
  ULONG done = t->Done;
  t->Irp = NULL;
  KeReleaseSpinLock(&ext->Lock, irql);
  FinishRequest(irp, status, done);
  StartNext(DeviceObject);
}

/* The watchdog's DPC: a transfer that is no longer busy, on a device that never interrupted (it is gone), ends here. */
static VOID WatchdogExpired(PKDPC Dpc, PVOID DeferredContext, PVOID SystemArgument1, PVOID SystemArgument2) {
  PDEVICE_OBJECT device = DeferredContext;
  PMAPPED_FILE_EXTENSION ext = device->DeviceExtension;
  DMA_TRANSFER_RESULT result;
  UNREFERENCED_PARAMETER(Dpc);
  UNREFERENCED_PARAMETER(SystemArgument1);
  UNREFERENCED_PARAMETER(SystemArgument2);
  if (ext->Current.Irp && ext->Current.List && DmaTestDeviceWatch(&ext->Device, &result)) TransferEnded(device, result);
}

/* --- requests ------------------------------------------------------------------------- */

/* The cancel-safe queue's completion for a request cancelled before the device took it: it ends like any other. */
static VOID CancelledWhileQueued(PIO_CSQ Csq, PIRP Irp) {
  UNREFERENCED_PARAMETER(Csq);
  FinishRequest(Irp, STATUS_CANCELLED, 0);
}

/*
 * The stream offset, from the METHOD_NEITHER input buffer: a user address,
 * read through an MDL locked for the moment of the read (a bad address raises
 * inside the probe and comes back as a status).
 */
static NTSTATUS ReadStreamOffset(PIRP Irp, PIO_STACK_LOCATION Stack, ULONGLONG *StreamOffset) {
  *StreamOffset = 0;
  if (Stack->Parameters.DeviceIoControl.InputBufferLength == 0) return STATUS_SUCCESS;
  PVOID user = Stack->Parameters.DeviceIoControl.Type3InputBuffer;
  if (Stack->Parameters.DeviceIoControl.InputBufferLength < sizeof(MAPPED_FILE_INPUT) || !user) return STATUS_BUFFER_TOO_SMALL;
  PMDL mdl = IoAllocateMdl(user, sizeof(MAPPED_FILE_INPUT), FALSE, FALSE, NULL);
  if (!mdl) return STATUS_INSUFFICIENT_RESOURCES;
  NTSTATUS status = WDM_TRY_STATUS(MmProbeAndLockPages(mdl, Irp->RequestorMode, IoReadAccess));
  if (NT_SUCCESS(status)) {
    const MAPPED_FILE_INPUT *input = MmGetSystemAddressForMdlSafe(mdl, NormalPagePriority);
    if (input) RtlCopyMemory(StreamOffset, &input->StreamOffset, sizeof *StreamOffset);
    else status = STATUS_INSUFFICIENT_RESOURCES;
    MmUnlockPages(mdl);
  }
  IoFreeMdl(mdl);
  return status;
}

/* The IOCTLs, in the caller's context at PASSIVE_LEVEL: read the offset, lock the view, queue the request. */
static NTSTATUS DeviceControl(PDEVICE_OBJECT DeviceObject, PIRP Irp) {
  PMAPPED_FILE_EXTENSION ext = DeviceObject->DeviceExtension;
  PIO_STACK_LOCATION stack = IoGetCurrentIrpStackLocation(Irp);
  ULONG code = stack->Parameters.DeviceIoControl.IoControlCode;
  if (code != IOCTL_MAPPED_FILE_FROM_DEVICE && code != IOCTL_MAPPED_FILE_TO_DEVICE) return CompleteRequest(Irp, STATUS_INVALID_DEVICE_REQUEST, 0);
  PVOID view = Irp->UserBuffer;
  ULONG length = stack->Parameters.DeviceIoControl.OutputBufferLength;
  if (!view || length == 0) return CompleteRequest(Irp, STATUS_SUCCESS, 0);
  if (length > MAPPED_FILE_MAXIMUM_REQUEST) return CompleteRequest(Irp, STATUS_INVALID_PARAMETER, 0);
  ULONGLONG streamOffset;
  NTSTATUS status = ReadStreamOffset(Irp, stack, &streamOffset);
  if (!NT_SUCCESS(status)) return CompleteRequest(Irp, status, 0);
  VIEW_MDL(Irp) = NULL;
  status = LockView(Irp, view, length, code == IOCTL_MAPPED_FILE_FROM_DEVICE);
  if (!NT_SUCCESS(status)) return CompleteRequest(Irp, status, 0);
  STREAM_OFFSET_LOW(Irp) = (PVOID)(ULONG_PTR)(ULONG)streamOffset;
  STREAM_OFFSET_HIGH(Irp) = (PVOID)(ULONG_PTR)(ULONG)(streamOffset >> 32);
  IoCsqInsertIrp(&ext->Queue, Irp, NULL);  /* marks it pending; cancelable while it waits */
  StartNext(DeviceObject);
  return STATUS_PENDING;
}

/* Cleanup: the handle's waiting requests end cancelled, views unlocked; the one on the device finishes by itself. */
static NTSTATUS Cleanup(PDEVICE_OBJECT DeviceObject, PIRP Irp) {
  PMAPPED_FILE_EXTENSION ext = DeviceObject->DeviceExtension;
  PFILE_OBJECT file = IoGetCurrentIrpStackLocation(Irp)->FileObject;
  PIRP queued;
  while ((queued = IoCsqRemoveNextIrp(&ext->Queue, file)) != NULL) FinishRequest(queued, STATUS_CANCELLED, 0);
  return CompleteRequest(Irp, STATUS_SUCCESS, 0);
}

static NTSTATUS OpenOrClose(PDEVICE_OBJECT DeviceObject, PIRP Irp) {
  UNREFERENCED_PARAMETER(DeviceObject);
  return CompleteRequest(Irp, STATUS_SUCCESS, 0);
}

/* --- PnP entry points -------------------------------------------------------------------- */

DRIVER_EXPORT(DriverEntry) NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath) {
  UNREFERENCED_PARAMETER(RegistryPath);
  DriverObject->MajorFunction[IRP_MJ_CREATE] = OpenOrClose;
  DriverObject->MajorFunction[IRP_MJ_CLOSE] = OpenOrClose;
  DriverObject->MajorFunction[IRP_MJ_DEVICE_CONTROL] = DeviceControl;
  DriverObject->MajorFunction[IRP_MJ_CLEANUP] = Cleanup;
  return STATUS_SUCCESS;
}

DRIVER_EXPORT(AddDevice) NTSTATUS AddDevice(PDRIVER_OBJECT DriverObject, PDEVICE_OBJECT Pdo) {
  PDEVICE_OBJECT fdo;
  NTSTATUS status = DmaTestDeviceCreate(DriverObject, Pdo, sizeof(MAPPED_FILE_EXTENSION), 0, &fdo);  /* METHOD_NEITHER: no DO_DIRECT_IO or DO_BUFFERED_IO */
  if (!NT_SUCCESS(status)) return status;
  PMAPPED_FILE_EXTENSION ext = fdo->DeviceExtension;  /* zeroed */
  DmaTestDeviceInitialize(&ext->Device, Pdo, WatchdogExpired, fdo, MAPPED_FILE_WATCHDOG_MS);
  KeInitializeSpinLock(&ext->Lock);
  IoCsqInitialize(&ext->Queue, CancelledWhileQueued);
  fdo->Flags &= ~DO_DEVICE_INITIALIZING;
  return STATUS_SUCCESS;
}

DRIVER_EXPORT(StartDevice) NTSTATUS StartDevice(PDEVICE_OBJECT DeviceObject, PCM_RESOURCE_LIST Resources) {
  PMAPPED_FILE_EXTENSION ext = DeviceObject->DeviceExtension;
  return DmaTestDeviceStart(&ext->Device, Resources, MAXIMUM_TRANSFER);
}

/* The ISR: acknowledge what the device raised and leave the rest to the DPC. */
DRIVER_EXPORT(InterruptService) BOOLEAN InterruptService(PKINTERRUPT Interrupt, PVOID ServiceContext) {
  PDEVICE_OBJECT fdo = ServiceContext;
  PMAPPED_FILE_EXTENSION ext = fdo->DeviceExtension;
  UNREFERENCED_PARAMETER(Interrupt);
  return DmaTestDeviceInterrupt(&ext->Device, fdo);
}

DRIVER_EXPORT(DpcForIsr) VOID DpcForIsr(PKDPC Dpc, PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context) {
  PMAPPED_FILE_EXTENSION ext = DeviceObject->DeviceExtension;
  UNREFERENCED_PARAMETER(Dpc);
  UNREFERENCED_PARAMETER(Irp);
  UNREFERENCED_PARAMETER(Context);
  DMA_TRANSFER_RESULT result;
  if (DmaTestDeviceTransferEnded(&ext->Device, &result)) TransferEnded(DeviceObject, result);
}

/* RemoveDevice: undo StartDevice and AddDevice, in reverse order. */
DRIVER_EXPORT(RemoveDevice) VOID RemoveDevice(PDEVICE_OBJECT DeviceObject) {
  PMAPPED_FILE_EXTENSION ext = DeviceObject->DeviceExtension;
  DmaTestDeviceRemove(&ext->Device, DeviceObject);
}
