/*
 * The shared-buffer-ioctl reference driver in C (the design of reference.ts):
 * long-lived application buffers filled by the DMA test device over and over,
 * with no locking or mapping per fill.
 *
 * - IOCTL_SHARED_QUEUE: the driver probes and locks the caller's queue region
 *   itself, catching the status a bad address raises (PAGE-3), and maps it
 *   with MmGetSystemAddressForMdlSafe, which fails rather than stopping the
 *   machine (MDL-3), so its DPC can write queue entries.
 * - IOCTL_SHARED_BUFFER (METHOD_OUT_DIRECT): the I/O manager locks the buffer
 *   into the request's MDL and the driver keeps the request pending, so the
 *   buffer stays locked while the driver may fill it (PAGE-1, PAGE-2). Its
 *   scatter/gather list is built once and given to the device for every fill
 *   (PAGE-6), unless the device addresses only 32 bits: then the list may go
 *   through bounce pages, which only putting it back copies into the buffer,
 *   so it is got and put for each fill (SG-6).
 * - Each fill ends in the DPC: an entry in the queue, and the handle's pending
 *   waits complete. A released buffer is filled again.
 * - Cleanup stops the handle's fill, puts every list back once (SG-3),
 *   completes every held request, and unlocks and frees the queue (PAGE-5).
 */
#include "reference.h"

DMA_CONFORMANCE_DRIVER("shared-buffer-ioctl-reference-c", "shared-buffer-ioctl",
                       "Application buffers held locked in pending requests with their scatter/gather lists built once, fills signalled through a shared queue and waits, in C.");

#define FILL_TIMEOUT_MS 100  /* a fill of at most 8 MiB takes a few ms: 100 ms without progress means a stuck device */

static PSHARED_OPEN OpenOf(PIRP Irp) { return IoGetCurrentIrpStackLocation(Irp)->FileObject->FsContext; }

/* --- the shared queue ------------------------------------------------------------------------- */

/* Entries a queue region of Bytes holds; 0 when it cannot hold one. */
DMA_CONFORMANCE_REPLACEABLE ULONG QueueCapacity(ULONG Bytes) {
  return Bytes < QUEUE_HEADER_BYTES ? 0 : (Bytes - QUEUE_HEADER_BYTES) / QUEUE_ENTRY_BYTES;
}

/* The queue was locked but could not be mapped: undo the lock, then free the MDL (PAGE-5). */
DMA_CONFORMANCE_REPLACEABLE VOID ReleaseUnmappedQueue(PMDL Mdl) {
  MmUnlockPages(Mdl);
  IoFreeMdl(Mdl);
}

/* Undo the registration: unlocking ends the system mapping too; then the MDL and the buffer table (PAGE-5). */
static VOID ReleaseQueue(PSHARED_OPEN Open) {
  if (!Open->QueueMdl) return;
  MmUnlockPages(Open->QueueMdl);
  IoFreeMdl(Open->QueueMdl);
  ExFreePoolWithTag(Open->Buffers, SHARED_POOL_TAG);
  Open->QueueMdl = NULL;
  Open->QueueVa = NULL;
  Open->Buffers = NULL;
  Open->Slots = 0;
  Open->Capacity = 0;
}

