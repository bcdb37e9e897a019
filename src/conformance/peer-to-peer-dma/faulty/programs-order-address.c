/*
 * A variant of reference.c that programs the device with the peer address the
 * application sent, since "it is already a bus address", and keeps the
 * scatter/gather list only for form. Without an IOMMU that happens to work;
 * behind one, the device's address for the peer's memory is the one the list
 * gives, and the address from the order faults (VER-IOMMU-FAULT).
 */
#include "../reference.h"

DMA_CONFORMANCE_FAULTY_DRIVER("peer-to-peer-c-programs-order-address", "peer-to-peer-dma",
  "Programs the device with the peer address from the request instead of the device address its scatter/gather list gives: behind an IOMMU the transfer faults.",
  "VER-IOMMU-FAULT");

ULONG PieceDescriptors(PPEER_EXTENSION Ext, PPEER_REQUEST Request, PSCATTER_GATHER_LIST List, ULONG Length) {
  UNREFERENCED_PARAMETER(List);
  return DmaTestDeviceDescribe(&Ext->Device, 0, Request->Order.PeerAddress + Request->Done, Length);
}
