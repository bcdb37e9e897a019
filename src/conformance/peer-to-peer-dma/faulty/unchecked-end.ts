/**
 * Faulty variant of the peer-to-peer driver, breaking
 * VER-DMA-OUTSIDE-BUFFER: it checks only that a request starts inside a
 * peer's memory BAR, not that it ends there. A transfer that runs past the
 * BAR's end is mapped and started as asked, and the device goes on past the
 * peer's memory to addresses nothing decodes.
 */
import type { PeerTransferOrder } from '../interface';
import { PeerToPeerDevice, peerToPeerDriver } from '../reference';

class UncheckedEnd extends PeerToPeerDevice {
  protected override insidePeerWindow(order: PeerTransferOrder): boolean {
    return this.peerWindows.some((w) => order.peerAddress >= w.base && order.peerAddress < w.base + w.size);
  }
}

export default peerToPeerDriver({
  name: 'peer-to-peer-unchecked-end',
  breaksRule: 'VER-DMA-OUTSIDE-BUFFER',
  description: 'Checks that a transfer starts inside a peer BAR but not that it ends there, so the device runs past the BAR\'s end.',
}, UncheckedEnd);
