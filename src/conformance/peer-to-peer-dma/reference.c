/*
 * The peer-to-peer-dma reference driver in C: the port of reference.ts.
 *
 * The application hands the driver the bus address of another PCI function's
 * memory (a GPU's), and the DMA test device moves its stream into or out of
 * that memory without a byte crossing host RAM (DEV-6).
 * - StartDevice also reads the memory BARs of the other functions on the bus
 *   (base, and size by the all-ones probe), so requests can be checked.
 * - IOCTL_P2P_TRANSFER: a range not wholly inside one of those BARs fails
 *   before the device is touched. The range is mapped with MmMapIoSpace and
 *   described by an MDL built with MmBuildMdlForNonPagedPool (device memory
 *   is never paged: nothing to probe or lock); GetScatterGatherList gives the
 *   device its address for it (the bus address, or behind an IOMMU one mapped
 *   to it), never the CPU's (DEV-1). Transfers run one at a time, in pieces
 *   one list may map (DEV-2).
 * - Cleanup stops the handle's transfer on the device before its list is put
 *   back, its mapping undone and the request completed.
 */
#include "reference.h"

DMA_CONFORMANCE_DRIVER("peer-to-peer-dma-reference-c", "peer-to-peer-dma",
  "Moves the DMA test device's data into or out of another PCI function's memory BAR, written in C: checked against the BARs found at start, mapped with MmMapIoSpace, an MDL for non-paged memory and a scatter/gather list.");

#define PEER_POOL_TAG 0x50325044  /* 'DP2P' */
#define P2P_WATCHDOG_MS 100  /* a whole period without progress: the device is stuck */
#define PCI_MAX_DEVICES 32
#define PCI_VENDOR_ID 0x00
#define PCI_FIRST_BAR 0x10
#define PCI_BAR_COUNT 6
#define BAR_IO_SPACE 0x1
#define BAR_TYPE_MASK 0x6
#define BAR_TYPE_64BIT 0x4

/* The device reads the peer's memory for a transfer from it: that is the HAL's "write to device". */
static BOOLEAN FromPeer(PPEER_REQUEST Request) {
  return Request->Order.Direction == P2P_DIRECTION_PEER_TO_DEVICE;
}

/* --- the peer BARs ---------------------------------------------------------------- */

static ULONG ConfigRead(ULONG Slot, ULONG Offset) {
  ULONG value = 0;
  return HalGetBusDataByOffset(PCIConfiguration, 0, Slot, &value, Offset, sizeof value) == sizeof value ? value : 0;
}

static VOID ConfigWrite(ULONG Slot, ULONG Offset, ULONG Value) {
  HalSetBusDataByOffset(PCIConfiguration, 0, Slot, &Value, Offset, sizeof Value);
}

/* A BAR's size: write all ones, read back the bits that stayed writable, put the base back at once. */
static ULONG SizingMask(ULONG Slot, ULONG Offset, ULONG Original) {
  ConfigWrite(Slot, Offset, 0xffffffffu);
  ULONG mask = ConfigRead(Slot, Offset);
  ConfigWrite(Slot, Offset, Original);
  return mask;
}

/* The memory BARs of every other function on bus 0; I/O BARs are no place for DMA. */
static VOID FindPeerWindows(PPEER_EXTENSION Ext) {
  ULONG own = DmaTestDevicePciSlot(Ext->Device.Pdo);
  Ext->WindowCount = 0;
  for (ULONG slot = 0; slot < PCI_MAX_DEVICES; slot++) {
    ULONG id = ConfigRead(slot, PCI_VENDOR_ID);
    if (slot == own || id == 0 || (id & 0xffff) == 0xffff) continue;
    for (ULONG bar = 0; bar < PCI_BAR_COUNT; bar++) {
      ULONG offset = PCI_FIRST_BAR + 4 * bar;
      ULONG low = ConfigRead(slot, offset);
      if (low == 0 || (low & BAR_IO_SPACE)) continue;
      BOOLEAN wide = (low & BAR_TYPE_MASK) == BAR_TYPE_64BIT;
      ULONG high = wide ? ConfigRead(slot, offset + 4) : 0;
      ULONG sizedLow = SizingMask(slot, offset, low) & ~0xfu;
      ULONG sizedHigh = wide ? SizingMask(slot, offset + 4, high) : 0xffffffffu;
      ULONGLONG base = ((ULONGLONG)high << 32) | (low & ~0xfu);
      /* The size is the two's complement of the writable bits. */
      ULONGLONG size = ~(((ULONGLONG)sizedHigh << 32) | sizedLow) + 1;
      if (base != 0 && (sizedLow != 0 || sizedHigh != 0xffffffffu) && Ext->WindowCount < MAX_PEER_WINDOWS) {
        PEER_WINDOW *w = &Ext->Windows[Ext->WindowCount++];
        w->Slot = slot;
        w->Bar = bar;
        w->Base = base;
        w->Size = size;
      }
      if (wide) bar++;
    }
  }
}

