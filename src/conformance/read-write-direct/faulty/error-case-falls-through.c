/*
 * A faulty variant of the read-write-direct reference driver in C
 * (reference.c): the device's state becomes a status in a switch whose Error
 * case has no break; it falls through into the Done case, so a transfer the
 * device failed completes its request with STATUS_SUCCESS and every byte
 * claimed (breaks DEV-3).
 */
#include "../reference.h"

DMA_CONFORMANCE_FAULTY_DRIVER("direct-io-c-error-case-falls-through", "read-write-direct",
                              "Turns the device state into a status with a switch whose Error case lacks its break, so it falls into the Done case and a failed transfer completes with success.",
                              "DEV-3");

NTSTATUS StatusFromDeviceState(ULONG DeviceStatus) {
  NTSTATUS status;
  switch (DeviceStatus & DMA_STATUS_STATE_MASK) {
  case DMA_STATE_ERROR:
    status = STATUS_IO_DEVICE_ERROR;  /* BUG: no break: falls into the Done case */
  case DMA_STATE_DONE:
    status = STATUS_SUCCESS;
    break;
  default:
    status = STATUS_IO_DEVICE_ERROR;
    break;
  }
  return status;
}
