/*
 * A faulty variant of the read-write-direct reference driver in C
 * (reference.c): when the device ended a transfer with an error, the release
 * path returns early and forgets the transfer's scatter/gather list instead
 * of putting it back, so every list of a failed transfer leaks (breaks SG-3:
 * every list goes back exactly once).
 */
#include "../reference.h"

DMA_CONFORMANCE_FAULTY_DRIVER("direct-io-c-error-path-skips-put", "read-write-direct",
                              "When the device reports an error, returns early from the release path without putting the scatter/gather list back.",
                              "SG-3");

VOID ReleaseTransfer(PDEVICE_EXTENSION Ext, PDIRECT_IO_TRANSFER Transfer, NTSTATUS DeviceStatus) {
  if (!NT_SUCCESS(DeviceStatus)) {  /* BUG: the error path forgets the list */
    Transfer->List = NULL;
    return;
  }
  Ext->Device.Adapter->DmaOperations->PutScatterGatherList(Ext->Device.Adapter, Transfer->List, Transfer->Request->Write);
  Transfer->List = NULL;
}
