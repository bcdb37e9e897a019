/*
 * Faulty variant of the storage-forward-progress C reference, breaking SG-3:
 * when GetScatterGatherList fails it builds the list into the reserve
 * whenever the reserve exists, without asking whether a transfer still holds
 * it. BuildScatterGatherList then writes a second list over one the device
 * still uses (the HAL's private data of the first is lost), and that list
 * can no longer be put back as it was handed out.
 */
#include "../reference.h"

DMA_CONFORMANCE_FAULTY_DRIVER("storage-c-reserve-reused-while-held", "storage-forward-progress",
  "Builds a list into its forward-progress reserve while another transfer's list still lives there.", "SG-3");

VOID StorageMappingFailed(PSTORAGE_DEVICE_EXTENSION Ext, PIRP Irp) {
  if (Ext->Reserve) StorageBuildIntoReserve(Ext, Irp);
  else StorageWaitForResources(Ext, Irp);
}