static NTSTATUS RegisterQueue(PIRP Irp, PSHARED_OPEN Open) {
  PIO_STACK_LOCATION stack = IoGetCurrentIrpStackLocation(Irp);
  if (stack->Parameters.DeviceIoControl.InputBufferLength < QUEUE_REGISTRATION_BYTES || Open->QueueMdl) return CompleteRequest(Irp, STATUS_INVALID_PARAMETER, 0);
  PSHARED_QUEUE_REGISTRATION registration = Irp->AssociatedIrp.SystemBuffer;
  ULONG bytes = registration->Bytes;
  ULONG capacity = QueueCapacity(bytes);
  if (capacity < 1) return CompleteRequest(Irp, STATUS_INVALID_PARAMETER, 0);
  PMDL mdl = IoAllocateMdl(Ptr64ToPtr(registration->Address), bytes, FALSE, FALSE, NULL);
  if (!mdl) return CompleteRequest(Irp, STATUS_INSUFFICIENT_RESOURCES, 0);
  /* The region is the caller's word: a bad address raises, and the raised status is the request's (PAGE-3). */
  NTSTATUS status = WDM_TRY_STATUS(MmProbeAndLockPages(mdl, UserMode, IoWriteAccess));
  if (!NT_SUCCESS(status)) {
    IoFreeMdl(mdl);
    return CompleteRequest(Irp, status, 0);
  }
  /* The DPC writes entries in any process context: a system address, from the form that fails instead of stopping (MDL-3). */
  PUCHAR va = MmGetSystemAddressForMdlSafe(mdl, NormalPagePriority | MdlMappingNoExecute);
  if (!va) {
    ReleaseUnmappedQueue(mdl);
    return CompleteRequest(Irp, STATUS_INSUFFICIENT_RESOURCES, 0);
  }
  /* One slot per buffer the handle may hand down: no more than the queue has entries, so it never overflows. */
  ULONG slots = capacity < SHARED_BUFFERS_PER_HANDLE ? capacity : SHARED_BUFFERS_PER_HANDLE;
  PSHARED_BUFFER *table = ExAllocatePoolWithTag(NonPagedPool, slots * sizeof(PSHARED_BUFFER), SHARED_POOL_TAG);
  if (!table) {
    MmUnlockPages(mdl);
    IoFreeMdl(mdl);
    return CompleteRequest(Irp, STATUS_INSUFFICIENT_RESOURCES, 0);
  }
  RtlZeroMemory(va, QUEUE_HEADER_BYTES);
  Open->QueueMdl = mdl;
  Open->QueueVa = va;
  Open->Capacity = capacity;
  Open->Produced = 0;
  Open->Buffers = table;
  Open->Slots = slots;
  Open->BufferCount = 0;
  return CompleteRequest(Irp, STATUS_SUCCESS, 0);
}

/* Record a fill in the queue: the entry, then the count the application polls. */
DMA_CONFORMANCE_REPLACEABLE VOID WriteQueueEntry(PSHARED_OPEN Open, PSHARED_BUFFER Buffer, ULONG Bytes) {
  PSHARED_QUEUE_ENTRY entry = (PSHARED_QUEUE_ENTRY)(Open->QueueVa + QUEUE_HEADER_BYTES) + Open->Produced % Open->Capacity;
  entry->BufferId = Buffer->Id;
  entry->Bytes = Bytes;
  entry->StreamOffset = Buffer->StreamOffset;
  Open->Produced++;
  ((PSHARED_QUEUE_HEADER)Open->QueueVa)->Produced = Open->Produced;
}

/* --- the buffers' scatter/gather lists ------------------------------------------------------------ */

static VOID BeginFill(PDEVICE_EXTENSION Ext, PSHARED_BUFFER Buffer);
static VOID FillEnded(PDEVICE_EXTENSION Ext, PSHARED_BUFFER Buffer, ULONG Bytes);
static VOID StartNextFill(PDEVICE_EXTENSION Ext);

static VOID PushIdle(PDEVICE_EXTENSION Ext, PSHARED_BUFFER Buffer) {
  KIRQL oldIrql;
  KeAcquireSpinLock(&Ext->Lock, &oldIrql);
  Buffer->State = BufferIdle;
  Buffer->NextIdle = NULL;
  if (Ext->IdleTail) Ext->IdleTail->NextIdle = Buffer; else Ext->IdleHead = Buffer;
  Ext->IdleTail = Buffer;
  KeReleaseSpinLock(&Ext->Lock, oldIrql);
}

static VOID RemoveIdle(PDEVICE_EXTENSION Ext, PSHARED_BUFFER Buffer) {
  KIRQL oldIrql;
  KeAcquireSpinLock(&Ext->Lock, &oldIrql);
  for (PSHARED_BUFFER *link = &Ext->IdleHead, previous = NULL; *link; previous = *link, link = &(*link)->NextIdle) {
    if (*link != Buffer) continue;
    *link = Buffer->NextIdle;
    if (Ext->IdleTail == Buffer) Ext->IdleTail = previous;
    break;
  }
  Buffer->NextIdle = NULL;
  KeReleaseSpinLock(&Ext->Lock, oldIrql);
}

/*
 * The execution routine (DISPATCH_LEVEL), before GetScatterGatherList returns or later from a DPC: the buffer
 * becomes fillable, or its waiting fill starts, or, given back meanwhile, it goes back now.
 */
