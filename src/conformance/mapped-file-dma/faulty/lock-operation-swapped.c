/*
 * A variant of reference.c whose lock operation follows the IOCTL's name
 * rather than what the device does to the view: IOCTL_MAPPED_FILE_FROM_DEVICE
 * is a read of the device, so the view is locked for IoReadAccess, though
 * the device writes it. Its pages are never counted as modified, so what the
 * device wrote never reaches the file when the application flushes (PAGE-4).
 */
#include "../reference.h"

DMA_CONFORMANCE_FAULTY_DRIVER("mapped-file-c-lock-operation-swapped", "mapped-file-dma",
  "Locks the view with IoReadAccess for the IOCTL that reads the device, though the device writes the view: the flushed file misses the device's data.",
  "PAGE-4");

LOCK_OPERATION ViewLockOperation(BOOLEAN IntoView) {
  return IntoView ? IoReadAccess : IoWriteAccess;
}
