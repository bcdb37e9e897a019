/*
 * The boot-preallocated-contiguous reference driver in C, the port of
 * reference.ts: a ring of contiguous DMA buffers per open handle, taken from
 * the buffers the device's install configuration preallocated at boot.
 *
 * Contiguous memory fragments as the machine runs (CONT-2), so the install
 * file reserves the buffers at boot and the first set-ups whose size and
 * option flags match receive them (CONT-3). An application sets up its ring
 * with IOCTL_RING_SETUP; a set-up that matches no preallocated buffer falls
 * back to a run-time common buffer (which may fail), unless it says
 * GET_PREALLOCATED_BUFFERS_ONLY.
 *
 * Data moves between the ring and the application by CPU copy (buffered
 * I/O): a read fills ring buffers by DMA and copies them out, a write copies
 * into them and lets the device read them. The device is programmed with the
 * device-visible address each buffer came with (CONT-1). The buffers are
 * non-cached unless the options allow caching (CONT-7). The routines marked
 * DMA_CONFORMANCE_REPLACEABLE are the steps a faulty variant
 * (faulty/<name>.c) defines again.
 */
#include "reference.h"

DMA_CONFORMANCE_DRIVER("boot-preallocated-contiguous-reference-c", "boot-preallocated-contiguous",
  "A ring of contiguous DMA buffers per handle in C, taken from the buffers the install configuration preallocated at boot; data copied between the ring and buffered I/O.");

/* --- the named steps ---------------------------------------------------------------- */

/* The options of a set-up: the caller's, plus KERNEL_BUFFER_ALLOC, which the preallocated buffers were reserved with. */
DMA_CONFORMANCE_REPLACEABLE ULONG RingSetupOptions(const RING_SETUP_INPUT *Input) {
  return Input->Options | DMA_OPTION_KERNEL_BUFFER_ALLOC;
}

/*
 * One contiguous ring buffer (CONT-3): a boot-preallocated one whose size and
 * options match, else a run-time common buffer, unless the caller takes
 * preallocated buffers only.
 */
DMA_CONFORMANCE_REPLACEABLE BOOLEAN RingTakeBuffer(PRING_DEVICE_EXTENSION Ext, ULONG Bytes, ULONG Options, PRING_BUFFER Buffer) {
  PDMA_ADAPTER adapter = Ext->Device.Adapter;
  Buffer->Va = takePreallocatedBuffer(adapter, Bytes, Options, &Buffer->Logical);
  Buffer->Preallocated = Buffer->Va != NULL;
  if (Buffer->Va) return TRUE;
  if (Options & DMA_OPTION_GET_PREALLOCATED_BUFFERS_ONLY) return FALSE;
  Buffer->Va = adapter->DmaOperations->AllocateCommonBuffer(adapter, Bytes, &Buffer->Logical, (Options & DMA_OPTION_ALLOW_CACHE) != 0);
  return Buffer->Va != NULL;
}

/* What a request the device failed claims (DEV-3): nothing, since the batch's data stayed in the ring. */
DMA_CONFORMANCE_REPLACEABLE ULONG_PTR RingBytesOnError(PIRP Irp, DMA_TRANSFER_RESULT Result) {
  return 0;
}

/* The address the device is programmed with (CONT-1): the device-visible address the buffer came with. */
DMA_CONFORMANCE_REPLACEABLE ULONGLONG RingDeviceAddressOf(PRING_BUFFER Buffer, ULONG Offset) {
  return (ULONGLONG)Buffer->Logical.QuadPart + Offset;
}

/* --- rings ------------------------------------------------------------------------------ */

static VOID RingReleaseBuffer(PRING_DEVICE_EXTENSION Ext, PRING Ring, PRING_BUFFER Buffer) {
  PDMA_ADAPTER adapter = Ext->Device.Adapter;
  if (Buffer->Preallocated) returnPreallocatedBuffer(adapter, Buffer->Va);
  else adapter->DmaOperations->FreeCommonBuffer(adapter, Ring->Bytes, Buffer->Logical, Buffer->Va, (Ring->Options & DMA_OPTION_ALLOW_CACHE) != 0);
  Buffer->Va = NULL;
}

/* The first Taken buffers go back, then the ring itself. */
static VOID RingFree(PRING_DEVICE_EXTENSION Ext, PRING Ring, ULONG Taken) {
  for (ULONG i = 0; i < Taken; i++) RingReleaseBuffer(Ext, Ring, &Ring->Buffers[i]);
  ExFreePoolWithTag(Ring, RING_TAG);
}

