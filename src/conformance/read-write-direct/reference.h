/*
 * The read-write-direct reference driver in C (reference.c): its device
 * extension, requests and transfers, and the routines a faulty variant in
 * faulty/ may define again (DMA_CONFORMANCE_REPLACEABLE in reference.c).
 */
#ifndef READ_WRITE_DIRECT_REFERENCE_H
#define READ_WRITE_DIRECT_REFERENCE_H

#include <wdm.h>
#include <dma-conformance/dma-test-device-kit.h>
#include <dma-conformance/read-write-direct.h>

/* Transfers mapped ahead of the one on the device. */
#define DIRECT_IO_MAP_AHEAD 1
/* Transfers alive at once: the one on the device and those mapped ahead (a transfer waiting to be mapped again is one of them). */
#define DIRECT_IO_TRANSFER_SLOTS (DIRECT_IO_MAP_AHEAD + 1)
/* Requests alive at once: one per live transfer, and the request being cut between two of its transfers. */
#define DIRECT_IO_REQUEST_SLOTS (DIRECT_IO_TRANSFER_SLOTS + 1)
/* Assumption: a transfer of at most 8 MiB takes a few ms on the link; a whole period without progress means the device is stuck. */
#define DIRECT_IO_TRANSFER_TIMEOUT_MS 100

/* One application request (a DMA transaction) and how far it has got. */
typedef struct _DIRECT_IO_REQUEST {
  BOOLEAN InUse;
  BOOLEAN Write;              /* the device reads the caller's buffer */
  PIRP Irp;
  PMDL Mdl;                   /* the caller's buffer, locked by the I/O manager (DO_DIRECT_IO) */
  PCHAR Va;                   /* the buffer's first byte as the MDL describes it: only passed back to the kernel */
  ULONG Length;
  LONGLONG StreamOffset;      /* device stream offset of the request's first byte */
  ULONG Mapped;               /* bytes handed to transfers so far */
  ULONG Outstanding;          /* transfers of the request that have not ended */
  NTSTATUS Status;            /* the first failure, if any */
} DIRECT_IO_REQUEST, *PDIRECT_IO_REQUEST;

/* A piece of a request mapped by one scatter/gather list and run by the device as one descriptor ring. */
typedef struct _DIRECT_IO_TRANSFER {
  BOOLEAN InUse;
  struct _DIRECT_IO_TRANSFER *Next;  /* the mapped transfers waiting for the device, in order */
  PDIRECT_IO_REQUEST Request;
  ULONG Offset;               /* in the request */
  ULONG Length;
  PSCATTER_GATHER_LIST List;  /* from GetScatterGatherList until it is put back */
} DIRECT_IO_TRANSFER, *PDIRECT_IO_TRANSFER;

typedef struct _DEVICE_EXTENSION {
  DMA_TEST_DEVICE Device;     /* registers, adapter, ring, watchdog; LongestTransfer: the most one scatter/gather list maps */
  PDEVICE_OBJECT Self;
  IO_CSQ Queue;               /* requests not started yet: cancelable, completed as cancelled at cleanup */
  KSPIN_LOCK Lock;            /* guards everything below */
  DIRECT_IO_REQUEST Requests[DIRECT_IO_REQUEST_SLOTS];
  DIRECT_IO_TRANSFER Transfers[DIRECT_IO_TRANSFER_SLOTS];
  PDIRECT_IO_REQUEST Splitting;   /* the request being cut into transfers */
  PDIRECT_IO_TRANSFER Retry;      /* a transfer whose mapping failed for lack of resources, mapped again when a transfer ends */
  ULONG Mapping;                  /* transfers handed to GetScatterGatherList whose list has not come yet */
  PDIRECT_IO_TRANSFER PreparedHead, PreparedTail;
  PDIRECT_IO_TRANSFER Active;     /* the transfer on the device */
} DEVICE_EXTENSION, *PDEVICE_EXTENSION;

/* The routines a variant may replace: the named steps of the driver. */
NTSTATUS ReadWrite(PDEVICE_OBJECT DeviceObject, PIRP Irp);
NTSTATUS Cleanup(PDEVICE_OBJECT DeviceObject, PIRP Irp);
VOID InitializeRequest(PDIRECT_IO_REQUEST Request, PIRP Irp);
ULONG DescribeElement(PDEVICE_EXTENSION Ext, const SCATTER_GATHER_ELEMENT *Element, PDMA_DESCRIPTOR Descriptors);
VOID TransferStarted(PDEVICE_EXTENSION Ext, PDIRECT_IO_TRANSFER Transfer);
NTSTATUS StatusFromDeviceState(ULONG DeviceStatus);
VOID ReleaseTransfer(PDEVICE_EXTENSION Ext, PDIRECT_IO_TRANSFER Transfer, NTSTATUS DeviceStatus);
VOID CompleteIfDone(PDEVICE_EXTENSION Ext, PDIRECT_IO_REQUEST Request);

/* Helpers the steps use. */
VOID StartTransfers(PDEVICE_EXTENSION Ext);

#endif
