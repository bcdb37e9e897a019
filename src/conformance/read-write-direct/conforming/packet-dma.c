/*
 * A conforming read-write-direct driver in C that maps with packet-based
 * DMA, the way WDM drivers did before scatter/gather lists: the adapter
 * channel and map registers from AllocateAdapterChannel, MapTransfer for
 * each run of the buffer, FlushAdapterBuffers when the device is done with
 * it, FreeMapRegisters at the end. The class's contract allows it (a driver
 * may map with GetScatterGatherList, BuildScatterGatherList or
 * AllocateAdapterChannel and MapTransfer); the reference drivers take the
 * first way.
 *
 * - The device asks for direct I/O: each caller's buffer comes probed and
 *   locked in Irp->MdlAddress, and the I/O manager unlocks it (MDL-4).
 * - One request at a time holds the adapter: its execution routine keeps the
 *   map registers (DeallocateObjectKeepRegisters), so the channel is free
 *   for others while the request moves.
 * - A request longer than its map registers moves in pieces. Each piece is
 *   described by a partial MDL (IoBuildPartialMdl), so its first page takes
 *   the first map register; MapTransfer maps it run by run, the runs become
 *   descriptors no longer than the device's maximum transfer (DEV-2), the
 *   device moves the piece, and FlushAdapterBuffers (which copies bounced
 *   data back, SG-6) ends it before the next piece is mapped.
 * - Every way out of a request gives back what it holds: a piece mapped is
 *   flushed, a partial MDL freed, the map registers freed, then the request
 *   completes.
 * - A timer notices a piece the device never finishes and aborts it.
 *
 *   npm run conformance -- --driver ./src/conformance/read-write-direct/conforming/packet-dma.c
 */
#include <wdm.h>
#include <dma-conformance/dma-test-device-kit.h>
#include <dma-conformance/read-write-direct.h>

DMA_CONFORMANCE_DRIVER("read-write-direct-packet-dma-c", "read-write-direct",
                       "Direct-I/O reads and writes in C with packet-based DMA: AllocateAdapterChannel keeping the map registers, MapTransfer per run, a request longer than its map registers moved in pieces, each flushed.");

/* Assumption: a piece of at most 8 MiB takes a few ms on the link; a whole period without progress means the device is stuck. */
#define PIECE_TIMEOUT_MS 100
/* Pages a piece may span for its descriptors to fit the ring: one per run (at most one per page) and one per MaxTransfer. */
#define RING_HALF (DMA_MAX_RING_DESCRIPTORS / 2 - 1)

/* The request holding the adapter, and the piece of it the device moves. */
typedef struct _PACKET_REQUEST {
  PIRP Irp;
  PMDL Mdl;                   /* the caller's buffer, locked by the I/O manager */
  PCHAR Va;                   /* its first byte as the MDL describes it: only passed back to the kernel */
  ULONG Length;
  BOOLEAN Write;              /* the device reads the buffer */
  LONGLONG StreamOffset;      /* device stream offset of the first byte */
  ULONG MapRegisters;         /* asked of AllocateAdapterChannel, freed with FreeMapRegisters */
  PVOID MapRegisterBase;      /* from the execution routine; NULL until then */
  ULONG Done;                 /* bytes of the pieces the device finished */
  PMDL PieceMdl;              /* the partial MDL of the piece, NULL when none is built */
  ULONG PieceLength;
  ULONG PieceMapped;          /* bytes of the piece MapTransfer mapped: what FlushAdapterBuffers must end */
  NTSTATUS Status;            /* why the request ends, for the finishing DPC */
} PACKET_REQUEST, *PPACKET_REQUEST;