/* The ring of a set-up: every buffer or none (a set-up that fails part-way gives back what it took). */
static NTSTATUS RingCreate(PRING_DEVICE_EXTENSION Ext, ULONG Bytes, ULONG Count, ULONG Options, PRING *Ring) {
  PRING ring = ExAllocatePoolWithTag(NonPagedPool, sizeof(RING) + Count * sizeof(RING_BUFFER), RING_TAG);
  if (!ring) return STATUS_INSUFFICIENT_RESOURCES;
  ring->Bytes = Bytes;
  ring->Count = Count;
  ring->Options = Options;
  for (ULONG i = 0; i < Count; i++) {
    if (!RingTakeBuffer(Ext, Bytes, Options, &ring->Buffers[i])) {
      RingFree(Ext, ring, i);
      return STATUS_INSUFFICIENT_RESOURCES;
    }
  }
  *Ring = ring;
  return STATUS_SUCCESS;
}

/* --- the device (lock held) ---------------------------------------------------------------- */

/* Fill the ring buffers with the request's next bytes and start the device on them. */
static VOID RingStartBatch(PRING_DEVICE_EXTENSION Ext, PIRP Irp) {
  PRING_REQUEST request = RingRequestOf(Irp);
  PRING ring = request->Ring;
  PIO_STACK_LOCATION location = IoGetCurrentIrpStackLocation(Irp);
  BOOLEAN write = location->MajorFunction == IRP_MJ_WRITE;
  ULONG length = location->Parameters.Read.Length;
  ULONG perBuffer = (ring->Bytes + Ext->Device.MaxTransfer - 1) / Ext->Device.MaxTransfer;  /* descriptors one buffer takes */
  ULONG fit = DMA_MAX_RING_DESCRIPTORS / perBuffer;
  ULONG buffers = ring->Count < fit ? ring->Count : fit;
  ULONG at = request->Done, count = 0;
  request->BatchCount = 0;
  for (ULONG i = 0; i < buffers && at < length; i++) {
    PRING_BUFFER buffer = &ring->Buffers[i];
    ULONG bytes = length - at < ring->Bytes ? length - at : ring->Bytes;
    if (write) RtlCopyMemory(buffer->Va, (PUCHAR)Irp->AssociatedIrp.SystemBuffer + at, bytes);  /* the device reads it from the ring */
    count = DmaTestDeviceDescribe(&Ext->Device, count, RingDeviceAddressOf(buffer, 0), bytes);
    request->BatchCount++;
    at += bytes;
  }
  request->BatchBytes = at - request->Done;
  DmaTestDeviceStartRing(&Ext->Device, count, (ULONGLONG)location->Parameters.Read.ByteOffset.QuadPart + request->Done, write);
  DmaTestDeviceArmWatchdog(&Ext->Device);
}

/* Start the next queued request when the device is idle. */
static VOID RingStartNext(PRING_DEVICE_EXTENSION Ext) {
  if (Ext->Current) return;
  PIRP irp = IoCsqRemoveNextIrp(&Ext->Queue, NULL);
  if (!irp) return;
  Ext->Current = irp;
  RingStartBatch(Ext, irp);
}

/* A batch ended (DPC or watchdog): copy a read's data out of the ring, then the next batch or the next request. */
static VOID RingBatchEnded(PRING_DEVICE_EXTENSION Ext, DMA_TRANSFER_RESULT Result) {
  KIRQL oldIrql;
  PIRP finished = NULL;
  KeAcquireSpinLock(&Ext->Lock, &oldIrql);
  PIRP irp = Ext->Current;
  if (irp) {
    PRING_REQUEST request = RingRequestOf(irp);
    PIO_STACK_LOCATION location = IoGetCurrentIrpStackLocation(irp);
    ULONG length = location->Parameters.Read.Length;
    BOOLEAN batchDone = NT_SUCCESS(Result.Status);  /* the device ended the batch in Done */
    DmaTestDeviceCancelWatchdog(&Ext->Device);
    if (batchDone && location->MajorFunction == IRP_MJ_READ) {
      ULONG at = request->Done;
      for (ULONG i = 0; i < request->BatchCount; i++) {
        ULONG bytes = length - at < request->Ring->Bytes ? length - at : request->Ring->Bytes;
        RtlCopyMemory((PUCHAR)irp->AssociatedIrp.SystemBuffer + at, request->Ring->Buffers[i].Va, bytes);
        at += bytes;
      }
    }
    if (batchDone) request->Done += request->BatchBytes;
    if (!batchDone || request->Done == length || irp->Cancel) {
      /* Cancelled: the request's handle was closed while it was under way. */
      Ext->Current = NULL;
      if (!batchDone) {
        irp->IoStatus.Status = Result.Status;
        irp->IoStatus.Information = RingBytesOnError(irp, Result);
      } else {
        irp->IoStatus.Status = request->Done == length ? STATUS_SUCCESS : STATUS_CANCELLED;
        irp->IoStatus.Information = request->Done == length ? request->Done : 0;
      }
      finished = irp;
      RingStartNext(Ext);
    } else {
      RingStartBatch(Ext, irp);
    }
  }
  KeReleaseSpinLock(&Ext->Lock, oldIrql);
  if (finished) IoCompleteRequest(finished, IO_NO_INCREMENT);
}

