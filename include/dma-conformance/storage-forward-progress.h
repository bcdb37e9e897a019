/*
 * The storage-forward-progress class's interface (src/conformance/
 * storage-forward-progress/interface.ts), for C drivers: plain ReadFile and
 * WriteFile on a DO_DIRECT_IO device (no IOCTL), every one finished however
 * the driver's allocations fail (SG-5), and the longest transfer one
 * scatter/gather list maps.
 */
#ifndef DMA_CONFORMANCE_STORAGE_FORWARD_PROGRESS_H
#define DMA_CONFORMANCE_STORAGE_FORWARD_PROGRESS_H

/* The longest transfer one list maps; a longer request is cut into transfers of at most this (DEV-2). */
#define STORAGE_MAXIMUM_TRANSFER 0x100000

#endif