static VOID ListArrived(PDEVICE_OBJECT DeviceObject, PIRP Unused, PSCATTER_GATHER_LIST List, PVOID Context) {
  PDEVICE_EXTENSION ext = DeviceObject->DeviceExtension;
  PSHARED_BUFFER buffer = Context;
  buffer->ListPending = FALSE;
  buffer->List = List;
  if (buffer->GivenBack) {
    GiveBack(ext, buffer, buffer->GivenBackWith);
  } else if (buffer->State == BufferMapping) {
    PushIdle(ext, buffer);
    StartNextFill(ext);
  } else if (ext->Active == buffer) {
    BeginFill(ext, buffer);
  }
}

/* Get the buffer's list (caller at DISPATCH_LEVEL); ListArrived runs before this returns, or later. */
static NTSTATUS GetList(PDEVICE_EXTENSION Ext, PSHARED_BUFFER Buffer) {
  Buffer->ListPending = TRUE;
  NTSTATUS status = Ext->Device.Adapter->DmaOperations->GetScatterGatherList(Ext->Device.Adapter, Ext->Self, Buffer->Mdl, Buffer->Va, Buffer->Length, ListArrived, Buffer, FALSE);
  if (!NT_SUCCESS(status)) Buffer->ListPending = FALSE;
  return status;
}

/* Put the buffer's list back, once (SG-3); device-to-host, this copies bounced pages into the buffer (SG-6). */
static VOID PutList(PDEVICE_EXTENSION Ext, PSHARED_BUFFER Buffer) {
  if (!Buffer->List) return;
  KIRQL oldIrql;
  KeRaiseIrql(DISPATCH_LEVEL, &oldIrql);
  Ext->Device.Adapter->DmaOperations->PutScatterGatherList(Ext->Device.Adapter, Buffer->List, FALSE);
  KeLowerIrql(oldIrql);
  Buffer->List = NULL;
}

/* A fill ended or was stopped: a bouncing buffer's list goes back now, its data with it. */
static VOID FillMappingEnded(PDEVICE_EXTENSION Ext, PSHARED_BUFFER Buffer) {
  if (Buffer->Bounces) PutList(Ext, Buffer);
}

/* --- giving buffers back ------------------------------------------------------------------------------ */

/* The buffer is no longer the driver's: off the handle and the idle queue, its list back once (SG-3), then its request completes (unlocking it). */
VOID GiveBack(PDEVICE_EXTENSION Ext, PSHARED_BUFFER Buffer, NTSTATUS Status) {
  PSHARED_OPEN open = Buffer->Open;
  RemoveIdle(Ext, Buffer);
  if (open) {
    for (ULONG i = 0; i < open->BufferCount; i++) {
      if (open->Buffers[i] != Buffer) continue;
      open->Buffers[i] = open->Buffers[--open->BufferCount];
      break;
    }
    Buffer->Open = NULL;
  }
  if (Buffer->ListPending) {
    /* The HAL is building a list over the buffer: its request, and the lock on its pages, end when the list arrives. */
    Buffer->GivenBack = TRUE;
    Buffer->GivenBackWith = Status;
    return;
  }
  PutList(Ext, Buffer);
  CompleteRequest(Buffer->Irp, Status, 0);
  ExFreePoolWithTag(Buffer, SHARED_POOL_TAG);
}

/* The cancel routine of a held buffer: give it back now, or when the fill on it ends. */
static VOID BufferCancelled(PDEVICE_OBJECT DeviceObject, PIRP Irp) {
  PDEVICE_EXTENSION ext = DeviceObject->DeviceExtension;
  IoReleaseCancelSpinLock(Irp->CancelIrql);
  PSHARED_BUFFER buffer = Irp->Tail.Overlay.DriverContext[0];
  if (ext->Active == buffer) {
    buffer->CancelRequested = TRUE;
    return;
  }
  GiveBack(ext, buffer, STATUS_CANCELLED);
}

/*
 * Cleanup's part: every buffer of the handle goes back. A buffer whose cancel routine is already gone
 * belongs to that routine, unless the routine only marked it (it was being filled then): give that one back here.
 */
DMA_CONFORMANCE_REPLACEABLE VOID GiveBackHandleBuffers(PDEVICE_EXTENSION Ext, PSHARED_OPEN Open) {
  for (ULONG i = Open->BufferCount; i > 0; i--) {  /* from the end: GiveBack moves the last slot into the freed one */
    PSHARED_BUFFER buffer = Open->Buffers[i - 1];
    if (IoSetCancelRoutine(buffer->Irp, NULL) != NULL) GiveBack(Ext, buffer, STATUS_SUCCESS);
    else if (buffer->CancelRequested) GiveBack(Ext, buffer, STATUS_CANCELLED);
  }
}

