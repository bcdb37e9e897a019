/*
 * The mapped-buffer-ioctl class's device interface for C drivers: the IOCTLs
 * and their inputs and outputs (src/conformance/mapped-buffer-ioctl/interface.ts
 * states the same; a test holds the two to one value each).
 */
#ifndef DMA_CONFORMANCE_MAPPED_BUFFER_IOCTL_H
#define DMA_CONFORMANCE_MAPPED_BUFFER_IOCTL_H

/* Input: ULONG bytes wanted (1 .. MAPPED_BUFFER_MAXIMUM); output: MAPPED_BUFFER_MAP_OUTPUT. One buffer per handle. */
#define IOCTL_MAPPED_MAP CTL_CODE(FILE_DEVICE_UNKNOWN, 0x910, METHOD_BUFFERED, FILE_ANY_ACCESS)
/* Input: MAPPED_BUFFER_TRANSFER_ORDER; completes when the device is done, with the byte count. */
#define IOCTL_MAPPED_TRANSFER CTL_CODE(FILE_DEVICE_UNKNOWN, 0x911, METHOD_BUFFERED, FILE_ANY_ACCESS)

#define MAPPED_BUFFER_MAXIMUM 0x800000  /* 8 MiB: the largest buffer a driver of the class must map */
#define MAP_OUTPUT_BYTES 16
#define TRANSFER_INPUT_BYTES 24

/* IOCTL_MAPPED_MAP's output: where the buffer is in the caller's address space. */
typedef struct _MAPPED_BUFFER_MAP_OUTPUT {
  ULONGLONG Address;
  ULONG Bytes;
  ULONG Reserved;
} MAPPED_BUFFER_MAP_OUTPUT, *PMAPPED_BUFFER_MAP_OUTPUT;
_Static_assert(sizeof(MAPPED_BUFFER_MAP_OUTPUT) == MAP_OUTPUT_BYTES, "the map output is 16 bytes");

#define MAPPED_TRANSFER_DEVICE_TO_HOST 0  /* the device fills that part of the buffer with its stream */
#define MAPPED_TRANSFER_HOST_TO_DEVICE 1  /* the device reads that part and checks it against its stream */

/* IOCTL_MAPPED_TRANSFER's input. */
typedef struct _MAPPED_BUFFER_TRANSFER_ORDER {
  ULONG Offset;                /* into the buffer */
  ULONG Bytes;
  ULONGLONG StreamOffset;
  ULONG Direction;             /* MAPPED_TRANSFER_* */
  ULONG Reserved;
} MAPPED_BUFFER_TRANSFER_ORDER, *PMAPPED_BUFFER_TRANSFER_ORDER;
_Static_assert(sizeof(MAPPED_BUFFER_TRANSFER_ORDER) == TRANSFER_INPUT_BYTES, "the transfer order is 24 bytes");

#endif
