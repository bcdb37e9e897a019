/*
 * The mapped-buffer-ioctl reference driver in C (the design of reference.ts):
 * the driver allocates a buffer that cannot be paged, maps it into the
 * application's address space by an IOCTL, and DMAs between it and the DMA
 * test device.
 *
 * - IOCTL_MAPPED_MAP: the buffer comes from non-paged pool, resident for as
 *   long as it exists (PAGE-1); its MDL is built with MmBuildMdlForNonPagedPool,
 *   valid for non-paged memory only (PAGE-7). The dispatch routine runs in the
 *   requesting process, so MmMapLockedPagesSpecifyCache(UserMode) maps it there
 *   (CONT-6); a failed mapping raises, and the raised status is the request's.
 * - IOCTL_MAPPED_TRANSFER: transfers run one at a time from a cancel-safe
 *   queue. Each piece of a transfer is described by a partial MDL allocated
 *   with the buffer and rebuilt per piece; a scatter/gather list maps it and is
 *   put back once the device is done (SG-3); a piece is no longer than one
 *   list may map (DEV-2).
 * - Cleanup, in the context of whichever process closed the last handle:
 *   the handle's transfers are stopped or cancelled, the user mapping is undone
 *   in the process it was made in (attached to it when need be), then the
 *   partial MDL is freed before its source (MDL-2), then the buffer.
 */
#include "reference.h"

DMA_CONFORMANCE_DRIVER("mapped-buffer-ioctl-reference-c", "mapped-buffer-ioctl",
                       "A non-paged buffer mapped into the requesting process by an IOCTL, filled and read by DMA through a partial MDL per piece, unmapped at cleanup, in C.");

#define TRANSFER_TIMEOUT_MS 100  /* as the other reference drivers: 100 ms without progress means a stuck device */

static PMAPPED_OPEN OpenOf(PIRP Irp) { return IoGetCurrentIrpStackLocation(Irp)->FileObject->FsContext; }

/* IRP_MJ_CREATE: the handle's state, in its file object. */
static NTSTATUS Create(PDEVICE_OBJECT DeviceObject, PIRP Irp) { return CreateHandleContext(Irp, sizeof(MAPPED_OPEN), MAPPED_POOL_TAG); }

/* --- the buffer ------------------------------------------------------------------------------------- */

/* The partial MDL before its source (MDL-2), then the memory: in any context, once no list is being built over them. */
DMA_CONFORMANCE_REPLACEABLE VOID FreeBuffer(PMAPPED_BUFFER Buffer) {
  IoFreeMdl(Buffer->Partial);
  IoFreeMdl(Buffer->Mdl);
  ExFreePoolWithTag(Buffer->SystemVa, MAPPED_POOL_TAG);
  ExFreePoolWithTag(Buffer, MAPPED_POOL_TAG);
}

/*
 * Undo the user mapping in the process it was made in (CONT-6). Cleanup runs in the process that closed the
 * last handle, which after DuplicateHandle need not be that one: attach to it then. A process that has begun
 * exiting takes its mappings with its address space: nothing to undo from elsewhere.
 */
DMA_CONFORMANCE_REPLACEABLE VOID UnmapFromOwner(PMAPPED_BUFFER Buffer) {
  if (!Buffer->UserVa) return;
  if (IoGetCurrentProcess() == Buffer->Owner) {
    MmUnmapLockedPages(Buffer->UserVa, Buffer->Mdl);
  } else if (!PsGetProcessExitProcessCalled(Buffer->Owner)) {
    KAPC_STATE state;
    KeStackAttachProcess(Buffer->Owner, &state);
    MmUnmapLockedPages(Buffer->UserVa, Buffer->Mdl);
    KeUnstackDetachProcess(&state);
  }
  Buffer->UserVa = NULL;
}

