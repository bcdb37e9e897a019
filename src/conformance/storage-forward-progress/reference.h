/*
 * The storage-forward-progress C reference driver's types, and the routines
 * of reference.c a faulty variant (faulty/<name>.c) may define again.
 */
#ifndef STORAGE_FORWARD_PROGRESS_REFERENCE_H
#define STORAGE_FORWARD_PROGRESS_REFERENCE_H

#include <wdm.h>
#include <dma-conformance/dma-test-device-kit.h>
#include <dma-conformance/storage-forward-progress.h>

#define STORAGE_RESERVE_TAG 0x72504653         /* 'SFPr' */
#define STORAGE_TRANSFER_TIMEOUT_MS 100        /* a 1 MiB transfer takes well under a millisecond: 100 ms without progress is a stuck device */
#define STORAGE_RETRY_MS 1                     /* a list that could not be built with nothing of ours in flight is tried again this much later */

/* Flags of a request's context. */
#define STORAGE_REQUEST_WAITING 0x1            /* its next transfer waits for a list, in the cancel-safe queue */
#define STORAGE_REQUEST_IN_RESERVE 0x2         /* its transfer's list was built into the reserve */

/*
 * What the driver keeps of a request, in the IRP's DriverContext: nothing is
 * allocated per request, since pool may fail and the request must still
 * finish (SG-5). A request has at most one transfer mapped at a time: the
 * one that starts Moved bytes into it.
 */
typedef struct _STORAGE_REQUEST {
  ULONG Moved;                 /* bytes the device has moved */
  PSCATTER_GATHER_LIST List;   /* the list of its transfer, while mapped or on the device */
  ULONG Flags;
  PIRP Next;                   /* the next IRP in the mapped queue or the finished list */
} STORAGE_REQUEST, *PSTORAGE_REQUEST;
_Static_assert(sizeof(STORAGE_REQUEST) <= sizeof(((PIRP)0)->Tail.Overlay.DriverContext), "a request's state fits DriverContext");
#define StorageRequestOf(Irp) ((PSTORAGE_REQUEST)(Irp)->Tail.Overlay.DriverContext)

typedef struct _STORAGE_DEVICE_EXTENSION {
  DMA_TEST_DEVICE Device;      /* registers, adapter, ring, watchdog; LongestTransfer: the most one list maps */
  PDEVICE_OBJECT Fdo;
  KSPIN_LOCK Lock;             /* guards everything below */
  PVOID Reserve;               /* non-paged pool, sized with CalculateScatterGatherList at start (SG-4) */
  ULONG ReserveBytes;
  PIRP ReserveHolder;          /* the request whose list is in the reserve */
  IO_CSQ Waiting;              /* requests whose next transfer waits for a list; cancelable while they wait */
  ULONG WaitingCount;          /* how many: a new request queues behind them */
  PIRP MappedHead, MappedTail; /* transfers mapped and waiting for the device, in order */
  PIRP Active;                 /* the request whose transfer is on the device */
  PIRP Finished;               /* requests finished under the lock, completed once it is released */
  ULONG InsideMapping;         /* a Get/BuildScatterGatherList call of ours is under way (its routine may run inside it) */
  KTIMER RetryTimer;
  KDPC RetryDpc;
} STORAGE_DEVICE_EXTENSION, *PSTORAGE_DEVICE_EXTENSION;

/* The replaceable steps (DMA_CONFORMANCE_REPLACEABLE in reference.c). */
ULONG StorageReserveSize(PSTORAGE_DEVICE_EXTENSION Ext);
VOID StorageMappingFailed(PSTORAGE_DEVICE_EXTENSION Ext, PIRP Irp);
VOID StorageResourcesReturned(PSTORAGE_DEVICE_EXTENSION Ext);
VOID StoragePutList(PSTORAGE_DEVICE_EXTENSION Ext, PIRP Irp);
VOID StorageArmRetry(PSTORAGE_DEVICE_EXTENSION Ext);

/* Helpers a variant's step may call (lock held). */
VOID StorageBuildIntoReserve(PSTORAGE_DEVICE_EXTENSION Ext, PIRP Irp);
VOID StorageWaitForResources(PSTORAGE_DEVICE_EXTENSION Ext, PIRP Irp);
VOID StorageRestartWaiting(PSTORAGE_DEVICE_EXTENSION Ext);
VOID StorageFinish(PSTORAGE_DEVICE_EXTENSION Ext, PIRP Irp, NTSTATUS Status, ULONG_PTR Information);
ULONG StorageTransferLength(PSTORAGE_DEVICE_EXTENSION Ext, PIRP Irp);
BOOLEAN StorageIsWrite(PIRP Irp);

#endif