/* --- filling -------------------------------------------------------------------------------------------- */

/* Start the device on the next idle buffer, if it is free. */
static VOID StartNextFill(PDEVICE_EXTENSION Ext) {
  KIRQL oldIrql;
  KeAcquireSpinLock(&Ext->Lock, &oldIrql);
  PSHARED_BUFFER buffer = NULL;
  if (!Ext->Active && Ext->Device.Registers && Ext->IdleHead) {
    buffer = Ext->IdleHead;
    Ext->IdleHead = buffer->NextIdle;
    if (!Ext->IdleHead) Ext->IdleTail = NULL;
    buffer->NextIdle = NULL;
    buffer->State = BufferFilling;
    Ext->Active = buffer;
  }
  KeReleaseSpinLock(&Ext->Lock, oldIrql);
  if (!buffer) return;
  if (buffer->List || !buffer->Bounces) {
    BeginFill(Ext, buffer);
    return;
  }
  /* A bouncing buffer gets its list for this fill; ListArrived starts the fill, now or later. */
  KeRaiseIrql(DISPATCH_LEVEL, &oldIrql);
  NTSTATUS status = GetList(Ext, buffer);
  KeLowerIrql(oldIrql);
  if (!NT_SUCCESS(status)) BeginFill(Ext, buffer);  /* no list: the fill ends empty */
}

/* Program the device to fill the active buffer through its list (none: the fill ends empty). */
static VOID BeginFill(PDEVICE_EXTENSION Ext, PSHARED_BUFFER Buffer) {
  PSCATTER_GATHER_LIST list = Buffer->List;
  if (!list) {
    Ext->Active = NULL;
    FillEnded(Ext, Buffer, 0);
    return;
  }
  Buffer->StreamOffset = Ext->StreamCursor;
  Ext->StreamCursor += Buffer->Length;
  DmaTestDeviceStartList(&Ext->Device, list, Buffer->StreamOffset, FALSE);
}

/* Record the fill in the queue, complete the handle's waits, and go on with the next buffer. */
static VOID FillEnded(PDEVICE_EXTENSION Ext, PSHARED_BUFFER Buffer, ULONG Bytes) {
  PSHARED_OPEN open = Buffer->Open;
  if (Buffer->CancelRequested) {
    GiveBack(Ext, Buffer, STATUS_CANCELLED);
  } else if (open && open->QueueVa) {
    Buffer->State = BufferFilled;
    WriteQueueEntry(open, Buffer, Bytes);
    for (PIRP wait = IoCsqRemoveNextIrp(&Ext->Waits, open->File); wait; wait = IoCsqRemoveNextIrp(&Ext->Waits, open->File)) {
      *(PULONG)wait->AssociatedIrp.SystemBuffer = open->Produced;
      CompleteRequest(wait, STATUS_SUCCESS, sizeof(ULONG));
    }
  }
  StartNextFill(Ext);
}

/* The fill in progress ended (DPC, or the watchdog for a removed device). */
static VOID ActiveFillEnded(PDEVICE_EXTENSION Ext) {
  DMA_TRANSFER_RESULT result;
  if (!DmaTestDeviceTransferEnded(&Ext->Device, &result)) return;
  PSHARED_BUFFER buffer = Ext->Active;
  if (!buffer) return;  /* the error interrupt of a fill cleanup stopped */
  Ext->Active = NULL;
  DmaTestDeviceCancelWatchdog(&Ext->Device);
  FillMappingEnded(Ext, buffer);
  FillEnded(Ext, buffer, NT_SUCCESS(result.Status) ? buffer->Length : 0);  /* a failed fill is reported empty (DEV-3) */
}

/* The watchdog's DPC: a stuck fill is aborted, so it ends in an error interrupt; a removed device never interrupts, so its fill ends here. */
static VOID WatchdogExpired(PKDPC Dpc, PVOID DeferredContext, PVOID SystemArgument1, PVOID SystemArgument2) {
  PDEVICE_EXTENSION ext = ((PDEVICE_OBJECT)DeferredContext)->DeviceExtension;
  DMA_TRANSFER_RESULT result;
  if (ext->Active && DmaTestDeviceWatch(&ext->Device, &result)) ActiveFillEnded(ext);
}

/* --- dispatch routines -------------------------------------------------------------------------------------- */

