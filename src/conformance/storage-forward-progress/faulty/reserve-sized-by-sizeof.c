/*
 * Faulty variant of the storage-forward-progress C reference, breaking SG-4:
 * it sizes its reserve from the structures wdm.h shows, a
 * SCATTER_GATHER_LIST header and one SCATTER_GATHER_ELEMENT per page of the
 * longest unaligned transfer, instead of asking CalculateScatterGatherList.
 * The HAL keeps its private data in the same buffer, so
 * BuildScatterGatherList refuses the reserve (STATUS_BUFFER_TOO_SMALL) and a
 * request that needed it fails.
 */
#include "../reference.h"

DMA_CONFORMANCE_FAULTY_DRIVER("storage-c-reserve-sized-by-sizeof", "storage-forward-progress",
  "Sizes its forward-progress reserve with sizeof(SCATTER_GATHER_LIST) plus one SCATTER_GATHER_ELEMENT per page, leaving out what the HAL keeps beside the list.", "SG-4");

ULONG StorageReserveSize(PSTORAGE_DEVICE_EXTENSION Ext) {
  ULONG pages = Ext->Device.LongestTransfer / PAGE_SIZE + 1;  /* an unaligned transfer spans one page more */
  return sizeof(SCATTER_GATHER_LIST) + pages * sizeof(SCATTER_GATHER_ELEMENT);
}
