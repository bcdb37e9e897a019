/*
 * Faulty variant of the storage-forward-progress C reference, breaking SG-5:
 * when GetScatterGatherList fails it builds the list into the reserve
 * whenever the reserve exists, without asking whether a transfer still holds
 * it. BuildScatterGatherList then writes a second list over one whose
 * transfer is still queued for the device (SG-5: the reserve serves one
 * transfer at a time, the others wait for it).
 */
#include "../reference.h"

DMA_CONFORMANCE_FAULTY_DRIVER("storage-c-reserve-reused-while-held", "storage-forward-progress",
  "Builds a list into its forward-progress reserve while another transfer's list, queued for the device, still lives there.", "SG-5");

VOID StorageMappingFailed(PSTORAGE_DEVICE_EXTENSION Ext, PIRP Irp) {
  if (Ext->Reserve) StorageBuildIntoReserve(Ext, Irp);
  else StorageWaitForResources(Ext, Irp);
}