/* Keep the request pending until cleanup or cancellation: the I/O manager keeps the buffer locked until it completes. */
static NTSTATUS HoldBuffer(PSHARED_BUFFER Buffer) {
  IoMarkIrpPending(Buffer->Irp);
  IoSetCancelRoutine(Buffer->Irp, BufferCancelled);
  if (Buffer->Irp->Cancel && IoSetCancelRoutine(Buffer->Irp, NULL) != NULL) Buffer->GivenBack = TRUE;  /* cancelled as it arrived */
  return STATUS_PENDING;
}

/* IOCTL_SHARED_BUFFER: keep the buffer, locked in its pending request, with its list built once. */
static NTSTATUS HandDown(PDEVICE_EXTENSION Ext, PIRP Irp, PSHARED_OPEN Open) {
  PIO_STACK_LOCATION stack = IoGetCurrentIrpStackLocation(Irp);
  ULONG length = stack->Parameters.DeviceIoControl.OutputBufferLength;
  if (stack->Parameters.DeviceIoControl.InputBufferLength < sizeof(ULONG) || !Open->QueueMdl || !Irp->MdlAddress || length == 0 || length > SHARED_BUFFER_MAXIMUM) {
    return CompleteRequest(Irp, STATUS_INVALID_PARAMETER, 0);
  }
  ULONG id = *(PULONG)Irp->AssociatedIrp.SystemBuffer;
  for (ULONG i = 0; i < Open->BufferCount; i++) {
    if (Open->Buffers[i]->Id == id) return CompleteRequest(Irp, STATUS_INVALID_PARAMETER, 0);
  }
  if (Open->BufferCount >= Open->Slots) return CompleteRequest(Irp, STATUS_INSUFFICIENT_RESOURCES, 0);
  PSHARED_BUFFER buffer = ExAllocatePoolWithTag(NonPagedPool, sizeof(SHARED_BUFFER), SHARED_POOL_TAG);
  if (!buffer) return CompleteRequest(Irp, STATUS_INSUFFICIENT_RESOURCES, 0);
  RtlZeroMemory(buffer, sizeof(SHARED_BUFFER));
  buffer->Id = id;
  buffer->Irp = Irp;
  buffer->Mdl = Irp->MdlAddress;
  buffer->Va = MmGetMdlVirtualAddress(Irp->MdlAddress);
  buffer->Length = length;
  buffer->Bounces = !Ext->Device.Addressing64;
  buffer->State = BufferIdle;
  NTSTATUS status = STATUS_SUCCESS;
  if (buffer->Bounces) {
    /* It holds no list between fills, but each fill's list must still fit the adapter's map registers. */
    ULONG pages = ADDRESS_AND_SIZE_TO_SPAN_PAGES(buffer->Va, length);
    if (pages > Ext->Device.MapRegisters) status = STATUS_INSUFFICIENT_RESOURCES;
  } else {
    KIRQL oldIrql;
    KeRaiseIrql(DISPATCH_LEVEL, &oldIrql);
    status = GetList(Ext, buffer);
    KeLowerIrql(oldIrql);
  }
  if (!NT_SUCCESS(status)) {
    ExFreePoolWithTag(buffer, SHARED_POOL_TAG);
    return CompleteRequest(Irp, status, 0);
  }
  Irp->Tail.Overlay.DriverContext[0] = buffer;
  buffer->Open = Open;
  Open->Buffers[Open->BufferCount++] = buffer;
  NTSTATUS returned = HoldBuffer(buffer);
  if (buffer->GivenBack) {
    buffer->GivenBack = FALSE;
    GiveBack(Ext, buffer, STATUS_CANCELLED);
  } else if (buffer->ListPending) {
    buffer->State = BufferMapping;  /* its list arrives later: ListArrived makes it fillable */
  } else {
    PushIdle(Ext, buffer);
    StartNextFill(Ext);
  }
  return returned;
}

/* IOCTL_SHARED_RELEASE: the application consumed the buffer: fill it again. */
static NTSTATUS Release(PDEVICE_EXTENSION Ext, PIRP Irp, PSHARED_OPEN Open) {
  if (IoGetCurrentIrpStackLocation(Irp)->Parameters.DeviceIoControl.InputBufferLength < sizeof(ULONG)) return CompleteRequest(Irp, STATUS_INVALID_PARAMETER, 0);
  ULONG id = *(PULONG)Irp->AssociatedIrp.SystemBuffer;
  PSHARED_BUFFER buffer = NULL;
  for (ULONG i = 0; i < Open->BufferCount && !buffer; i++) {
    if (Open->Buffers[i]->Id == id) buffer = Open->Buffers[i];
  }
  if (!buffer || buffer->State != BufferFilled) return CompleteRequest(Irp, STATUS_INVALID_PARAMETER, 0);
  PushIdle(Ext, buffer);
  CompleteRequest(Irp, STATUS_SUCCESS, 0);
  StartNextFill(Ext);
  return STATUS_SUCCESS;
}

