/*
 * A variant of reference.c whose range check tests that the transfer starts
 * inside a peer BAR and is no longer than the BAR, but not where it ends: a
 * range that starts near a BAR's end runs past it, and the device moves data
 * through bus addresses no one mapped for it (VER-DMA-OUTSIDE-BUFFER).
 */
#include "../reference.h"

DMA_CONFORMANCE_FAULTY_DRIVER("peer-to-peer-c-range-end-unchecked", "peer-to-peer-dma",
  "Checks that a transfer starts inside a peer BAR and fits its size, but not that it ends inside it: the device runs past the BAR's end.",
  "VER-DMA-OUTSIDE-BUFFER");

BOOLEAN InsidePeerWindow(PPEER_EXTENSION Ext, const P2P_TRANSFER_ORDER *Order) {
  for (ULONG i = 0; i < Ext->WindowCount; i++) {
    const PEER_WINDOW *w = &Ext->Windows[i];
    if (Order->PeerAddress >= w->Base && Order->PeerAddress < w->Base + w->Size && Order->Bytes <= w->Size) return TRUE;
  }
  return FALSE;
}
