/*
 * A faulty variant of the read-write-direct reference driver in C
 * (reference.c): the two-bit state field of the status register is tested
 * as if Done were a flag (status & DMA_STATE_DONE) instead of compared; Error
 * is 3, which has that bit set, so a transfer the device failed completes its
 * request with STATUS_SUCCESS and every byte claimed (breaks DEV-3).
 */
#include "../reference.h"

DMA_CONFORMANCE_FAULTY_DRIVER("direct-io-c-state-tested-as-bit", "read-write-direct",
                              "Tests the device state field with a bit mask instead of comparing it, so the Error state 3 reads as Done and a failed transfer completes with success.",
                              "DEV-3");

NTSTATUS StatusFromDeviceState(ULONG DeviceStatus) {
  return (DeviceStatus & DMA_STATE_DONE) ? STATUS_SUCCESS : STATUS_IO_DEVICE_ERROR;  /* BUG: Error (3) has the Done bit */
}
