/**
 * The device interface of the peer-to-peer-dma class (seed 000: the
 * application passes the driver an address that is really memory on another
 * controller, and the transfer crosses the bus without touching RAM; seed
 * 002: a card's driver hands applications the addresses of the card's
 * memory, and GPU memory is reached by DMA from another device). What a
 * driver of the class serves and what the class's scenarios send it.
 *
 *   IOCTL_P2P_TRANSFER  METHOD_BUFFERED. Input (24 bytes): u64 the peer
 *                       address, the bus address of another PCI function's
 *                       memory as that function's driver or allocator gave
 *                       it to the application (a GPU allocation, say); u32
 *                       bytes (1 .. P2P_TRANSFER_MAXIMUM); u32 direction (0:
 *                       the DMA test device writes its stream from the stream
 *                       offset into the peer's memory; 1: it reads the peer's
 *                       memory and checks it against its stream); u64 stream
 *                       offset. No output. Completes when the device is done,
 *                       with the byte count. A range that does not lie
 *                       wholly inside one memory BAR of another function on
 *                       the bus (outside every BAR, past a BAR's end, host
 *                       RAM) fails with an error status, and the device moves
 *                       nothing.
 *
 * The device reaches the peer's memory by the address its DMA adapter gives
 * for it (the bus address, or behind an IOMMU an address mapped to it), and
 * no byte of the transfer lands in host RAM (DEV-6). At cleanup the driver
 * stops the handle's transfer on the device before it completes it.
 */
import { CTL_CODE, FILE_ANY_ACCESS, FILE_DEVICE_UNKNOWN, METHOD_BUFFERED } from '../../contracts/ioctl';
import { MiB } from '../../contracts/units';

export const IOCTL_P2P_TRANSFER = CTL_CODE(FILE_DEVICE_UNKNOWN, 0x940, METHOD_BUFFERED, FILE_ANY_ACCESS);

/** The longest transfer a driver of the class must accept. */
export const P2P_TRANSFER_MAXIMUM = 16 * MiB;
export const P2P_ORDER_BYTES = 24;

export const PeerDirection = { DeviceToPeer: 0, PeerToDevice: 1 } as const;

export interface PeerTransferOrder {
  readonly peerAddress: number;
  readonly bytes: number;
  /** The device reads the peer's memory (true) or writes it (false). */
  readonly fromPeer: boolean;
  readonly streamOffset: number;
}

const TWO_32 = 2 ** 32;

export function encodePeerOrder(order: PeerTransferOrder): Uint8Array {
  const out = new Uint8Array(P2P_ORDER_BYTES);
  const v = new DataView(out.buffer);
  v.setUint32(0, order.peerAddress % TWO_32, true);
  v.setUint32(4, Math.floor(order.peerAddress / TWO_32), true);
  v.setUint32(8, order.bytes, true);
  v.setUint32(12, order.fromPeer ? PeerDirection.PeerToDevice : PeerDirection.DeviceToPeer, true);
  v.setUint32(16, order.streamOffset % TWO_32, true);
  v.setUint32(20, Math.floor(order.streamOffset / TWO_32), true);
  return out;
}

export function decodePeerOrder(v: DataView): PeerTransferOrder {
  return {
    peerAddress: v.getUint32(0, true) + v.getUint32(4, true) * TWO_32,
    bytes: v.getUint32(8, true),
    fromPeer: v.getUint32(12, true) === PeerDirection.PeerToDevice,
    streamOffset: v.getUint32(16, true) + v.getUint32(20, true) * TWO_32,
  };
}
