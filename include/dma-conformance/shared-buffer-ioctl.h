/*
 * The shared-buffer-ioctl class's device interface for C drivers: the IOCTLs,
 * the queue registration, the shared queue's layout and its entries
 * (src/conformance/shared-buffer-ioctl/interface.ts states the same; a test
 * holds the two to one value each).
 */
#ifndef DMA_CONFORMANCE_SHARED_BUFFER_IOCTL_H
#define DMA_CONFORMANCE_SHARED_BUFFER_IOCTL_H

/* Input: SHARED_QUEUE_REGISTRATION. Locks and maps the caller's queue region; completes at once. */
#define IOCTL_SHARED_QUEUE CTL_CODE(FILE_DEVICE_UNKNOWN, 0x900, METHOD_BUFFERED, FILE_ANY_ACCESS)
/* Input: ULONG buffer id; output buffer: the buffer handed down. Pending until cleanup or cancellation. */
#define IOCTL_SHARED_BUFFER CTL_CODE(FILE_DEVICE_UNKNOWN, 0x901, METHOD_OUT_DIRECT, FILE_ANY_ACCESS)
/* Input: ULONG buffer id, consumed by the application: fill it again. */
#define IOCTL_SHARED_RELEASE CTL_CODE(FILE_DEVICE_UNKNOWN, 0x902, METHOD_BUFFERED, FILE_ANY_ACCESS)
/* Input: ULONG entries seen; output: ULONG entries produced, once more than that were. */
#define IOCTL_SHARED_WAIT CTL_CODE(FILE_DEVICE_UNKNOWN, 0x903, METHOD_BUFFERED, FILE_ANY_ACCESS)

#define QUEUE_REGISTRATION_BYTES 16
#define QUEUE_HEADER_BYTES 16
#define QUEUE_ENTRY_BYTES 16

/* IOCTL_SHARED_QUEUE's input: the queue region in the caller's address space. */
typedef struct _SHARED_QUEUE_REGISTRATION {
  ULONGLONG Address;
  ULONG Bytes;
  ULONG Reserved;
} SHARED_QUEUE_REGISTRATION, *PSHARED_QUEUE_REGISTRATION;
_Static_assert(sizeof(SHARED_QUEUE_REGISTRATION) == QUEUE_REGISTRATION_BYTES, "the registration is 16 bytes");

/* The queue region starts with this header; the ring of entries follows it. */
typedef struct _SHARED_QUEUE_HEADER {
  ULONG Produced;       /* entries written so far */
  ULONG Reserved[3];    /* the driver leaves them alone */
} SHARED_QUEUE_HEADER, *PSHARED_QUEUE_HEADER;
_Static_assert(sizeof(SHARED_QUEUE_HEADER) == QUEUE_HEADER_BYTES, "the queue header is 16 bytes");

/* One filled buffer; entry n lies at QUEUE_HEADER_BYTES + (n % capacity) * QUEUE_ENTRY_BYTES. */
typedef struct _SHARED_QUEUE_ENTRY {
  ULONG BufferId;
  ULONG Bytes;          /* 0: the fill failed */
  ULONGLONG StreamOffset;
} SHARED_QUEUE_ENTRY, *PSHARED_QUEUE_ENTRY;
_Static_assert(sizeof(SHARED_QUEUE_ENTRY) == QUEUE_ENTRY_BYTES, "a queue entry is 16 bytes");

#endif