/* --- the replaceable steps ------------------------------------------------------------ */

/* The range lies wholly inside one peer BAR (DEV-6); written so that no sum can wrap. */
DMA_CONFORMANCE_REPLACEABLE BOOLEAN InsidePeerWindow(PPEER_EXTENSION Ext, const P2P_TRANSFER_ORDER *Order) {
  for (ULONG i = 0; i < Ext->WindowCount; i++) {
    const PEER_WINDOW *w = &Ext->Windows[i];
    if (Order->PeerAddress >= w->Base && Order->Bytes <= w->Size && Order->PeerAddress - w->Base <= w->Size - Order->Bytes) return TRUE;
  }
  return FALSE;
}

/* The peer's memory for the HAL: mapped with MmMapIoSpace, and an MDL over the mapping built for non-paged memory. */
DMA_CONFORMANCE_REPLACEABLE NTSTATUS MapPeer(PPEER_REQUEST Request) {
  PHYSICAL_ADDRESS peer;
  peer.QuadPart = (LONGLONG)Request->Order.PeerAddress;
  Request->Mapping = MmMapIoSpace(peer, Request->Order.Bytes, MmNonCached);
  if (!Request->Mapping) return STATUS_INSUFFICIENT_RESOURCES;
  Request->Mdl = IoAllocateMdl(Request->Mapping, Request->Order.Bytes, FALSE, FALSE, NULL);
  if (!Request->Mdl) {
    MmUnmapIoSpace(Request->Mapping, Request->Order.Bytes);
    Request->Mapping = NULL;
    return STATUS_INSUFFICIENT_RESOURCES;
  }
  MmBuildMdlForNonPagedPool(Request->Mdl);
  return STATUS_SUCCESS;
}

/* Undo MapPeer: the MDL, then the mapping. */
DMA_CONFORMANCE_REPLACEABLE VOID UnmapPeer(PPEER_REQUEST Request) {
  IoFreeMdl(Request->Mdl);
  MmUnmapIoSpace(Request->Mapping, Request->Order.Bytes);
  Request->Mdl = NULL;
  Request->Mapping = NULL;
}

/* The descriptors of a piece: the device addresses of its list (DEV-1), cut at the device's longest transfer (DEV-2). */
DMA_CONFORMANCE_REPLACEABLE ULONG PieceDescriptors(PPEER_EXTENSION Ext, PPEER_REQUEST Request, PSCATTER_GATHER_LIST List, ULONG Length) {
  UNREFERENCED_PARAMETER(Request);
  UNREFERENCED_PARAMETER(Length);
  return DmaTestDeviceDescribeList(&Ext->Device, 0, List);
}

static VOID FreeRequest(PPEER_REQUEST Request) {
  ExFreePoolWithTag(Request, PEER_POOL_TAG);
}

/* Give back the mapping of a transfer cleanup stopped: now, or, while its list is being built over it, once the list arrives. */
DMA_CONFORMANCE_REPLACEABLE VOID ReleaseStopped(PPEER_REQUEST Request) {
  if (Request->ListPending) {
    Request->ReleaseWhenMapped = TRUE;
    return;
  }
  UnmapPeer(Request);
  FreeRequest(Request);
}

