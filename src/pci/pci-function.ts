/**
 * What a device model must provide to sit on the PCI bus, and what the bus
 * gives it back when it is attached: its requester ID, its interrupt line and
 * its only way to reach memory, bus-master DMA.
 */
import { PciConfigSpace } from './config-space';
import { InterruptLine } from './interrupt-line';
import type { PagePattern } from '../kernel/mm/pattern-pages';

export type AccessWidth = 1 | 2 | 4;

export type DmaStatus =
  | 'ok'
  /** Refused before anything moved at that address: bus master off, or nothing decodes it. */
  | 'master-abort'
  /** The IOMMU blocked the address for this device. */
  | 'iommu-fault';

/** The result of one device request. A request stops at the first refused 4 KiB piece. */
export interface DmaResult {
  readonly status: DmaStatus;
  /** Bytes moved before the request stopped (all of them when status is 'ok'). */
  readonly bytesTransferred: number;
  /** The bus address that was refused, when status is not 'ok'. */
  readonly faultAddress: number | null;
}

export interface DmaReadResult extends DmaResult {
  /** The bytes read; past `bytesTransferred` they are zero. */
  readonly data: Uint8Array;
}

/** The device's side of its attachment to the bus. */
export interface BusConnection {
  readonly requesterId: number;
  readonly interrupt: InterruptLine;
  /** Read host memory into `into` (from its start) when given, else into new bytes. */
  dmaRead(busAddress: number, length: number, into?: Uint8Array): DmaReadResult;
  dmaWrite(busAddress: number, bytes: Uint8Array): DmaResult;
  /**
   * Write `length` bytes of the pattern's stream from `streamOffset`: the
   * same request as dmaWrite of those bytes, without making them (RAM holds
   * them as the pattern where it can).
   */
  dmaWritePattern(busAddress: number, length: number, pattern: PagePattern, streamOffset: number): DmaResult;
  /** Report a master abort the device model produced itself (fault injection). */
  signalMasterAbort(busAddress: number, length: number, write: boolean): void;
  /** Simulated ns to move `bytes` across the link. */
  linkTransferNs(bytes: number): number;
}

export interface PciFunction {
  /** A short name for reports, e.g. "dma0". */
  readonly name: string;
  readonly config: PciConfigSpace;
  /** Called once by the bus when the function is attached and its BARs assigned. */
  attach(connection: BusConnection): void;
  /** A CPU access of `width` bytes at `offset` in BAR `bar` (naturally aligned). */
  readRegister(bar: number, offset: number, width: AccessWidth): number;
  writeRegister(bar: number, offset: number, width: AccessWidth, value: number): void;
  /** Bulk access to a memory BAR by a peer's DMA; without it the bus goes byte by byte through the register handlers. */
  readMemory?(bar: number, offset: number, length: number): Uint8Array;
  writeMemory?(bar: number, offset: number, bytes: Uint8Array): void;
  /** Called after a config-space write, so the model can react (e.g. to Interrupt Disable). */
  configWritten?(): void;
}
