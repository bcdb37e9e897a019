/**
 * Faulty variant of the peer-to-peer driver, breaking DEV-6: its length
 * check is one off at the class's documented maximum (`<` where the
 * interface says "1 .. P2P_TRANSFER_MAXIMUM", both ends included), so the
 * longest transfer a driver of the class must accept is refused.
 */
import { P2P_TRANSFER_MAXIMUM } from '../interface';
import { PeerToPeerDevice, peerToPeerDriver } from '../reference';

class RefusesLongestTransfer extends PeerToPeerDevice {
  protected override transferLengthAllowed(bytes: number): boolean {
    return bytes >= 1 && bytes < P2P_TRANSFER_MAXIMUM;
  }
}

export default peerToPeerDriver({
  name: 'peer-to-peer-refuses-longest-transfer',
  breaksRule: 'DEV-6',
  description: 'Checks the transfer length with < P2P_TRANSFER_MAXIMUM, so the longest transfer the class must accept is refused.',
}, RefusesLongestTransfer);
