/**
 * What the bus tells the outside world about device DMA. The DMA verifier
 * implements this: it is called before a device touches each RAM frame, so
 * it can check the frame against the rules at that moment and stop the
 * machine with a BugCheck (the bus lets it propagate) or record a finding.
 */

/**
 * A device reading or writing one RAM frame (never more than one frame per
 * call). The bus fills one such object for every access, thousands per
 * transfer: it is valid during the observer's call, and an observer that
 * keeps an access keeps a copy.
 */
export interface DeviceRamAccess {
  /** The requester ID (bus/device/function) of the device; the IOMMU's device key. */
  readonly device: number;
  readonly deviceName: string;
  /** The address the device put on the bus (before IOMMU translation). */
  readonly busAddress: number;
  readonly physicalAddress: number;
  readonly pfn: number;
  readonly length: number;
  /** True when the device writes host memory (device-to-host). */
  readonly write: boolean;
  /** Simulated time of the access, in ns. */
  readonly atNs: number;
}

/** A device reading or writing another device's memory BAR (peer-to-peer). */
export interface DevicePeerAccess {
  readonly device: number;
  readonly deviceName: string;
  readonly busAddress: number;
  readonly physicalAddress: number;
  readonly peer: number;
  readonly peerName: string;
  readonly bar: number;
  readonly barOffset: number;
  readonly length: number;
  readonly write: boolean;
  readonly atNs: number;
}

export type DmaFaultKind =
  /** The device's bus-master bit is clear: it may not issue requests at all. */
  | 'bus-master-disabled'
  /** The IOMMU has no mapping (or no write permission) for the address in the device's domain. */
  | 'iommu-blocked'
  /** Nothing decodes the address: neither RAM nor an enabled memory BAR. */
  | 'no-target'
  /** A master abort injected into the device for a test. */
  | 'injected-master-abort';

export interface DmaFault {
  readonly kind: DmaFaultKind;
  readonly device: number;
  readonly deviceName: string;
  readonly busAddress: number;
  /** Where the request would have gone, when known (after translation). */
  readonly physicalAddress: number | null;
  readonly length: number;
  readonly write: boolean;
  readonly atNs: number;
}

export interface DmaObserver {
  /** Before a device touches a RAM frame. May throw a BugCheck. */
  onDeviceAccess(access: DeviceRamAccess): void;
  /** A device request that was refused (master abort, IOMMU fault). */
  onDmaFault(fault: DmaFault): void;
  /** A device request that went to a peer's BAR; nothing crossed RAM. */
  onPeerAccess(access: DevicePeerAccess): void;
}

/** Observes nothing: for tests of the bus and devices alone. */
export const noDmaObserver: DmaObserver = {
  onDeviceAccess() {},
  onDmaFault() {},
  onPeerAccess() {},
};

/** Keeps every event, for tests that assert what the bus reported. */
export class RecordingDmaObserver implements DmaObserver {
  readonly ramAccesses: DeviceRamAccess[] = [];
  readonly faults: DmaFault[] = [];
  readonly peerAccesses: DevicePeerAccess[] = [];

  onDeviceAccess(access: DeviceRamAccess): void {
    this.ramAccesses.push({ ...access });
  }

  onDmaFault(fault: DmaFault): void {
    this.faults.push(fault);
  }

  onPeerAccess(access: DevicePeerAccess): void {
    this.peerAccesses.push(access);
  }
}
