/*
 * The mapped-file-dma class's device interface for C drivers
 * (src/conformance/mapped-file-dma/interface.ts): two METHOD_NEITHER IOCTLs
 * whose output buffer is the caller's mapped view and whose input buffer is
 * the device stream offset to start at.
 */
#ifndef DMA_CONFORMANCE_MAPPED_FILE_DMA_H
#define DMA_CONFORMANCE_MAPPED_FILE_DMA_H

/* The device writes its stream into the view (a read of the device). */
#define IOCTL_MAPPED_FILE_FROM_DEVICE CTL_CODE(FILE_DEVICE_UNKNOWN, 0x920, METHOD_NEITHER, FILE_ANY_ACCESS)
/* The device reads the view. */
#define IOCTL_MAPPED_FILE_TO_DEVICE CTL_CODE(FILE_DEVICE_UNKNOWN, 0x921, METHOD_NEITHER, FILE_ANY_ACCESS)
/* The input: the stream offset, a little-endian 64-bit number (absent: 0). */
#define MAPPED_FILE_STREAM_OFFSET_BYTES 8
/* The longest view one request may cover (64 MiB). */
#define MAPPED_FILE_MAXIMUM_REQUEST 0x4000000

typedef struct _MAPPED_FILE_INPUT {
  ULONGLONG StreamOffset;
} MAPPED_FILE_INPUT, *PMAPPED_FILE_INPUT;
_Static_assert(sizeof(MAPPED_FILE_INPUT) == MAPPED_FILE_STREAM_OFFSET_BYTES, "the input is the 8-byte stream offset");

#endif
