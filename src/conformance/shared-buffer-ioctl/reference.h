/*
 * The shared-buffer-ioctl C reference driver's types and the routines a
 * faulty variant may replace (the .c files of its faulty/ folder).
 */
#pragma once
#include <wdm.h>
#include <dma-conformance/dma-test-device-kit.h>
#include <dma-conformance/shared-buffer-ioctl.h>

#define SHARED_BUFFER_MAXIMUM (8 * 1024 * 1024)  /* the largest buffer the driver takes */
#define SHARED_POOL_TAG 0x42685344               /* 'DShB' */
#define SHARED_BUFFERS_PER_HANDLE 256            /* the most buffers one handle may hold, however long its queue */

/* Mapping: handed down, its list not built yet (the HAL calls back later). Idle: ready to fill. */
typedef enum _SHARED_BUFFER_STATE { BufferMapping, BufferIdle, BufferFilling, BufferFilled } SHARED_BUFFER_STATE;

struct _SHARED_OPEN;

/* One buffer an application handed down, held in its pending request (Irp->Tail.Overlay.DriverContext[0]). */
typedef struct _SHARED_BUFFER {
  struct _SHARED_BUFFER *NextIdle;
  struct _SHARED_OPEN *Open;     /* NULL once given back: no longer the handle's */
  ULONG Id;
  PIRP Irp;
  PMDL Mdl;
  PVOID Va;
  ULONG Length;
  PSCATTER_GATHER_LIST List;     /* built once, reused for every fill; a bouncing buffer's is the current fill's */
  BOOLEAN Bounces;               /* a 32-bit device: the list goes through bounce pages, got and put per fill (SG-6) */
  BOOLEAN ListPending;           /* GetScatterGatherList called, its execution routine not run yet */
  BOOLEAN CancelRequested;       /* cancelled while the device filled it: give it back when the fill ends */
  BOOLEAN GivenBack;             /* given back while its list was being built: complete it when the list arrives */
  NTSTATUS GivenBackWith;
  SHARED_BUFFER_STATE State;
  ULONGLONG StreamOffset;        /* of the fill in progress */
} SHARED_BUFFER, *PSHARED_BUFFER;

/* What the driver keeps per handle (FileObject->FsContext). */
typedef struct _SHARED_OPEN {
  PFILE_OBJECT File;
  PMDL QueueMdl;                 /* the queue region, locked */
  PUCHAR QueueVa;                /* its system address, usable from the DPC */
  ULONG Capacity;                /* entries the queue holds: also the most buffers the handle may hand down */
  ULONG Produced;                /* entries written so far */
  PSHARED_BUFFER *Buffers;       /* Slots entries, BufferCount used */
  ULONG Slots;                   /* Capacity, up to SHARED_BUFFERS_PER_HANDLE: more buffers than entries would overflow the queue */
  ULONG BufferCount;
} SHARED_OPEN, *PSHARED_OPEN;

typedef struct _DEVICE_EXTENSION {
  PDEVICE_OBJECT Self;
  DMA_TEST_DEVICE Device;        /* registers, adapter, ring, watchdog */
  KSPIN_LOCK Lock;               /* guards Active and the idle queue */
  IO_CSQ Waits;                  /* pending IOCTL_SHARED_WAIT requests */
  PSHARED_BUFFER IdleHead;       /* buffers waiting to be filled, in order */
  PSHARED_BUFFER IdleTail;
  PSHARED_BUFFER Active;         /* the buffer the device is filling */
  ULONGLONG StreamCursor;        /* stream offset of the next fill */
} DEVICE_EXTENSION, *PDEVICE_EXTENSION;

VOID GiveBack(PDEVICE_EXTENSION Ext, PSHARED_BUFFER Buffer, NTSTATUS Status);

/* The replaceable routines (DMA_CONFORMANCE_REPLACEABLE in reference.c). */
ULONG QueueCapacity(ULONG Bytes);
VOID ReleaseUnmappedQueue(PMDL Mdl);
VOID GiveBackHandleBuffers(PDEVICE_EXTENSION Ext, PSHARED_OPEN Open);
VOID WriteQueueEntry(PSHARED_OPEN Open, PSHARED_BUFFER Buffer, ULONG Bytes);