typedef struct _DEVICE_EXTENSION {
  PDEVICE_OBJECT Self;
  DMA_TEST_DEVICE Device;     /* registers, adapter (its map registers granted), ring and watchdog */
  ULONG LongestPiece;         /* the most one piece moves, for its descriptors to fit the ring */

  IO_CSQ Queue;               /* requests not started yet: cancelable */
  KSPIN_LOCK Lock;            /* guards Busy and PieceActive */
  BOOLEAN Busy;               /* Current holds a request */
  BOOLEAN PieceActive;        /* the device moves Current's piece */
  PACKET_REQUEST Current;
  KDPC FinishDpc;             /* ends a request whose first piece failed in the execution routine */
} DEVICE_EXTENSION, *PDEVICE_EXTENSION;

static VOID StartNextRequest(PDEVICE_EXTENSION Ext);

static ULONG Smaller(ULONG A, ULONG B) { return A < B ? A : B; }

/* --- pieces --------------------------------------------------------------------------------- */

/* End the piece's mapping: flush what MapTransfer mapped (bounced data comes back now), free the partial MDL. */
static VOID EndPiece(PDEVICE_EXTENSION Ext) {
  PPACKET_REQUEST r = &Ext->Current;
  if (r->PieceMapped > 0) {
    Ext->Device.Adapter->DmaOperations->FlushAdapterBuffers(Ext->Device.Adapter, r->PieceMdl, r->MapRegisterBase, r->Va + r->Done, r->PieceMapped, r->Write);
    r->PieceMapped = 0;
  }
  if (r->PieceMdl) {
    IoFreeMdl(r->PieceMdl);
    r->PieceMdl = NULL;
  }
}

/*
 * Map the next piece of the request (DISPATCH_LEVEL) and start the device on
 * it. A failure leaves what it mapped for EndPiece to release.
 */
static NTSTATUS StartPiece(PDEVICE_EXTENSION Ext) {
  PPACKET_REQUEST r = &Ext->Current;
  PCHAR pieceVa = r->Va + r->Done;
  /* The piece's pages fit the map registers (its first page takes the first register) and its descriptors the ring. */
  ULONG length = Smaller(r->Length - r->Done, r->MapRegisters * PAGE_SIZE - BYTE_OFFSET(pieceVa));
  length = Smaller(length, Ext->LongestPiece);
  r->PieceLength = length;
  r->PieceMapped = 0;
  r->PieceMdl = IoAllocateMdl(pieceVa, length, FALSE, FALSE, NULL);
  if (!r->PieceMdl) return STATUS_INSUFFICIENT_RESOURCES;
  IoBuildPartialMdl(r->Mdl, r->PieceMdl, pieceVa, length);

  ULONG count = 0;
  while (r->PieceMapped < length) {
    ULONG run = length - r->PieceMapped;
    PHYSICAL_ADDRESS address = Ext->Device.Adapter->DmaOperations->MapTransfer(Ext->Device.Adapter, r->PieceMdl, r->MapRegisterBase, pieceVa + r->PieceMapped, &run, r->Write);
    if (run == 0) return STATUS_INSUFFICIENT_RESOURCES;  /* nothing mapped: the device's address space is exhausted */
    r->PieceMapped += run;
    if (count + run / Ext->Device.MaxTransfer + 1 > DMA_MAX_RING_DESCRIPTORS) return STATUS_INSUFFICIENT_RESOURCES;
    count = DmaTestDeviceDescribe(&Ext->Device, count, (ULONGLONG)address.QuadPart, run);
  }

  KIRQL irql;
  KeAcquireSpinLock(&Ext->Lock, &irql);
  Ext->PieceActive = TRUE;
  KeReleaseSpinLock(&Ext->Lock, irql);
  DmaTestDeviceArmWatchdog(&Ext->Device);
  DmaTestDeviceStartRing(&Ext->Device, count, (ULONGLONG)r->StreamOffset + r->Done, r->Write);
  return STATUS_SUCCESS;
}

