/*
 * A variant of the C reference: the buffer's resources are freed in the order
 * they were allocated, the MDL of the whole buffer before the partial MDL
 * built from it, so the partial MDL outlives its source (MDL-2).
 */
#include "../reference.h"

DMA_CONFORMANCE_FAULTY_DRIVER("mapped-buffer-c-frees-in-allocation-order", "mapped-buffer-ioctl",
                              "Frees the buffer's MDLs in allocation order, the source MDL before the partial MDL built from it.",
                              "MDL-2");

VOID FreeBuffer(PMAPPED_BUFFER Buffer) {
  IoFreeMdl(Buffer->Mdl);
  IoFreeMdl(Buffer->Partial);
  ExFreePoolWithTag(Buffer->SystemVa, MAPPED_POOL_TAG);
  ExFreePoolWithTag(Buffer, MAPPED_POOL_TAG);
}