/* IOCTL_SHARED_WAIT: completes once more entries were produced than the application has seen. */
static NTSTATUS Wait(PDEVICE_EXTENSION Ext, PIRP Irp, PSHARED_OPEN Open) {
  PIO_STACK_LOCATION stack = IoGetCurrentIrpStackLocation(Irp);
  if (stack->Parameters.DeviceIoControl.InputBufferLength < sizeof(ULONG) || stack->Parameters.DeviceIoControl.OutputBufferLength < sizeof(ULONG)) {
    return CompleteRequest(Irp, STATUS_BUFFER_TOO_SMALL, 0);
  }
  PULONG io = Irp->AssociatedIrp.SystemBuffer;
  if (Open->Produced > *io) {
    *io = Open->Produced;
    return CompleteRequest(Irp, STATUS_SUCCESS, sizeof(ULONG));
  }
  IoCsqInsertIrp(&Ext->Waits, Irp, NULL);  /* marks it pending; cancelable while queued */
  return STATUS_PENDING;
}

static NTSTATUS DeviceControl(PDEVICE_OBJECT DeviceObject, PIRP Irp) {
  PDEVICE_EXTENSION ext = DeviceObject->DeviceExtension;
  PSHARED_OPEN open = OpenOf(Irp);
  switch (IoGetCurrentIrpStackLocation(Irp)->Parameters.DeviceIoControl.IoControlCode) {
    case IOCTL_SHARED_QUEUE: return RegisterQueue(Irp, open);
    case IOCTL_SHARED_BUFFER: return HandDown(ext, Irp, open);
    case IOCTL_SHARED_RELEASE: return Release(ext, Irp, open);
    case IOCTL_SHARED_WAIT: return Wait(ext, Irp, open);
    default: return CompleteRequest(Irp, STATUS_INVALID_DEVICE_REQUEST, 0);
  }
}

/* IRP_MJ_CREATE: the handle's state, in its file object. */
static NTSTATUS Create(PDEVICE_OBJECT DeviceObject, PIRP Irp) { return CreateHandleContext(Irp, sizeof(SHARED_OPEN), SHARED_POOL_TAG); }

/* Cleanup of a handle: cancel its waits, stop its fill, give back its buffers, release its queue. */
static NTSTATUS Cleanup(PDEVICE_OBJECT DeviceObject, PIRP Irp) {
  PDEVICE_EXTENSION ext = DeviceObject->DeviceExtension;
  PSHARED_OPEN open = OpenOf(Irp);
  CancelQueuedRequests(&ext->Waits, open->File);
  PSHARED_BUFFER active = ext->Active;
  if (active && active->Open == open) {
    DmaTestDeviceHalt(&ext->Device);
    ext->Active = NULL;
    FillMappingEnded(ext, active);
  }
  GiveBackHandleBuffers(ext, open);
  ReleaseQueue(open);
  CompleteRequest(Irp, STATUS_SUCCESS, 0);
  StartNextFill(ext);
  return STATUS_SUCCESS;
}

/* IRP_MJ_CLOSE: cleanup released everything the handle held; its state goes. */
static NTSTATUS Close(PDEVICE_OBJECT DeviceObject, PIRP Irp) { return CloseHandleContext(Irp, SHARED_POOL_TAG); }

/* --- PnP and the interrupt -------------------------------------------------------------------------------------- */

/* AddDevice's part: the extension (zeroed by IoCreateDevice) gets its lock, queue and watchdog. */
static VOID InitializeExtension(PDEVICE_EXTENSION Ext, PDEVICE_OBJECT DeviceObject, PDEVICE_OBJECT Pdo) {
  Ext->Self = DeviceObject;
  KeInitializeSpinLock(&Ext->Lock);
  IoCsqInitialize(&Ext->Waits, NULL);
  DmaTestDeviceInitialize(&Ext->Device, Pdo, WatchdogExpired, DeviceObject, FILL_TIMEOUT_MS);
}

DMA_TEST_DEVICE_EXPORTS(DEVICE_EXTENSION, InitializeExtension, SHARED_BUFFER_MAXIMUM, ActiveFillEnded)