/* --- the device ---------------------------------------------------------------------------- */

static VOID PutList(PPEER_EXTENSION Ext, PPEER_REQUEST Request) {
  if (!Request->List) return;
  Ext->Device.Adapter->DmaOperations->PutScatterGatherList(Ext->Device.Adapter, Request->List, FromPeer(Request));
  Request->List = NULL;
}

/* GetScatterGatherList's execution routine (DISPATCH_LEVEL, now or later from a DPC): start the device on the piece, unless cleanup stopped the transfer meanwhile. */
static VOID PieceMapped(PDEVICE_OBJECT DeviceObject, PIRP Unused, PSCATTER_GATHER_LIST List, PVOID Context) {
  PPEER_EXTENSION ext = DeviceObject->DeviceExtension;
  PPEER_REQUEST request = Context;
  UNREFERENCED_PARAMETER(Unused);
  request->ListPending = FALSE;
  request->List = List;
  if (ext->Active != request) {
    PutList(ext, request);
    if (request->ReleaseWhenMapped) {
      UnmapPeer(request);
      FreeRequest(request);
    }
    return;
  }
  ULONG count = PieceDescriptors(ext, request, List, request->Piece);
  DmaTestDeviceStartRing(&ext->Device, count, request->Order.StreamOffset + request->Done, FromPeer(request));
  request->Done += request->Piece;
  DmaTestDeviceArmWatchdog(&ext->Device);
}

/* Get the device addresses of the active transfer's next piece (the lock held: DISPATCH_LEVEL); PieceMapped starts it. */
static NTSTATUS StartPiece(PDEVICE_OBJECT DeviceObject, PPEER_REQUEST Request) {
  PPEER_EXTENSION ext = DeviceObject->DeviceExtension;
  PDMA_ADAPTER adapter = ext->Device.Adapter;
  ULONG left = Request->Order.Bytes - Request->Done;
  Request->Piece = left < ext->Device.LongestTransfer ? left : ext->Device.LongestTransfer;
  Request->ListPending = TRUE;
  NTSTATUS status = adapter->DmaOperations->GetScatterGatherList(adapter, DeviceObject, Request->Mdl, (PUCHAR)Request->Mapping + Request->Done,
    Request->Piece, PieceMapped, Request, FromPeer(Request));
  if (!NT_SUCCESS(status)) Request->ListPending = FALSE;
  return status;
}

/* The active transfer is over (the lock held): put its list back, undo its mapping, complete it. */
static VOID FinishActive(PPEER_EXTENSION Ext, NTSTATUS Status) {
  PPEER_REQUEST request = Ext->Active;
  Ext->Active = NULL;
  PutList(Ext, request);
  UnmapPeer(request);
  PIRP irp = request->Irp;
  ULONG bytes = request->Order.Bytes;
  FreeRequest(request);
  CompleteRequest(irp, Status, NT_SUCCESS(Status) ? bytes : 0);
}

/* Start queued transfers until one is on the device. */
static VOID StartNext(PDEVICE_OBJECT DeviceObject) {
  PPEER_EXTENSION ext = DeviceObject->DeviceExtension;
  KIRQL irql;
  KeAcquireSpinLock(&ext->Lock, &irql);
  while (!ext->Active) {
    PIRP irp = IoCsqRemoveNextIrp(&ext->Queue, NULL);
    if (!irp) break;
    ext->Active = irp->Tail.Overlay.DriverContext[0];
    NTSTATUS status = StartPiece(DeviceObject, ext->Active);
    if (!NT_SUCCESS(status)) FinishActive(ext, status);
  }
  KeReleaseSpinLock(&ext->Lock, irql);
}