/* A new buffer, allocated, described and mapped into the current (requesting) process; NULL and *Status on failure. */
static PMAPPED_BUFFER MappedBufferFor(ULONG Bytes, NTSTATUS *Status) {
  *Status = STATUS_INSUFFICIENT_RESOURCES;
  PMAPPED_BUFFER buffer = ExAllocatePoolWithTag(NonPagedPool, sizeof(MAPPED_BUFFER), MAPPED_POOL_TAG);
  if (!buffer) return NULL;
  RtlZeroMemory(buffer, sizeof(MAPPED_BUFFER));
  buffer->Bytes = Bytes;
  buffer->SystemVa = ExAllocatePoolWithTag(NonPagedPool, Bytes, MAPPED_POOL_TAG);
  if (buffer->SystemVa) buffer->Mdl = IoAllocateMdl(buffer->SystemVa, Bytes, FALSE, FALSE, NULL);
  if (buffer->Mdl) buffer->Partial = IoAllocateMdl(buffer->SystemVa, Bytes, FALSE, FALSE, NULL);
  if (!buffer->Partial) {
    if (buffer->Mdl) IoFreeMdl(buffer->Mdl);
    if (buffer->SystemVa) ExFreePoolWithTag(buffer->SystemVa, MAPPED_POOL_TAG);
    ExFreePoolWithTag(buffer, MAPPED_POOL_TAG);
    return NULL;
  }
  MmBuildMdlForNonPagedPool(buffer->Mdl);
  /* A mapping that fails raises when BugCheckOnFailure is FALSE and the mode is UserMode: the status becomes the request's. */
  *Status = WDM_TRY_STATUS(buffer->UserVa = MmMapLockedPagesSpecifyCache(buffer->Mdl, UserMode, MmCached, NULL, FALSE, NormalPagePriority));
  if (NT_SUCCESS(*Status) && !buffer->UserVa) *Status = STATUS_INSUFFICIENT_RESOURCES;
  if (!NT_SUCCESS(*Status)) {
    buffer->UserVa = NULL;
    FreeBuffer(buffer);
    return NULL;
  }
  buffer->Owner = IoGetCurrentProcess();
  return buffer;
}

/* IOCTL_MAPPED_MAP: a buffer for the handle, mapped into the calling process. */
static NTSTATUS Map(PIRP Irp, PMAPPED_OPEN Open) {
  PIO_STACK_LOCATION stack = IoGetCurrentIrpStackLocation(Irp);
  if (stack->Parameters.DeviceIoControl.InputBufferLength < sizeof(ULONG) || Open->Buffer) return CompleteRequest(Irp, STATUS_INVALID_PARAMETER, 0);
  ULONG bytes = *(PULONG)Irp->AssociatedIrp.SystemBuffer;
  if (bytes == 0 || bytes > MAPPED_BUFFER_MAXIMUM) return CompleteRequest(Irp, STATUS_INVALID_PARAMETER, 0);
  if (stack->Parameters.DeviceIoControl.OutputBufferLength < MAP_OUTPUT_BYTES) return CompleteRequest(Irp, STATUS_BUFFER_TOO_SMALL, 0);
  NTSTATUS status;
  PMAPPED_BUFFER buffer = MappedBufferFor(bytes, &status);
  if (!buffer) return CompleteRequest(Irp, status, 0);
  Open->Buffer = buffer;
  PMAPPED_BUFFER_MAP_OUTPUT output = Irp->AssociatedIrp.SystemBuffer;
  output->Address = PtrToPtr64(buffer->UserVa);  /* the address in the application, not this driver's token for it */
  output->Bytes = buffer->Bytes;
  output->Reserved = 0;
  return CompleteRequest(Irp, STATUS_SUCCESS, MAP_OUTPUT_BYTES);
}

/* --- transfers ------------------------------------------------------------------------------------------ */

/* The transfer's range lies inside the buffer: compared so that no sum can wrap a ULONG (a hostile order). */
DMA_CONFORMANCE_REPLACEABLE BOOLEAN TransferRangeValid(PMAPPED_BUFFER Buffer, PMAPPED_BUFFER_TRANSFER_ORDER Order) {
  return Order->Bytes != 0 && Order->Bytes <= Buffer->Bytes && Order->Offset <= Buffer->Bytes - Order->Bytes;
}

static VOID StartNext(PDEVICE_EXTENSION Ext);
static NTSTATUS MapPiece(PDEVICE_EXTENSION Ext);

static VOID PutList(PDEVICE_EXTENSION Ext) {
  PACTIVE_TRANSFER t = &Ext->Active;
  if (!t->List) return;
  KIRQL oldIrql;
  KeRaiseIrql(DISPATCH_LEVEL, &oldIrql);
  Ext->Device.Adapter->DmaOperations->PutScatterGatherList(Ext->Device.Adapter, t->List, t->Order.Direction == MAPPED_TRANSFER_HOST_TO_DEVICE);
  KeLowerIrql(oldIrql);
  t->List = NULL;
}

/* The transfer ends: its list back (SG-3), its request completed, the next one started. */
static VOID Finish(PDEVICE_EXTENSION Ext, NTSTATUS Status) {
  PIRP irp = Ext->Active.Irp;
  ULONG bytes = Ext->Active.Order.Bytes;
  PutList(Ext);
  Ext->Active.Irp = NULL;
  CompleteRequest(irp, Status, NT_SUCCESS(Status) ? bytes : 0);
  StartNext(Ext);
}