/* The request ends (its piece already ended): its map registers go back, it completes, the next one starts. */
static VOID FinishRequest(PDEVICE_EXTENSION Ext, NTSTATUS Status) {
  PPACKET_REQUEST r = &Ext->Current;
  if (r->MapRegisterBase) {
    KIRQL old;
    KeRaiseIrql(DISPATCH_LEVEL, &old);
    Ext->Device.Adapter->DmaOperations->FreeMapRegisters(Ext->Device.Adapter, r->MapRegisterBase, r->MapRegisters);
    KeLowerIrql(old);
    r->MapRegisterBase = NULL;
  }
  PIRP irp = r->Irp;
  ULONG length = r->Length;
  r->Irp = NULL;
  KIRQL irql;
  KeAcquireSpinLock(&Ext->Lock, &irql);
  Ext->Busy = FALSE;
  KeReleaseSpinLock(&Ext->Lock, irql);
  CompleteRequest(irp, Status, NT_SUCCESS(Status) ? length : 0);
  StartNextRequest(Ext);
}

/* The device is done with the piece (DISPATCH_LEVEL): end it, then move the next piece or finish the request. */
static VOID PieceEnded(PDEVICE_EXTENSION Ext, DMA_TRANSFER_RESULT Result) {
  KIRQL irql;
  KeAcquireSpinLock(&Ext->Lock, &irql);
  BOOLEAN active = Ext->PieceActive;
  Ext->PieceActive = FALSE;
  KeReleaseSpinLock(&Ext->Lock, irql);
  if (!active) return;
  DmaTestDeviceCancelWatchdog(&Ext->Device);
  PPACKET_REQUEST r = &Ext->Current;
  NTSTATUS status = Result.Status;  /* only Done is success (DEV-3); a device that reads all ones is gone */
  ULONG moved = r->PieceLength;
  EndPiece(Ext);
  if (NT_SUCCESS(status)) {
    r->Done += moved;
    if (r->Done < r->Length) {
      status = StartPiece(Ext);
      if (NT_SUCCESS(status)) return;
      EndPiece(Ext);
    }
  }
  FinishRequest(Ext, status);
}

/*
 * The execution routine (DISPATCH_LEVEL, now or later): the map registers are
 * the request's; start its first piece. The registers are kept and the
 * channel given back. A first piece that cannot be mapped ends the request
 * from a DPC, once the registers are kept and may be freed.
 */
static IO_ALLOCATION_ACTION AdapterControl(PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID MapRegisterBase, PVOID Context) {
  PDEVICE_EXTENSION ext = Context;
  UNREFERENCED_PARAMETER(DeviceObject);
  UNREFERENCED_PARAMETER(Irp);
  ext->Current.MapRegisterBase = MapRegisterBase;
  NTSTATUS status = StartPiece(ext);
  if (!NT_SUCCESS(status)) {
    EndPiece(ext);
    ext->Current.Status = status;
    KeInsertQueueDpc(&ext->FinishDpc, NULL, NULL);
  }
  return DeallocateObjectKeepRegisters;
}

static VOID FinishAfterFailedStart(PKDPC Dpc, PVOID DeferredContext, PVOID SystemArgument1, PVOID SystemArgument2) {
  PDEVICE_EXTENSION ext = DeferredContext;
  UNREFERENCED_PARAMETER(Dpc);
  UNREFERENCED_PARAMETER(SystemArgument1);
  UNREFERENCED_PARAMETER(SystemArgument2);
  FinishRequest(ext, ext->Current.Status);
}

