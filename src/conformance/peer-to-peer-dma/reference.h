/*
 * The peer-to-peer-dma reference driver in C (reference.c): its device
 * extension and request context, and the routines a faulty variant
 * (faulty/<name>.c) may define again (DMA_CONFORMANCE_REPLACEABLE in
 * reference.c), with the helpers such a variant needs.
 */
#pragma once
#include <wdm.h>
#include <dma-conformance/dma-test-device-kit.h>
#include <dma-conformance/peer-to-peer-dma.h>

#define MAX_PEER_WINDOWS 16

/* A memory BAR of another PCI function: where a peer transfer may go. */
typedef struct _PEER_WINDOW {
  ULONG Slot;
  ULONG Bar;
  ULONGLONG Base;
  ULONGLONG Size;
} PEER_WINDOW;

/* One transfer, from its IOCTL to its completion (Irp->Tail.Overlay.DriverContext[0] while queued). */
typedef struct _PEER_REQUEST {
  PIRP Irp;
  PFILE_OBJECT File;
  P2P_TRANSFER_ORDER Order;
  PVOID Mapping;               /* the peer's memory, mapped by MmMapIoSpace */
  PMDL Mdl;                    /* over the mapping, built for non-paged memory */
  ULONG Done;                  /* bytes handed to the device so far */
  ULONG Piece;                 /* bytes of the piece being mapped or on the device */
  PSCATTER_GATHER_LIST List;   /* the piece on the device */
  BOOLEAN ListPending;         /* GetScatterGatherList called, its execution routine not run yet */
  BOOLEAN ReleaseWhenMapped;   /* cleanup stopped it meanwhile: the execution routine gives everything back */
} PEER_REQUEST, *PPEER_REQUEST;

typedef struct _PEER_EXTENSION {
  DMA_TEST_DEVICE Device;      /* registers, adapter, ring, watchdog */
  IO_CSQ Queue;                /* transfers waiting for the device; cancelable */
  KSPIN_LOCK Lock;             /* guards Active */
  PPEER_REQUEST Active;        /* the transfer on the device */
  ULONG WindowCount;
  PEER_WINDOW Windows[MAX_PEER_WINDOWS];
} PEER_EXTENSION, *PPEER_EXTENSION;

/* The replaceable steps. */
BOOLEAN InsidePeerWindow(PPEER_EXTENSION Ext, const P2P_TRANSFER_ORDER *Order);
NTSTATUS MapPeer(PPEER_REQUEST Request);
VOID UnmapPeer(PPEER_REQUEST Request);
ULONG PieceDescriptors(PPEER_EXTENSION Ext, PPEER_REQUEST Request, PSCATTER_GATHER_LIST List, ULONG Length);
VOID ReleaseStopped(PPEER_REQUEST Request);