/* The watchdog's DPC: a transfer that ended without an interrupt (the device is gone) ends here. */
static VOID RingWatchdogExpired(PKDPC Dpc, PVOID DeferredContext, PVOID SystemArgument1, PVOID SystemArgument2) {
  PRING_DEVICE_EXTENSION ext = DeferredContext;
  DMA_TRANSFER_RESULT result;
  if (ext->Current && DmaTestDeviceWatch(&ext->Device, &result)) RingBatchEnded(ext, result);
}

/* --- dispatch ------------------------------------------------------------------------------ */

/* A handle starts with no ring in either direction. */
static NTSTATUS RingCreateHandle(PDEVICE_OBJECT DeviceObject, PIRP Irp) {
  PFILE_OBJECT fileObject = IoGetCurrentIrpStackLocation(Irp)->FileObject;
  fileObject->FsContext = NULL;
  fileObject->FsContext2 = NULL;
  return CompleteRequest(Irp, STATUS_SUCCESS, 0);
}

/* IRP_MJ_CLOSE: every request of the handle is over; its ring buffers go back. */
static NTSTATUS RingClose(PDEVICE_OBJECT DeviceObject, PIRP Irp) {
  PRING_DEVICE_EXTENSION ext = DeviceObject->DeviceExtension;
  PFILE_OBJECT fileObject = IoGetCurrentIrpStackLocation(Irp)->FileObject;
  PRING rings[2] = { fileObject->FsContext, fileObject->FsContext2 };
  for (ULONG i = 0; i < 2; i++) {
    if (rings[i]) RingFree(ext, rings[i], rings[i]->Count);
  }
  fileObject->FsContext = NULL;
  fileObject->FsContext2 = NULL;
  return CompleteRequest(Irp, STATUS_SUCCESS, 0);
}

static NTSTATUS RingDeviceControl(PDEVICE_OBJECT DeviceObject, PIRP Irp) {
  PRING_DEVICE_EXTENSION ext = DeviceObject->DeviceExtension;
  PIO_STACK_LOCATION location = IoGetCurrentIrpStackLocation(Irp);
  if (location->Parameters.DeviceIoControl.IoControlCode != IOCTL_RING_SETUP) return CompleteRequest(Irp, STATUS_INVALID_DEVICE_REQUEST, 0);
  if (location->Parameters.DeviceIoControl.InputBufferLength < sizeof(RING_SETUP_INPUT)) return CompleteRequest(Irp, STATUS_BUFFER_TOO_SMALL, 0);
  const RING_SETUP_INPUT *input = Irp->AssociatedIrp.SystemBuffer;
  ULONG bytes = input->BufferBytes, count = input->BufferCount, options = RingSetupOptions(input);
  BOOLEAN fromDevice = (options & DMA_OPTION_FROM_DEVICE) != 0, toDevice = (options & DMA_OPTION_TO_DEVICE) != 0;
  /* Exactly one direction per ring; every buffer must fit the descriptor ring. */
  if (bytes == 0 || count == 0 || count > RING_MAXIMUM_BUFFERS || fromDevice == toDevice
      || (bytes + ext->Device.MaxTransfer - 1) / ext->Device.MaxTransfer > DMA_MAX_RING_DESCRIPTORS) {
    return CompleteRequest(Irp, STATUS_INVALID_PARAMETER, 0);
  }
  PFILE_OBJECT fileObject = location->FileObject;
  PVOID *slot = fromDevice ? &fileObject->FsContext : &fileObject->FsContext2;
  if (*slot) return CompleteRequest(Irp, STATUS_INVALID_DEVICE_REQUEST, 0);
  PRING ring = NULL;
  NTSTATUS status = RingCreate(ext, bytes, count, options, &ring);
  if (NT_SUCCESS(status)) *slot = ring;
  return CompleteRequest(Irp, status, 0);
}