/* The piece on the device ended (its DPC, or the watchdog for a device that is gone): the next piece, or the end of the transfer. */
static VOID PieceEnded(PDEVICE_OBJECT DeviceObject, DMA_TRANSFER_RESULT Result) {
  PPEER_EXTENSION ext = DeviceObject->DeviceExtension;
  KIRQL irql;
  KeAcquireSpinLock(&ext->Lock, &irql);
  PPEER_REQUEST request = ext->Active;
  if (!request || !request->List) {  /* nothing on the device: a late report (of a transfer cleanup stopped) */
    KeReleaseSpinLock(&ext->Lock, irql);
    return;
  }
  DmaTestDeviceCancelWatchdog(&ext->Device);
  PutList(ext, request);
  NTSTATUS status = Result.Status;
  if (NT_SUCCESS(status) && request->Done < request->Order.Bytes) {
    status = StartPiece(DeviceObject, request);
    if (NT_SUCCESS(status)) {
      KeReleaseSpinLock(&ext->Lock, irql);
      return;
    }
  }
  FinishActive(ext, status);
  KeReleaseSpinLock(&ext->Lock, irql);
  StartNext(DeviceObject);
}

static VOID WatchdogExpired(PKDPC Dpc, PVOID DeferredContext, PVOID SystemArgument1, PVOID SystemArgument2) {
  PDEVICE_OBJECT device = DeferredContext;
  PPEER_EXTENSION ext = device->DeviceExtension;
  DMA_TRANSFER_RESULT result;
  UNREFERENCED_PARAMETER(Dpc);
  UNREFERENCED_PARAMETER(SystemArgument1);
  UNREFERENCED_PARAMETER(SystemArgument2);
  if (ext->Active && ext->Active->List && DmaTestDeviceWatch(&ext->Device, &result)) PieceEnded(device, result);
}

/* --- requests --------------------------------------------------------------------------------- */

/* The cancel-safe queue's completion for a transfer cancelled while it waited: give back its mapping, then complete it cancelled. */
static VOID CancelledWhileQueued(PIO_CSQ Csq, PIRP Irp) {
  PPEER_REQUEST request = Irp->Tail.Overlay.DriverContext[0];
  UNREFERENCED_PARAMETER(Csq);
  UnmapPeer(request);
  FreeRequest(request);
  CompleteRequest(Irp, STATUS_CANCELLED, 0);
}

/* IOCTL_P2P_TRANSFER at PASSIVE_LEVEL: check the order, map the peer's memory, queue the transfer. */
static NTSTATUS DeviceControl(PDEVICE_OBJECT DeviceObject, PIRP Irp) {
  PPEER_EXTENSION ext = DeviceObject->DeviceExtension;
  PIO_STACK_LOCATION stack = IoGetCurrentIrpStackLocation(Irp);
  if (stack->Parameters.DeviceIoControl.IoControlCode != IOCTL_P2P_TRANSFER) return CompleteRequest(Irp, STATUS_INVALID_DEVICE_REQUEST, 0);
  P2P_TRANSFER_ORDER order;
  if (stack->Parameters.DeviceIoControl.InputBufferLength < sizeof order || !Irp->AssociatedIrp.SystemBuffer) return CompleteRequest(Irp, STATUS_INVALID_PARAMETER, 0);
  RtlCopyMemory(&order, Irp->AssociatedIrp.SystemBuffer, sizeof order);
  if (order.Bytes == 0 || order.Bytes > P2P_TRANSFER_MAXIMUM || !InsidePeerWindow(ext, &order)) return CompleteRequest(Irp, STATUS_INVALID_PARAMETER, 0);
  PPEER_REQUEST request = ExAllocatePoolWithTag(NonPagedPoolNx, sizeof *request, PEER_POOL_TAG);
  if (!request) return CompleteRequest(Irp, STATUS_INSUFFICIENT_RESOURCES, 0);
  RtlZeroMemory(request, sizeof *request);
  request->Irp = Irp;
  request->File = stack->FileObject;
  request->Order = order;
  NTSTATUS status = MapPeer(request);
  if (!NT_SUCCESS(status)) {
    FreeRequest(request);
    return CompleteRequest(Irp, status, 0);
  }
  Irp->Tail.Overlay.DriverContext[0] = request;
  IoCsqInsertIrp(&ext->Queue, Irp, NULL);  /* marks it pending; cancelable while it waits */
  StartNext(DeviceObject);
  return STATUS_PENDING;
}