/* Give the adapter to the next queued request, if none holds it. A request the adapter refuses fails with the status. */
static VOID StartNextRequest(PDEVICE_EXTENSION Ext) {
  for (;;) {
    KIRQL irql;
    KeAcquireSpinLock(&Ext->Lock, &irql);
    PIRP irp = Ext->Busy ? NULL : IoCsqRemoveNextIrp(&Ext->Queue, NULL);
    if (irp) Ext->Busy = TRUE;
    KeReleaseSpinLock(&Ext->Lock, irql);
    if (!irp) return;

    PIO_STACK_LOCATION location = IoGetCurrentIrpStackLocation(irp);
    PPACKET_REQUEST r = &Ext->Current;
    RtlZeroMemory(r, sizeof *r);
    r->Irp = irp;
    r->Mdl = irp->MdlAddress;
    r->Va = MmGetMdlVirtualAddress(irp->MdlAddress);
    r->Length = location->Parameters.Read.Length;
    r->Write = location->MajorFunction == IRP_MJ_WRITE;
    r->StreamOffset = location->Parameters.Read.ByteOffset.QuadPart;
    r->MapRegisters = Smaller(Ext->Device.MapRegisters, ADDRESS_AND_SIZE_TO_SPAN_PAGES(r->Va, r->Length));

    KIRQL old;
    KeRaiseIrql(DISPATCH_LEVEL, &old);
    NTSTATUS status = Ext->Device.Adapter->DmaOperations->AllocateAdapterChannel(Ext->Device.Adapter, Ext->Self, r->MapRegisters, AdapterControl, Ext);
    KeLowerIrql(old);
    if (NT_SUCCESS(status)) return;

    r->Irp = NULL;
    KeAcquireSpinLock(&Ext->Lock, &irql);
    Ext->Busy = FALSE;
    KeReleaseSpinLock(&Ext->Lock, irql);
    CompleteRequest(irp, status, 0);
  }
}

/* --- dispatch ------------------------------------------------------------------------------ */

static NTSTATUS ReadWrite(PDEVICE_OBJECT DeviceObject, PIRP Irp) {
  PDEVICE_EXTENSION ext = DeviceObject->DeviceExtension;
  ULONG length = IoGetCurrentIrpStackLocation(Irp)->Parameters.Read.Length;
  if (length == 0) return CompleteRequest(Irp, STATUS_SUCCESS, 0);
  if (length > READ_WRITE_DIRECT_LARGEST_REQUEST) return CompleteRequest(Irp, STATUS_INVALID_PARAMETER, 0);
  IoCsqInsertIrp(&ext->Queue, Irp, NULL);  /* marks it pending; cancelable while it waits */
  StartNextRequest(ext);
  return STATUS_PENDING;
}

/* Cleanup: the handle's queued requests complete as cancelled; the one holding the adapter finishes by itself. */
static NTSTATUS Cleanup(PDEVICE_OBJECT DeviceObject, PIRP Irp) {
  PDEVICE_EXTENSION ext = DeviceObject->DeviceExtension;
  PFILE_OBJECT handle = IoGetCurrentIrpStackLocation(Irp)->FileObject;
  PIRP queued;
  while ((queued = IoCsqRemoveNextIrp(&ext->Queue, handle)) != NULL) CompleteRequest(queued, STATUS_CANCELLED, 0);
  return CompleteRequest(Irp, STATUS_SUCCESS, 0);
}

static NTSTATUS OpenClose(PDEVICE_OBJECT DeviceObject, PIRP Irp) {
  UNREFERENCED_PARAMETER(DeviceObject);
  return CompleteRequest(Irp, STATUS_SUCCESS, 0);
}

/* --- interrupts and the watchdog ------------------------------------------------------------ */

/* The watchdog's DPC: the kit aborts a device that moved nothing for a whole period; one gone or idle ends the piece here. */
static VOID WatchdogExpired(PKDPC Dpc, PVOID DeferredContext, PVOID SystemArgument1, PVOID SystemArgument2) {
  PDEVICE_EXTENSION ext = DeferredContext;
  UNREFERENCED_PARAMETER(Dpc);
  UNREFERENCED_PARAMETER(SystemArgument1);
  UNREFERENCED_PARAMETER(SystemArgument2);
  DMA_TRANSFER_RESULT result;
  if (ext->PieceActive && DmaTestDeviceWatch(&ext->Device, &result)) PieceEnded(ext, result);
}

