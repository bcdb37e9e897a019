/*
 * The boot-preallocated-contiguous C reference driver's types, and the
 * routines of reference.c a faulty variant (faulty/<name>.c) may define
 * again.
 */
#ifndef BOOT_PREALLOCATED_CONTIGUOUS_REFERENCE_H
#define BOOT_PREALLOCATED_CONTIGUOUS_REFERENCE_H

#include <wdm.h>
#include <dma-conformance/dma-test-device-kit.h>
#include <dma-conformance/boot-preallocated-contiguous.h>

#define RING_TAG 0x676e6952                /* 'Ring' */
#define RING_TRANSFER_TIMEOUT_MS 100       /* a batch of ring buffers takes a few ms at most: 100 ms without progress is a stuck device */
#define RING_MAXIMUM_LENGTH 0x100000       /* the adapter maps no lists: only the ring buffers' device addresses */

/* One contiguous buffer of a ring. */
typedef struct _RING_BUFFER {
  PVOID Va;
  PHYSICAL_ADDRESS Logical;    /* the device-visible address it came with (CONT-1) */
  BOOLEAN Preallocated;        /* taken from the boot preallocation, not allocated at run time */
} RING_BUFFER, *PRING_BUFFER;

/* A handle's ring for one direction, from non-paged pool at set-up: FILE_OBJECT FsContext (from device) or FsContext2 (to device). */
typedef struct _RING {
  ULONG Bytes;                 /* of each buffer */
  ULONG Count;
  ULONG Options;
  RING_BUFFER Buffers[];
} RING, *PRING;

/* The request on the device, in the IRP's DriverContext (nothing allocated per request). */
typedef struct _RING_REQUEST {
  PRING Ring;
  ULONG Done;                  /* bytes moved between the application and the ring so far */
  ULONG BatchCount;            /* ring buffers of the current batch (the first ones) */
  ULONG BatchBytes;
} RING_REQUEST, *PRING_REQUEST;
_Static_assert(sizeof(RING_REQUEST) <= sizeof(((PIRP)0)->Tail.Overlay.DriverContext), "a request's state fits DriverContext");
#define RingRequestOf(Irp) ((PRING_REQUEST)(Irp)->Tail.Overlay.DriverContext)

typedef struct _RING_DEVICE_EXTENSION {
  DMA_TEST_DEVICE Device;
  KSPIN_LOCK Lock;             /* guards Current */
  IO_CSQ Queue;                /* requests not yet started: cancelable, cancelled at cleanup */
  PIRP Current;                /* the request on the device */
} RING_DEVICE_EXTENSION, *PRING_DEVICE_EXTENSION;

/* The replaceable steps (DMA_CONFORMANCE_REPLACEABLE in reference.c). */
ULONG RingSetupOptions(const RING_SETUP_INPUT *Input);
BOOLEAN RingTakeBuffer(PRING_DEVICE_EXTENSION Ext, ULONG Bytes, ULONG Options, PRING_BUFFER Buffer);
ULONG_PTR RingBytesOnError(PIRP Irp, DMA_TRANSFER_RESULT Result);
ULONGLONG RingDeviceAddressOf(PRING_BUFFER Buffer, ULONG Offset);

#endif