static NTSTATUS RingReadWrite(PDEVICE_OBJECT DeviceObject, PIRP Irp) {
  PRING_DEVICE_EXTENSION ext = DeviceObject->DeviceExtension;
  PIO_STACK_LOCATION location = IoGetCurrentIrpStackLocation(Irp);
  if (location->Parameters.Read.Length == 0) return CompleteRequest(Irp, STATUS_SUCCESS, 0);
  PRING ring = location->MajorFunction == IRP_MJ_WRITE ? location->FileObject->FsContext2 : location->FileObject->FsContext;
  if (!ring) return CompleteRequest(Irp, STATUS_INVALID_DEVICE_REQUEST, 0);  /* no ring set up for this direction */
  PRING_REQUEST request = RingRequestOf(Irp);
  RtlZeroMemory(request, sizeof *request);
  request->Ring = ring;
  IoCsqInsertIrp(&ext->Queue, Irp, NULL);  /* marks it pending */
  KIRQL oldIrql;
  KeAcquireSpinLock(&ext->Lock, &oldIrql);
  RingStartNext(ext);
  KeReleaseSpinLock(&ext->Lock, oldIrql);
  return STATUS_PENDING;
}

/* IRP_MJ_CLEANUP: the handle's queued requests are cancelled; the one on the device finishes by itself. */
static NTSTATUS RingCleanup(PDEVICE_OBJECT DeviceObject, PIRP Irp) {
  PRING_DEVICE_EXTENSION ext = DeviceObject->DeviceExtension;
  PFILE_OBJECT fileObject = IoGetCurrentIrpStackLocation(Irp)->FileObject;
  for (PIRP queued = IoCsqRemoveNextIrp(&ext->Queue, fileObject); queued; queued = IoCsqRemoveNextIrp(&ext->Queue, fileObject)) {
    CompleteRequest(queued, STATUS_CANCELLED, 0);
  }
  return CompleteRequest(Irp, STATUS_SUCCESS, 0);
}

/* --- PnP and interrupts ---------------------------------------------------------------------- */

DRIVER_EXPORT(DriverEntry) NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath) {
  DriverObject->MajorFunction[IRP_MJ_CREATE] = RingCreateHandle;
  DriverObject->MajorFunction[IRP_MJ_CLOSE] = RingClose;
  DriverObject->MajorFunction[IRP_MJ_DEVICE_CONTROL] = RingDeviceControl;
  DriverObject->MajorFunction[IRP_MJ_READ] = RingReadWrite;
  DriverObject->MajorFunction[IRP_MJ_WRITE] = RingReadWrite;
  DriverObject->MajorFunction[IRP_MJ_CLEANUP] = RingCleanup;
  return STATUS_SUCCESS;
}

DRIVER_EXPORT(AddDevice) NTSTATUS AddDevice(PDRIVER_OBJECT DriverObject, PDEVICE_OBJECT Pdo) {
  PDEVICE_OBJECT fdo;
  NTSTATUS status = DmaTestDeviceCreate(DriverObject, Pdo, sizeof(RING_DEVICE_EXTENSION), DO_BUFFERED_IO, &fdo);
  if (!NT_SUCCESS(status)) return status;
  PRING_DEVICE_EXTENSION ext = fdo->DeviceExtension;
  DmaTestDeviceInitialize(&ext->Device, Pdo, RingWatchdogExpired, ext, RING_TRANSFER_TIMEOUT_MS);
  KeInitializeSpinLock(&ext->Lock);
  IoCsqInitialize(&ext->Queue, NULL);
  fdo->Flags &= ~DO_DEVICE_INITIALIZING;
  return STATUS_SUCCESS;
}

DRIVER_EXPORT(StartDevice) NTSTATUS StartDevice(PDEVICE_OBJECT DeviceObject, PCM_RESOURCE_LIST Resources) {
  PRING_DEVICE_EXTENSION ext = DeviceObject->DeviceExtension;
  return DmaTestDeviceStart(&ext->Device, Resources, RING_MAXIMUM_LENGTH);
}

DRIVER_EXPORT(InterruptService) BOOLEAN InterruptService(PKINTERRUPT Interrupt, PVOID ServiceContext) {
  PDEVICE_OBJECT fdo = ServiceContext;
  return DmaTestDeviceInterrupt(&((PRING_DEVICE_EXTENSION)fdo->DeviceExtension)->Device, fdo);
}

DRIVER_EXPORT(DpcForIsr) VOID DpcForIsr(PKDPC Dpc, PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context) {
  PRING_DEVICE_EXTENSION ext = DeviceObject->DeviceExtension;
  DMA_TRANSFER_RESULT result;
  if (DmaTestDeviceTransferEnded(&ext->Device, &result)) RingBatchEnded(ext, result);
}

DRIVER_EXPORT(RemoveDevice) VOID RemoveDevice(PDEVICE_OBJECT DeviceObject) {
  PRING_DEVICE_EXTENSION ext = DeviceObject->DeviceExtension;
  DmaTestDeviceRemove(&ext->Device, DeviceObject);
}