DRIVER_EXPORT(InterruptService) BOOLEAN InterruptService(PKINTERRUPT Interrupt, PVOID ServiceContext) {
  PDEVICE_OBJECT fdo = ServiceContext;
  PDEVICE_EXTENSION ext = fdo->DeviceExtension;
  UNREFERENCED_PARAMETER(Interrupt);
  return DmaTestDeviceInterrupt(&ext->Device, fdo);
}

DRIVER_EXPORT(DpcForIsr) VOID DpcForIsr(PKDPC Dpc, PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context) {
  PDEVICE_EXTENSION ext = DeviceObject->DeviceExtension;
  UNREFERENCED_PARAMETER(Dpc);
  UNREFERENCED_PARAMETER(Irp);
  UNREFERENCED_PARAMETER(Context);
  DMA_TRANSFER_RESULT result;
  if (DmaTestDeviceTransferEnded(&ext->Device, &result)) PieceEnded(ext, result);  /* not the interrupt of an aborted piece, seen after the next one started */
}

/* --- PnP ------------------------------------------------------------------------------------ */

DRIVER_EXPORT(DriverEntry) NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath) {
  PDRIVER_DISPATCH *major = DriverObject->MajorFunction;
  UNREFERENCED_PARAMETER(RegistryPath);
  major[IRP_MJ_READ] = major[IRP_MJ_WRITE] = ReadWrite;
  major[IRP_MJ_CREATE] = major[IRP_MJ_CLOSE] = OpenClose;
  major[IRP_MJ_CLEANUP] = Cleanup;
  return STATUS_SUCCESS;
}

DRIVER_EXPORT(AddDevice) NTSTATUS AddDevice(PDRIVER_OBJECT DriverObject, PDEVICE_OBJECT Pdo) {
  PDEVICE_OBJECT fdo = NULL;
  NTSTATUS status = DmaTestDeviceCreate(DriverObject, Pdo, sizeof(DEVICE_EXTENSION), DO_DIRECT_IO, &fdo);
  if (!NT_SUCCESS(status)) return status;
  PDEVICE_EXTENSION ext = fdo->DeviceExtension;  /* zeroed */
  ext->Self = fdo;
  DmaTestDeviceInitialize(&ext->Device, Pdo, WatchdogExpired, ext, PIECE_TIMEOUT_MS);
  IoCsqInitialize(&ext->Queue, NULL);
  KeInitializeSpinLock(&ext->Lock);
  KeInitializeDpc(&ext->FinishDpc, FinishAfterFailedStart, ext);
  fdo->Flags &= ~DO_DEVICE_INITIALIZING;
  return STATUS_SUCCESS;
}

/* The kit's start (registers, a bus-master adapter 64-bit only when the device is: SG-1, SG-6, the ring); a piece sized for the ring. */
DRIVER_EXPORT(StartDevice) NTSTATUS StartDevice(PDEVICE_OBJECT DeviceObject, PCM_RESOURCE_LIST Resources) {
  PDEVICE_EXTENSION ext = DeviceObject->DeviceExtension;
  NTSTATUS status = DmaTestDeviceStart(&ext->Device, Resources, READ_WRITE_DIRECT_LARGEST_REQUEST);
  if (!NT_SUCCESS(status)) return status;
  if (ext->Device.MapRegisters == 0) {
    DmaTestDeviceStop(&ext->Device);
    return STATUS_INSUFFICIENT_RESOURCES;
  }
  ext->LongestPiece = RING_HALF * Smaller(ext->Device.MaxTransfer, PAGE_SIZE);
  return STATUS_SUCCESS;
}

/* RemoveDevice: undo StartDevice and AddDevice, in reverse order. */
DRIVER_EXPORT(RemoveDevice) VOID RemoveDevice(PDEVICE_OBJECT DeviceObject) {
  PDEVICE_EXTENSION ext = DeviceObject->DeviceExtension;
  KeRemoveQueueDpc(&ext->FinishDpc);
  DmaTestDeviceRemove(&ext->Device, DeviceObject);
}
