/*
 * A variant of the C reference: the queue's capacity is a rounded-up division
 * written as (x - 1) / d + 1 on a ULONG, guarded against a region shorter than
 * the header but not against one exactly as long. For a region of only the
 * header, x is 0 and x - 1 wraps to 0xFFFFFFFF: a queue too short for one
 * entry is taken for one of 268 million entries and accepted, where PAGE-3
 * wants the request to fail.
 */
#include "../reference.h"

DMA_CONFORMANCE_FAULTY_DRIVER("shared-buffer-c-queue-capacity-wraps", "shared-buffer-ioctl",
                              "Computes the queue capacity as (Bytes - 16 - 1) / 16 + 1 in a ULONG: a region of only the header wraps to a huge capacity and is accepted.",
                              "PAGE-3");

ULONG QueueCapacity(ULONG Bytes) {
  if (Bytes < QUEUE_HEADER_BYTES) return 0;
  return (Bytes - QUEUE_HEADER_BYTES - 1) / QUEUE_ENTRY_BYTES + 1;
}