/* Cleanup of a handle: cancel its queued transfers, stop the one on the device, then give back what that one held. */
static NTSTATUS Cleanup(PDEVICE_OBJECT DeviceObject, PIRP Irp) {
  PPEER_EXTENSION ext = DeviceObject->DeviceExtension;
  PFILE_OBJECT file = IoGetCurrentIrpStackLocation(Irp)->FileObject;
  PIRP queued;
  while ((queued = IoCsqRemoveNextIrp(&ext->Queue, file)) != NULL) CancelledWhileQueued(&ext->Queue, queued);
  KIRQL irql;
  KeAcquireSpinLock(&ext->Lock, &irql);
  PPEER_REQUEST active = ext->Active;
  if (active && active->File == file) {
    DmaTestDeviceHalt(&ext->Device);  /* first: its error interrupt then finds nothing active */
    ext->Active = NULL;
    PutList(ext, active);
    PIRP stopped = active->Irp;
    ReleaseStopped(active);
    CompleteRequest(stopped, STATUS_CANCELLED, 0);
  }
  KeReleaseSpinLock(&ext->Lock, irql);
  CompleteRequest(Irp, STATUS_SUCCESS, 0);
  StartNext(DeviceObject);
  return STATUS_SUCCESS;
}

static NTSTATUS OpenOrClose(PDEVICE_OBJECT DeviceObject, PIRP Irp) {
  UNREFERENCED_PARAMETER(DeviceObject);
  return CompleteRequest(Irp, STATUS_SUCCESS, 0);
}

/* --- PnP entry points ------------------------------------------------------------------------------ */

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
  NTSTATUS status = DmaTestDeviceCreate(DriverObject, Pdo, sizeof(PEER_EXTENSION), 0, &fdo);
  if (!NT_SUCCESS(status)) return status;
  PPEER_EXTENSION ext = fdo->DeviceExtension;  /* zeroed */
  DmaTestDeviceInitialize(&ext->Device, Pdo, WatchdogExpired, fdo, P2P_WATCHDOG_MS);
  KeInitializeSpinLock(&ext->Lock);
  IoCsqInitialize(&ext->Queue, CancelledWhileQueued);
  fdo->Flags &= ~DO_DEVICE_INITIALIZING;
  return STATUS_SUCCESS;
}

DRIVER_EXPORT(StartDevice) NTSTATUS StartDevice(PDEVICE_OBJECT DeviceObject, PCM_RESOURCE_LIST Resources) {
  PPEER_EXTENSION ext = DeviceObject->DeviceExtension;
  NTSTATUS status = DmaTestDeviceStart(&ext->Device, Resources, P2P_TRANSFER_MAXIMUM);
  if (NT_SUCCESS(status)) FindPeerWindows(ext);
  return status;
}

DRIVER_EXPORT(InterruptService) BOOLEAN InterruptService(PKINTERRUPT Interrupt, PVOID ServiceContext) {
  PDEVICE_OBJECT fdo = ServiceContext;
  PPEER_EXTENSION ext = fdo->DeviceExtension;
  UNREFERENCED_PARAMETER(Interrupt);
  return DmaTestDeviceInterrupt(&ext->Device, fdo);
}

DRIVER_EXPORT(DpcForIsr) VOID DpcForIsr(PKDPC Dpc, PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context) {
  PPEER_EXTENSION ext = DeviceObject->DeviceExtension;
  UNREFERENCED_PARAMETER(Dpc);
  UNREFERENCED_PARAMETER(Irp);
  UNREFERENCED_PARAMETER(Context);
  DMA_TRANSFER_RESULT result;
  if (DmaTestDeviceTransferEnded(&ext->Device, &result)) PieceEnded(DeviceObject, result);
}

DRIVER_EXPORT(RemoveDevice) VOID RemoveDevice(PDEVICE_OBJECT DeviceObject) {
  PPEER_EXTENSION ext = DeviceObject->DeviceExtension;
  DmaTestDeviceRemove(&ext->Device, DeviceObject);
}