/*
 * The execution routine (DISPATCH_LEVEL), before GetScatterGatherList returns or later from a DPC: start the
 * device on the piece. A list that arrives after cleanup stopped its transfer goes straight back, and then the
 * buffer cleanup let go.
 */
static VOID PieceMapped(PDEVICE_OBJECT DeviceObject, PIRP Irp, PSCATTER_GATHER_LIST List, PVOID Context) {
  PDEVICE_EXTENSION ext = DeviceObject->DeviceExtension;
  if (Context != ext->Active.Irp || !ext->Active.Mapping) {
    ext->Device.Adapter->DmaOperations->PutScatterGatherList(ext->Device.Adapter, List, ext->StoppedToDevice);
    if (ext->ReleaseWhenMapped) FreeBuffer(ext->ReleaseWhenMapped);
    ext->ReleaseWhenMapped = NULL;
    return;
  }
  PACTIVE_TRANSFER t = &ext->Active;
  t->Mapping = FALSE;
  t->List = List;
  DmaTestDeviceStartList(&ext->Device, List, t->Order.StreamOffset + t->Done, t->Order.Direction == MAPPED_TRANSFER_HOST_TO_DEVICE);
  t->Done += t->Piece;
}

/* Map the active transfer's next piece through the partial MDL; PieceMapped starts the device on it. */
static NTSTATUS MapPiece(PDEVICE_EXTENSION Ext) {
  PACTIVE_TRANSFER t = &Ext->Active;
  PMAPPED_BUFFER buffer = t->Open->Buffer;
  ULONG left = t->Order.Bytes - t->Done;
  t->Piece = left < Ext->Device.LongestTransfer ? left : Ext->Device.LongestTransfer;
  PUCHAR va = buffer->SystemVa + t->Order.Offset + t->Done;
  IoBuildPartialMdl(buffer->Mdl, buffer->Partial, va, t->Piece);
  BOOLEAN toDevice = t->Order.Direction == MAPPED_TRANSFER_HOST_TO_DEVICE;
  t->Mapping = TRUE;
  KIRQL oldIrql;
  KeRaiseIrql(DISPATCH_LEVEL, &oldIrql);
  NTSTATUS status = Ext->Device.Adapter->DmaOperations->GetScatterGatherList(Ext->Device.Adapter, Ext->Self, buffer->Partial, va, t->Piece, PieceMapped, t->Irp, toDevice);
  KeLowerIrql(oldIrql);
  if (!NT_SUCCESS(status)) t->Mapping = FALSE;
  return status;
}

/* Start the next queued transfer if the device is free. */
static VOID StartNext(PDEVICE_EXTENSION Ext) {
  while (!Ext->Active.Irp) {
    PIRP irp = IoCsqRemoveNextIrp(&Ext->Queue, NULL);
    if (!irp) return;
    PMAPPED_OPEN open = OpenOf(irp);
    if (!open->Buffer) {
      CompleteRequest(irp, STATUS_INVALID_PARAMETER, 0);
      continue;
    }
    RtlZeroMemory(&Ext->Active, sizeof Ext->Active);
    Ext->Active.Irp = irp;
    Ext->Active.Open = open;
    Ext->Active.Order = *(PMAPPED_BUFFER_TRANSFER_ORDER)irp->AssociatedIrp.SystemBuffer;
    NTSTATUS status = MapPiece(Ext);
    if (!NT_SUCCESS(status)) Finish(Ext, status);
  }
}

/* The piece on the device ended (DPC, or the watchdog for a removed device). */
static VOID PieceEnded(PDEVICE_EXTENSION Ext) {
  DMA_TRANSFER_RESULT result;
  if (!DmaTestDeviceTransferEnded(&Ext->Device, &result) || !Ext->Active.Irp || Ext->Active.Mapping) return;
  DmaTestDeviceCancelWatchdog(&Ext->Device);
  PutList(Ext);
  if (!NT_SUCCESS(result.Status)) {
    Finish(Ext, result.Status);
  } else if (Ext->Active.Done < Ext->Active.Order.Bytes) {
    NTSTATUS status = MapPiece(Ext);
    if (!NT_SUCCESS(status)) Finish(Ext, status);
  } else {
    Finish(Ext, STATUS_SUCCESS);
  }
}

