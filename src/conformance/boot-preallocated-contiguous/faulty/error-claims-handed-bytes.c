/*
 * Faulty variant of the boot-preallocated-contiguous C reference, breaking
 * DEV-3: when the device fails a batch it claims every byte handed to the
 * device so far, the failed batch included, as if a batch the device started
 * always reached the application. The device moved less, and a read's failed
 * batch was never copied out of the ring.
 */
#include "../reference.h"

DMA_CONFORMANCE_FAULTY_DRIVER("ring-c-error-claims-handed-bytes", "boot-preallocated-contiguous",
  "Ends a request the device failed claiming the bytes of every batch it handed to the device, the failed one included.", "DEV-3");

ULONG_PTR RingBytesOnError(PIRP Irp, DMA_TRANSFER_RESULT Result) {
  return RingRequestOf(Irp)->Done + RingRequestOf(Irp)->BatchBytes;
}
