/*
 * A faulty variant of the read-write-direct reference driver in C
 * (reference.c): an off-by-one in the loop that cuts an element into
 * descriptors (offset <= Length instead of offset < Length), so an element
 * whose length is a whole multiple of the device's maximum transfer ends in
 * a descriptor of length 0, which the device rejects (breaks DEV-2).
 */
#include "../reference.h"

DMA_CONFORMANCE_FAULTY_DRIVER("direct-io-c-descriptor-loop-off-by-one", "read-write-direct",
                              "Cuts each element with a loop that runs while offset <= length, so an element that is a whole multiple of the device maximum transfer gets one more descriptor, of length 0.",
                              "DEV-2");

ULONG DescribeElement(PDEVICE_EXTENSION Ext, const SCATTER_GATHER_ELEMENT *Element, PDMA_DESCRIPTOR Descriptors) {
  ULONG count = 0;
  for (ULONG offset = 0; offset <= Element->Length; offset += Ext->Device.MaxTransfer) {  /* BUG: one descriptor too many */
    ULONG left = Element->Length - offset;
    Descriptors[count].Address = (ULONGLONG)Element->Address.QuadPart + offset;
    Descriptors[count].Length = left < Ext->Device.MaxTransfer ? left : Ext->Device.MaxTransfer;
    Descriptors[count].Flags = 0;
    count++;
  }
  return count;
}