/* The watchdog's DPC: a stuck piece is aborted, so it ends in an error interrupt; a removed device never interrupts, so its piece ends here. */
static VOID WatchdogExpired(PKDPC Dpc, PVOID DeferredContext, PVOID SystemArgument1, PVOID SystemArgument2) {
  PDEVICE_EXTENSION ext = ((PDEVICE_OBJECT)DeferredContext)->DeviceExtension;
  DMA_TRANSFER_RESULT result;
  if (ext->Active.Irp && !ext->Active.Mapping && DmaTestDeviceWatch(&ext->Device, &result)) PieceEnded(ext);
}

/* IOCTL_MAPPED_TRANSFER: queued (cancelable while it waits), run when the device is free. */
static NTSTATUS Transfer(PDEVICE_EXTENSION Ext, PIRP Irp, PMAPPED_OPEN Open) {
  if (IoGetCurrentIrpStackLocation(Irp)->Parameters.DeviceIoControl.InputBufferLength < TRANSFER_INPUT_BYTES || !Open->Buffer) return CompleteRequest(Irp, STATUS_INVALID_PARAMETER, 0);
  if (!TransferRangeValid(Open->Buffer, Irp->AssociatedIrp.SystemBuffer)) return CompleteRequest(Irp, STATUS_INVALID_PARAMETER, 0);
  IoCsqInsertIrp(&Ext->Queue, Irp, NULL);
  StartNext(Ext);
  return STATUS_PENDING;
}

/* --- dispatch routines ------------------------------------------------------------------------------------ */

static NTSTATUS DeviceControl(PDEVICE_OBJECT DeviceObject, PIRP Irp) {
  PMAPPED_OPEN open = OpenOf(Irp);
  switch (IoGetCurrentIrpStackLocation(Irp)->Parameters.DeviceIoControl.IoControlCode) {
    case IOCTL_MAPPED_MAP: return Map(Irp, open);
    case IOCTL_MAPPED_TRANSFER: return Transfer(DeviceObject->DeviceExtension, Irp, open);
    default: return CompleteRequest(Irp, STATUS_INVALID_DEVICE_REQUEST, 0);
  }
}

/* Cleanup of a handle: cancel its queued transfers, stop its running one, release its buffer. */
static NTSTATUS Cleanup(PDEVICE_OBJECT DeviceObject, PIRP Irp) {
  PDEVICE_EXTENSION ext = DeviceObject->DeviceExtension;
  PMAPPED_OPEN open = OpenOf(Irp);
  CancelQueuedRequests(&ext->Queue, open->File);
  BOOLEAN listComing = FALSE;
  if (ext->Active.Irp && ext->Active.Open == open) {
    DmaTestDeviceHalt(&ext->Device);
    listComing = ext->Active.Mapping;
    ext->StoppedToDevice = ext->Active.Order.Direction == MAPPED_TRANSFER_HOST_TO_DEVICE;
    PIRP stopped = ext->Active.Irp;
    PutList(ext);
    RtlZeroMemory(&ext->Active, sizeof ext->Active);
    CompleteRequest(stopped, STATUS_CANCELLED, 0);
  }
  if (open->Buffer) {
    UnmapFromOwner(open->Buffer);
    /* A list is still being built over the buffer: it is freed when the list arrives. */
    if (listComing) ext->ReleaseWhenMapped = open->Buffer; else FreeBuffer(open->Buffer);
    open->Buffer = NULL;
  }
  CompleteRequest(Irp, STATUS_SUCCESS, 0);
  StartNext(ext);
  return STATUS_SUCCESS;
}

/* IRP_MJ_CLOSE: cleanup released everything the handle held; its state goes. */
static NTSTATUS Close(PDEVICE_OBJECT DeviceObject, PIRP Irp) { return CloseHandleContext(Irp, MAPPED_POOL_TAG); }

/* --- PnP and the interrupt ---------------------------------------------------------------------------------- */

/* AddDevice's part: the extension (zeroed by IoCreateDevice) gets its lock, queue and watchdog. */
static VOID InitializeExtension(PDEVICE_EXTENSION Ext, PDEVICE_OBJECT DeviceObject, PDEVICE_OBJECT Pdo) {
  Ext->Self = DeviceObject;
  IoCsqInitialize(&Ext->Queue, NULL);
  DmaTestDeviceInitialize(&Ext->Device, Pdo, WatchdogExpired, DeviceObject, TRANSFER_TIMEOUT_MS);
}

DMA_TEST_DEVICE_EXPORTS(DEVICE_EXTENSION, InitializeExtension, MAPPED_BUFFER_MAXIMUM, PieceEnded)
