/*
 * A faulty variant of the read-write-direct reference driver in C
 * (reference.c): each descriptor's address is built from the element's
 * LowPart, a ULONG, so the high 32 bits of a device address above 4 GiB are
 * lost and a 64-bit device moves the data to or from memory below 4 GiB that
 * no one locked for it (breaks PAGE-1: DMA only into memory locked for it).
 */
#include "../reference.h"

DMA_CONFORMANCE_FAULTY_DRIVER("direct-io-c-address-truncated-to-ulong", "read-write-direct",
                              "Builds each descriptor address from the low 32 bits of the element address, so for a buffer above 4 GiB a 64-bit device moves the data to or from memory below 4 GiB that is not locked for it.",
                              "PAGE-1");

ULONG DescribeElement(PDEVICE_EXTENSION Ext, const SCATTER_GATHER_ELEMENT *Element, PDMA_DESCRIPTOR Descriptors) {
  PDMA_DESCRIPTOR next = Descriptors;
  for (ULONG offset = 0; offset < Element->Length; offset += Ext->Device.MaxTransfer) {
    ULONG left = Element->Length - offset;
    next->Address = Element->Address.LowPart + offset;  /* BUG: a ULONG sum, widened too late: the high 32 bits are lost */
    next->Length = left < Ext->Device.MaxTransfer ? left : Ext->Device.MaxTransfer;
    next->Flags = 0;
    next++;
  }
  return (ULONG)(next - Descriptors);
}
