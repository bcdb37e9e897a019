/*
 * The boot-preallocated-contiguous class's interface (src/conformance/
 * boot-preallocated-contiguous/interface.ts), for C drivers: the IOCTL that
 * sets up a handle's ring of contiguous buffers for one direction, its
 * input, the most buffers a ring may have, and the option flags of the
 * input (src/contracts/user-dma-options.ts).
 */
#ifndef DMA_CONFORMANCE_BOOT_PREALLOCATED_CONTIGUOUS_H
#define DMA_CONFORMANCE_BOOT_PREALLOCATED_CONTIGUOUS_H

#ifndef CTL_CODE
#define CTL_CODE(DeviceType, Function, Method, Access) (((DeviceType) << 16) | ((Access) << 14) | ((Function) << 2) | (Method))
#endif
#ifndef METHOD_BUFFERED
#define METHOD_BUFFERED 0
#endif
#ifndef FILE_ANY_ACCESS
#define FILE_ANY_ACCESS 0
#endif

/* Set up the handle's ring for one direction (METHOD_BUFFERED): input RING_SETUP_INPUT, no output. */
#define IOCTL_RING_SETUP CTL_CODE(FILE_DEVICE_UNKNOWN, 0x930, METHOD_BUFFERED, FILE_ANY_ACCESS)
#define RING_SETUP_INPUT_BYTES 12
/* At most this many buffers per direction, as the install configuration allows. */
#define RING_MAXIMUM_BUFFERS 256

typedef struct _RING_SETUP_INPUT {
  ULONG BufferBytes;   /* the bytes of each buffer */
  ULONG BufferCount;
  ULONG Options;       /* DMA_OPTION_FROM_DEVICE or DMA_OPTION_TO_DEVICE, optionally ALLOW_CACHE, GET_PREALLOCATED_BUFFERS_ONLY ... */
} RING_SETUP_INPUT, *PRING_SETUP_INPUT;
_Static_assert(sizeof(RING_SETUP_INPUT) == RING_SETUP_INPUT_BYTES, "the set-up input is three 32-bit words");

/* Option flags of a contiguous buffer (the toolkit's): the driver adds KERNEL_BUFFER_ALLOC itself. */
#define DMA_OPTION_KERNEL_BUFFER_ALLOC 0x1
#define DMA_OPTION_KBUF_BELOW_16M 0x2
#define DMA_OPTION_LARGE_BUFFER 0x4
#define DMA_OPTION_ALLOW_CACHE 0x8
#define DMA_OPTION_FROM_DEVICE 0x20
#define DMA_OPTION_TO_DEVICE 0x40
#define DMA_OPTION_ALLOW_64BIT_ADDRESS 0x80
#define DMA_OPTION_GET_PREALLOCATED_BUFFERS_ONLY 0x1000

#endif
