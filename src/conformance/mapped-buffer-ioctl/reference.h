/*
 * The mapped-buffer-ioctl C reference driver's types and the routines a
 * faulty variant may replace (the .c files of its faulty/ folder).
 */
#pragma once
#include <wdm.h>
#include <dma-conformance/dma-test-device-kit.h>
#include <dma-conformance/mapped-buffer-ioctl.h>

#define MAPPED_POOL_TAG 0x4270614d  /* 'MapB' */

/* The buffer of one handle: its memory, its MDLs and where it is mapped. */
typedef struct _MAPPED_BUFFER {
  PUCHAR SystemVa;             /* non-paged pool: resident for as long as it exists (PAGE-1, PAGE-7) */
  ULONG Bytes;
  PMDL Mdl;                    /* the whole buffer */
  PMDL Partial;                /* allocated with the buffer, rebuilt over each piece a transfer maps */
  PVOID UserVa;                /* where the buffer is mapped in its process */
  PEPROCESS Owner;             /* that process: cleanup may run in another, after DuplicateHandle */
} MAPPED_BUFFER, *PMAPPED_BUFFER;

/* What the driver keeps per handle (FileObject->FsContext). */
typedef struct _MAPPED_OPEN {
  PFILE_OBJECT File;
  PMAPPED_BUFFER Buffer;
} MAPPED_OPEN, *PMAPPED_OPEN;

/* The transfer on the device, piece by piece. */
typedef struct _ACTIVE_TRANSFER {
  PIRP Irp;                    /* NULL: the device is idle */
  PMAPPED_OPEN Open;
  MAPPED_BUFFER_TRANSFER_ORDER Order;
  ULONG Done;                  /* bytes handed to the device so far */
  ULONG Piece;                 /* bytes of the piece being mapped or moved */
  PSCATTER_GATHER_LIST List;
  BOOLEAN Mapping;             /* GetScatterGatherList called, its execution routine not run yet */
} ACTIVE_TRANSFER, *PACTIVE_TRANSFER;

typedef struct _DEVICE_EXTENSION {
  PDEVICE_OBJECT Self;
  DMA_TEST_DEVICE Device;      /* registers, adapter, ring, watchdog */
  IO_CSQ Queue;                /* transfers waiting for the device */
  ACTIVE_TRANSFER Active;
  PMAPPED_BUFFER ReleaseWhenMapped;  /* a buffer cleanup let go while a list was being built over it: freed when the list arrives */
  BOOLEAN StoppedToDevice;     /* the direction of the transfer cleanup stopped while its list was being built */
} DEVICE_EXTENSION, *PDEVICE_EXTENSION;

/* The replaceable routines (DMA_CONFORMANCE_REPLACEABLE in reference.c). */
BOOLEAN TransferRangeValid(PMAPPED_BUFFER Buffer, PMAPPED_BUFFER_TRANSFER_ORDER Order);
VOID UnmapFromOwner(PMAPPED_BUFFER Buffer);
VOID FreeBuffer(PMAPPED_BUFFER Buffer);
