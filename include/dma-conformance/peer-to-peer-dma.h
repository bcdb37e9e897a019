/*
 * The peer-to-peer-dma class's device interface for C drivers
 * (src/conformance/peer-to-peer-dma/interface.ts): one METHOD_BUFFERED IOCTL
 * whose input orders a transfer between the DMA test device and another PCI
 * function's memory BAR, by that memory's bus address.
 */
#ifndef DMA_CONFORMANCE_PEER_TO_PEER_DMA_H
#define DMA_CONFORMANCE_PEER_TO_PEER_DMA_H

/* Input: a P2P_TRANSFER_ORDER; no output; completes with the byte count. */
#define IOCTL_P2P_TRANSFER CTL_CODE(FILE_DEVICE_UNKNOWN, 0x940, METHOD_BUFFERED, FILE_ANY_ACCESS)
/* The longest transfer a driver of the class must accept (16 MiB). */
#define P2P_TRANSFER_MAXIMUM 0x1000000
#define P2P_ORDER_BYTES 24

/* Direction: the DMA test device writes its stream into the peer's memory, or reads the peer's memory. */
#define P2P_DIRECTION_DEVICE_TO_PEER 0
#define P2P_DIRECTION_PEER_TO_DEVICE 1

typedef struct _P2P_TRANSFER_ORDER {
  ULONGLONG PeerAddress;   /* bus address of another function's memory */
  ULONG Bytes;             /* 1 .. P2P_TRANSFER_MAXIMUM */
  ULONG Direction;         /* P2P_DIRECTION_... */
  ULONGLONG StreamOffset;  /* where in its stream the device starts */
} P2P_TRANSFER_ORDER, *PP2P_TRANSFER_ORDER;
_Static_assert(sizeof(P2P_TRANSFER_ORDER) == P2P_ORDER_BYTES, "the order is 24 bytes");
_Static_assert(__builtin_offsetof(P2P_TRANSFER_ORDER, StreamOffset) == 16, "the stream offset follows the direction");

#endif
