/*
 * The read-write-direct class's interface (src/conformance/read-write-direct/
 * interface.ts), for C drivers: plain ReadFile and WriteFile on a
 * DO_DIRECT_IO device (no IOCTL), and the largest request the class's
 * applications make.
 */
#ifndef DMA_CONFORMANCE_READ_WRITE_DIRECT_H
#define DMA_CONFORMANCE_READ_WRITE_DIRECT_H

/* The largest read or write an application of the class makes (1 byte to 8 MiB, any start in a page). */
#define READ_WRITE_DIRECT_LARGEST_REQUEST 0x800000

#endif
