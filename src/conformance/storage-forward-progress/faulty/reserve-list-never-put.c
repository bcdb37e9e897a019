/*
 * Faulty variant of the storage-forward-progress C reference, breaking SG-3:
 * a list built into the forward-progress reserve is not put back when its
 * transfer ends ("the reserve is ours, it needs no PutScatterGatherList"),
 * so every list the reserve served stays out with the HAL.
 */
#include "../reference.h"

DMA_CONFORMANCE_FAULTY_DRIVER("storage-c-reserve-list-never-put", "storage-forward-progress",
  "Does not put back a scatter/gather list that was built into its forward-progress reserve.", "SG-3");

VOID StoragePutList(PSTORAGE_DEVICE_EXTENSION Ext, PIRP Irp) {
  PSTORAGE_REQUEST request = StorageRequestOf(Irp);
  if (!(request->Flags & STORAGE_REQUEST_IN_RESERVE)) Ext->Device.Adapter->DmaOperations->PutScatterGatherList(Ext->Device.Adapter, request->List, StorageIsWrite(Irp));
  request->List = NULL;
}
