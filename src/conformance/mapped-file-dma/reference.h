/*
 * The mapped-file-dma reference driver in C (reference.c): its device
 * extension, and the routines a faulty variant (faulty/<name>.c) may define
 * again (DMA_CONFORMANCE_REPLACEABLE in reference.c), with the helpers such a
 * variant needs.
 */
#pragma once
#include <wdm.h>
#include <dma-conformance/dma-test-device-kit.h>
#include <dma-conformance/mapped-file-dma.h>

/*
 * What the driver keeps in an IRP of the class while it owns it
 * (Irp->Tail.Overlay.DriverContext): the MDL that locks the view, and the
 * stream offset the request starts at.
 */
#define VIEW_MDL(Irp) ((Irp)->Tail.Overlay.DriverContext[0])
#define STREAM_OFFSET_LOW(Irp) ((Irp)->Tail.Overlay.DriverContext[1])
#define STREAM_OFFSET_HIGH(Irp) ((Irp)->Tail.Overlay.DriverContext[2])

/* The request on the device: it runs as transfers of at most LongestTransfer bytes, one scatter/gather list each. */
typedef struct _VIEW_TRANSFER {
  PIRP Irp;                   /* NULL: the device is idle */
  BOOLEAN IntoView;           /* the device writes the view */
  ULONG Length;               /* the whole view */
  ULONG Done;                 /* bytes of the transfers the device finished */
  ULONG Piece;                /* bytes of the transfer on the device */
  PSCATTER_GATHER_LIST List;  /* that transfer's list, until the device is done with it */
} VIEW_TRANSFER;

typedef struct _MAPPED_FILE_EXTENSION {
  DMA_TEST_DEVICE Device;     /* registers, adapter, ring, watchdog */
  IO_CSQ Queue;               /* locked views waiting for the device; cancelable */
  KSPIN_LOCK Lock;            /* guards Current */
  VIEW_TRANSFER Current;
} MAPPED_FILE_EXTENSION, *PMAPPED_FILE_EXTENSION;

/* The replaceable steps. */
NTSTATUS LockView(PIRP Irp, PVOID View, ULONG Length, BOOLEAN IntoView);
LOCK_OPERATION ViewLockOperation(BOOLEAN IntoView);
VOID UnlockView(PIRP Irp);
VOID FinishRequest(PIRP Irp, NTSTATUS Status, ULONG_PTR Information);
VOID TransferStarted(PMAPPED_FILE_EXTENSION Ext);

